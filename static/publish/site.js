/* The published public pages: draws the figures that `python -m lib publish` wrote (lib/public/publish.py).
 *
 * Every number shown comes from the JSON files under data/, which the generator wrote through
 * privacy.public_table; this script only reads and draws them, and never computes a count.
 * The view is in the URL (?area=CODE; the language is the folder), so every view can be linked.
 */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("site-config").textContent);
  var S = config.strings;
  var lang = config.lang;
  var root = config.root;
  var BLUE = "#0072B2", ORANGE = "#E69F00", GREEN = "#009E73";
  var COLORS = [ORANGE, BLUE, GREEN, "#CC79A7", "#56B4E9", "#D55E00", "#000000"];
  var HOT = {"-3": "#4575B5", "-2": "#849EBA", "-1": "#C0CCBE", "0": "#FFFFBF",
             "1": "#FAB984", "2": "#ED7551", "3": "#D62F27"};
  var RAMP = ["#F1EEF6", "#D0D1E6", "#A6BDDB", "#74A9CF", "#2B8CBE", "#045A8D"];
  var areas = [];        // [{code, label}]
  var outlines = null;   // GeoJSON of the level's areas
  var streets = null;    // {street: [codes]} once the search is first used
  var map = null, areaLayer = null, hotLayer = null;
  var cache = {};

  function fmt(text, values) {
    return String(text).replace(/\{(\w+)\}/g, function (m, k) { return values && k in values ? values[k] : m; });
  }
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "class") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }
  function getJSON(path) {
    if (!cache[path]) {
      cache[path] = fetch(root + path).then(function (r) {
        if (!r.ok) throw new Error(r.status + " " + path);
        return r.json();
      });
    }
    return cache[path];
  }
  // Plotly reads its labels as a little HTML (and decodes entities): a name from the data goes in escaped.
  function ptext(s) { return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;"); }
  function num(v, digits) { return Number(v).toLocaleString(lang, {maximumFractionDigits: digits === undefined ? 2 : digits}); }
  function safe(code) { return String(code).replace(/[^A-Za-z0-9_-]/g, "_"); }
  function areaLabel(code) {
    for (var i = 0; i < areas.length; i++) if (areas[i].code === String(code)) return areas[i].label;
    return String(code);
  }
  function currentArea() {
    var code = new URLSearchParams(window.location.search).get("area") || "";
    return areas.some(function (a) { return a.code === code; }) ? code : "";
  }
  function header(doc, col) {
    return (doc.labels && doc.labels[col]) || String(col).replace(/_/g, " ");
  }
  function isSuppressed(doc, row, col) {
    var i = doc.columns.indexOf(col + "_suppressed");
    return i >= 0 && row[i] === true;
  }
  // Why a hidden release cell is not shown: small count, complementary, or no data.
  function hiddenText(doc, row, col) {
    var i = doc.columns.indexOf(col + "_hidden"), why = i >= 0 ? row[i] : "small";
    return why === "complementary" ? S.hidden : (why === "missing" ? S.no_data : S.suppressed);
  }
  function cellText(doc, row, j) {
    var col = doc.columns[j], v = row[j];
    if (isSuppressed(doc, row, col)) return hiddenText(doc, row, col);
    if (v === null || v === undefined || v === "") return "\u2013";
    if (typeof v === "number") return num(v);
    if (typeof v === "boolean") return v ? "\u2713" : "";
    return String(v);
  }
  function shownColumns(doc) {
    var labelled = doc.labels && Object.keys(doc.labels).length;
    return doc.columns.map(function (c, j) { return j; }).filter(function (j) {
      var c = doc.columns[j];
      return labelled ? c in doc.labels : !/_(suppressed|hidden)$/.test(c);
    });
  }
  function column(doc, rows, col) {
    var j = doc.columns.indexOf(col);
    return rows.map(function (r) { return j >= 0 ? r[j] : null; });
  }
  function shownRows(doc) {
    var f = doc.chart && doc.chart.rows;
    if (!f) return doc.rows;
    var j = doc.columns.indexOf(f.column);
    return doc.rows.filter(function (r) { return r[j] !== f.not; });
  }

  /* -- tables ------------------------------------------------------------------------- */
  function table(doc, rows) {
    var cols = shownColumns(doc);
    var head = el("tr", {}, cols.map(function (j) { return el("th", {scope: "col", text: header(doc, doc.columns[j])}); }));
    var body = el("tbody", {}, rows.map(function (row) {
      return el("tr", {}, cols.map(function (j, k) {
        var attrs = {text: cellText(doc, row, j)};
        if (isSuppressed(doc, row, doc.columns[j])) attrs["class"] = "suppressed";
        else if (typeof row[j] === "number") attrs["class"] = "num";
        if (k === 0) attrs.scope = "row";
        return el(k === 0 ? "th" : "td", attrs);
      }));
    }));
    var t = el("table", {}, [el("caption", {text: doc.title}), el("thead", {}, [head]), body]);
    return el("div", {"class": "table-wrap", tabindex: "0", role: "region", "aria-label": doc.title}, [t]);
  }

  /* -- charts ------------------------------------------------------------------------- */
  function chart(doc, node) {
    var spec = doc.chart || {};
    var rows = doc.rows.slice();
    if (!rows.length || !window.Plotly || ["line", "bar", "bar_time"].indexOf(spec.kind) < 0) return null;
    var traces = [], note = null;
    var narrow = window.innerWidth < 600;
    var nums = function (col) { return column(doc, rows, col).map(function (v) { return typeof v === "number" ? v : null; }); };
    if (spec.kind === "bar") {
      var first = doc.columns.indexOf(spec.y[0]);
      rows = rows.filter(function (r) { return typeof r[first] === "number"; })
                 .sort(function (a, b) { return b[first] - a[first]; });
      if (spec.top && rows.length > spec.top) {
        rows = rows.slice(0, spec.top);
        note = fmt(S.chart_top, {n: spec.top});
      }
      rows.reverse();  // largest at the top of a horizontal bar chart
      var names = column(doc, rows, spec.x).map(ptext);
      spec.y.slice().reverse().forEach(function (y) {
        traces.push({type: "bar", orientation: "h", name: ptext(header(doc, y)), y: names, x: nums(y),
                     marker: {color: y === spec.y[0] ? BLUE : ORANGE},
                     hovertemplate: "%{y}: %{x:,}<extra>" + ptext(header(doc, y)) + "</extra>"});
      });
    } else if (spec.kind === "bar_time") {
      traces.push({type: "bar", x: column(doc, rows, spec.x), y: nums(spec.y[0]), name: ptext(header(doc, spec.y[0])),
                   marker: {color: GREEN}});
    } else if (spec.series) {
      var groups = {};
      column(doc, rows, spec.series).forEach(function (g, i) { (groups[g] = groups[g] || []).push(rows[i]); });
      Object.keys(groups).sort().forEach(function (g, k) {
        traces.push({type: "scatter", mode: "lines", name: ptext(g), x: column(doc, groups[g], spec.x),
                     y: column(doc, groups[g], spec.y[0]),
                     line: {color: k ? GREEN : BLUE, width: 2.5, dash: k ? "dot" : "solid"}, connectgaps: false});
      });
    } else {
      spec.y.forEach(function (y, k) {
        var last = k === spec.y.length - 1;
        traces.push({type: "scatter", mode: "lines+markers", name: ptext(header(doc, y)), x: column(doc, rows, spec.x),
                     y: nums(y), connectgaps: false,
                     line: {color: last ? BLUE : ORANGE, width: last ? 3 : 2, dash: last ? "solid" : "dash"},
                     marker: {symbol: last ? "circle" : "square"}});
      });
    }
    var bar = spec.kind === "bar";
    var layout = {
      margin: {l: bar ? 8 : 48, r: 12, t: 8, b: 36},
      height: bar ? Math.max(260, rows.length * spec.y.length * (narrow ? 11 : 13) + 90) : (narrow ? 260 : 320),
      font: {family: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", size: narrow ? 12 : 13, color: "#1b1b1b"},
      separators: lang === "es" ? ",." : ".,",
      legend: {orientation: "h", yanchor: "bottom", y: 1.02, x: 0},
      barmode: "group", paper_bgcolor: "#ffffff", plot_bgcolor: "#ffffff",
      showlegend: traces.length > 1, hovermode: bar ? "closest" : "x unified"
    };
    if (bar) {
      layout.yaxis = {automargin: true};
      layout.xaxis = {title: {text: spec.axis || ""}, rangemode: "tozero"};
    } else {
      layout.yaxis = {title: {text: spec.axis || ""}, rangemode: "tozero"};
      layout.xaxis = {};
      if (spec.kind === "line" && !spec.series) {
        var ticks = column(doc, rows, spec.x).map(String);
        layout.xaxis = {type: "category", tickmode: "array", tickvals: ticks, tickangle: 0,
                        ticktext: ticks.map(function (m) { return ptext(narrow ? m.slice(0, 1).toUpperCase() : m.slice(0, 3)); })};
      }
    }
    window.Plotly.newPlot(node, traces, layout, {responsive: true, displaylogo: false, displayModeBar: false});
    return {note: note};
  }

  /* -- a figure's block ----------------------------------------------------------------- */
  function figureBlock(doc, scope) {
    var id = "fig-" + doc.key;
    var base = "data/" + lang + "/" + scope + "/" + doc.key;
    var file = doc.key + "_" + scope.replace("area/", "") + "_" + lang;  // crime_trend_11_es.csv
    var parts = [el("h3", {id: id + "-h", text: doc.title || doc.key})];
    if (doc.unavailable) {
      parts.push(el("p", {"class": "note", text: fmt(S.unavailable, {reason: doc.unavailable})}));
      return el("div", {"class": "figure", id: id, role: "group", "aria-labelledby": id + "-h"}, parts);
    }
    parts.push(el("p", {"class": "summary", text: doc.summary}));
    var plot = null;
    if (["line", "bar", "bar_time"].indexOf((doc.chart || {}).kind) >= 0 && doc.rows.length) {
      plot = el("div", {"class": "chart", role: "img", "aria-label": doc.summary});
      parts.push(plot);
    }
    var rows = shownRows(doc);
    if (rows.length) {
      parts.push(el("details", {"class": "table-details"}, [el("summary", {text: S.show_table}), table(doc, rows)]));
    } else if (!doc.summary) {
      parts.push(el("p", {"class": "note", text: S.no_rows}));
    }
    if (doc.note && doc.note !== doc.summary) parts.push(el("p", {"class": "note", text: doc.note}));
    var meta = [];
    if (doc.period) meta.push(el("dt", {text: S.period}), el("dd", {text: doc.period}));
    if (meta.length) parts.push(el("dl", {"class": "meta"}, meta));
    if (doc.source) parts.push(el("p", {"class": "source", text: doc.source}));  // "Source: ...", from the load records
    if (doc.rows.length) {
      parts.push(el("p", {"class": "downloads"}, [
        S.download + " \u00ab" + doc.title + "\u00bb: ",
        el("a", {href: root + base + ".csv", download: file + ".csv", text: S.download_csv}),
        " \u00b7 ",
        el("a", {href: root + base + ".json", download: file + ".json", text: S.download_json})
      ]));
    }
    var node = el("div", {"class": "figure", id: id, role: "group", "aria-labelledby": id + "-h"}, parts);
    node._plot = plot;
    return node;
  }

  /* -- the map -------------------------------------------------------------------------- */
  function ensureMap() {
    if (map || !window.L) return map;
    map = window.L.map("map", {zoomSnap: 0.25, scrollWheelZoom: false, attributionControl: false});
    return map;
  }
  function breaks(values) {
    var v = values.filter(function (x) { return typeof x === "number"; }).sort(function (a, b) { return a - b; });
    if (!v.length) return [];
    var out = [];
    for (var i = 1; i < RAMP.length; i++) {
      var q = v[Math.floor(i * (v.length - 1) / RAMP.length)];
      if (!out.length || q > out[out.length - 1]) out.push(q);
    }
    return out;
  }
  function rampColor(value, cuts) {
    if (typeof value !== "number") return "#ffffff";
    var i = 0;
    while (i < cuts.length && value > cuts[i]) i++;
    return RAMP[i];
  }
  function legendList(items) {
    return el("ul", {"class": "legend-list"}, items.map(function (it) {
      return el("li", {}, [el("span", {"class": "swatch", style: "background:" + it[0], "aria-hidden": "true"}), it[1]]);
    }));
  }
  function drawMap(area, byArea, hot) {
    var m = ensureMap();
    if (!m || !outlines) return;
    if (areaLayer) m.removeLayer(areaLayer);
    if (hotLayer) m.removeLayer(hotLayer);
    var legend = document.getElementById("map-legend");
    legend.innerHTML = "";
    var counts = {}, cuts = [];
    if (!area && byArea && !byArea.unavailable) {
      var codeJ = byArea.columns.indexOf("code"), cJ = byArea.columns.indexOf("incidents");
      var why = {};
      byArea.rows.forEach(function (r) {
        if (r[codeJ] === "none") return;  // the "no area recorded" row has no outline
        counts[r[codeJ]] = r[cJ]; why[r[codeJ]] = hiddenText(byArea, r, "incidents");
      });
      cuts = breaks(Object.keys(counts).map(function (k) { return counts[k]; }));
    }
    areaLayer = window.L.geoJSON(outlines, {
      style: function (f) {
        var chosen = area && String(f.properties.code) === area;
        return {color: chosen ? "#0B4F8A" : "#555555", weight: chosen ? 3 : 1,
                fillColor: area ? "#ffffff" : rampColor(counts[f.properties.code], cuts),
                fillOpacity: area ? (chosen ? 0 : 0.6) : 0.7};
      },
      onEachFeature: function (f, layer) {
        var code = String(f.properties.code);
        var text = areaLabel(code);
        if (!area && code in counts) text += ": " + (counts[code] === null ? why[code] : num(counts[code], 0));
        layer.bindTooltip(el("span", {text: text}), {sticky: true});  // a node: Leaflet reads a string as HTML
        layer.on("click", function () { choose(code, true); });
      }
    }).addTo(m);
    if (!area && cuts.length) {
      var lo = 0;
      legend.appendChild(el("p", {"class": "legend-title", text: byArea.labels.incidents || byArea.title}));
      legend.appendChild(legendList(RAMP.slice(0, cuts.length + 1).map(function (c, i) {
        var hi = i < cuts.length ? cuts[i] : null;
        var txt = hi === null ? "> " + num(lo, 0) : (i === 0 ? "0" : num(lo + 1, 0)) + "\u2013" + num(hi, 0);
        lo = hi;
        return [c, txt];
      })));
    }
    if (hot && !hot.unavailable && hot.geometry && hot.geometry.features.length) {
      hotLayer = window.L.geoJSON(hot.geometry, {
        style: function (f) {
          return {color: "#333333", weight: 0.5, fillColor: HOT[String(f.properties.bin)] || "#cccccc", fillOpacity: 0.85};
        },
        onEachFeature: function (f, layer) {
          layer.bindTooltip(el("span", {text: f.properties.label}), {sticky: true});
        }
      }).addTo(m);
      var bins = {};
      hot.geometry.features.forEach(function (f) {
        var b = f.properties.bin;
        bins[b] = bins[b] || {label: f.properties.label, n: 0};
        bins[b].n += 1;
      });
      legend.appendChild(el("p", {"class": "legend-title", text: S.map_legend}));
      legend.appendChild(legendList(Object.keys(bins).sort(function (a, b) { return b - a; }).map(function (b) {
        return [HOT[String(b)], bins[b].label + " (" + num(bins[b].n, 0) + ")"];
      })));
    }
    var bounds = areaLayer.getBounds();
    if (area) {
      areaLayer.eachLayer(function (l) { if (String(l.feature.properties.code) === area) bounds = l.getBounds(); });
    }
    m.invalidateSize();
    if (bounds.isValid()) m.fitBounds(bounds, {padding: [8, 8]});
  }

  /* -- the view ------------------------------------------------------------------------- */
  function headline(area, byArea) {
    var box = document.getElementById("headline");
    box.innerHTML = "";
    if (!area || !byArea || byArea.unavailable) return;
    var c = byArea.columns, row = null;
    byArea.rows.forEach(function (r) { if (String(r[c.indexOf("code")]) === area) row = r; });
    if (!row) return;
    var value = function (col) {
      return isSuppressed(byArea, row, col) ? hiddenText(byArea, row, col) : (row[c.indexOf(col)] === null ? "\u2013" : num(row[c.indexOf(col)], 0));
    };
    var items = [[S.area_ytd, value("incidents")], [S.area_ytd_last, value("last_year")],
                 [S.area_signal, row[c.indexOf("signal")] || "\u2013"]];
    box.appendChild(el("dl", {"class": "metrics"}, items.map(function (it) {
      return el("div", {"class": "metric"}, [el("dt", {text: it[0]}), el("dd", {text: it[1]})]);
    })));
    box.appendChild(el("p", {"class": "hint", text: byArea.period}));
  }
  function render(area) {
    var scope = area ? "area/" + safe(area) : "city";
    var keys = config.scopes[scope] || [];
    var status = document.getElementById("status");
    status.hidden = false;
    status.textContent = S.loading;
    document.getElementById("area-select").value = area;
    var name = area ? areaLabel(area) : S.search_all;
    document.getElementById("scope").textContent = fmt(S.showing, {area: name});
    document.title = (area ? name + " \u2013 " : "") + document.querySelector("h1").textContent;
    updateLangLinks(area);
    var paths = keys.map(function (k) { return "data/" + lang + "/" + scope + "/" + k + ".json"; });
    if (keys.indexOf("crime_by_area") < 0) paths.push("data/" + lang + "/city/crime_by_area.json");
    return Promise.all(paths.map(getJSON)).then(function (docs) {
      Array.prototype.forEach.call(document.querySelectorAll(".figures"), function (n) { n.innerHTML = ""; });
      var methods = document.getElementById("methods");
      methods.innerHTML = "";
      var byArea = null, hot = null;
      docs.forEach(function (doc, i) {
        if (doc.key === "crime_by_area") byArea = doc;
        if (doc.key === "hotspots") hot = doc;
        if (i >= keys.length) return;  // the city table, used for the area's headline and the map
        var node = figureBlock(doc, scope);
        var holder = document.querySelector('.figures[data-section="' + doc.section + '"]');
        holder.appendChild(node);
        if (node._plot) {
          var drawn = chart(doc, node._plot);
          if (!drawn) node._plot.remove();
          else if (drawn.note) node._plot.insertAdjacentElement("afterend", el("p", {"class": "hint", text: drawn.note + " " + S.suppressed_note}));
        }
        if (doc.method && !doc.unavailable) methods.append(el("dt", {text: doc.title}), el("dd", {text: doc.method}));
      });
      headline(area, byArea);
      drawMap(area, byArea, hot);
      status.textContent = "";
      status.hidden = true;
    }).catch(function (err) {
      status.hidden = false;
      status.textContent = fmt(S.load_failed, {detail: err.message});
    });
  }
  function choose(area, push) {
    var url = new URL(window.location.href);
    if (area) url.searchParams.set("area", area); else url.searchParams.delete("area");
    if (push) window.history.pushState({area: area}, "", url);
    return render(area);
  }
  function updateLangLinks(area) {
    Array.prototype.forEach.call(document.querySelectorAll("a.lang-link"), function (a) {
      var url = new URL(a.getAttribute("href"), window.location.href);
      if (area) url.searchParams.set("area", area); else url.searchParams.delete("area");
      a.setAttribute("href", url.pathname + url.search);
    });
  }

  /* -- street search: street names only, resolved here against data/streets.json ---------- */
  var WORDS = {STREET: "ST", AVENUE: "AVE", AV: "AVE", BOULEVARD: "BLVD", ROAD: "RD", DRIVE: "DR", PLACE: "PL",
               PARKWAY: "PKWY", COURT: "CT", LANE: "LN", TERRACE: "TER", HIGHWAY: "HWY", EXPRESSWAY: "EXPY",
               WEST: "W", EAST: "E", NORTH: "N", SOUTH: "S", BLOCK: "", BLK: "", OF: ""};
  function normalise(text) {
    var words = String(text).toUpperCase().replace(/[.,#]/g, " ").split(/\s+/).filter(Boolean);
    // Drop a house number or hundred block ("1700", "017XX"), but keep numbered streets ("63RD").
    if (words.length > 1 && /^\d+X*$/.test(words[0])) words.shift();
    return words.map(function (w) { return w in WORDS ? WORDS[w] : w; }).filter(Boolean);
  }
  function findStreets(text) {
    var q = normalise(text);
    if (!q.length) return [];
    var exact = q.join(" ");
    if (streets[exact]) return [exact];
    return Object.keys(streets).filter(function (s) {
      var words = s.split(" ");
      return q.every(function (w) { return words.indexOf(w) >= 0; });
    }).slice(0, 8);
  }
  function onStreet(ev) {
    ev.preventDefault();
    var text = document.getElementById("street-input").value;
    var out = document.getElementById("street-results");
    var ready = streets ? Promise.resolve() : getJSON("data/streets.json").then(function (doc) {
      streets = {};
      var sJ = doc.columns.indexOf("street"), cJ = doc.columns.indexOf("code");
      doc.rows.forEach(function (r) { (streets[r[sJ]] = streets[r[sJ]] || []).push(String(r[cJ])); });
    });
    ready.then(function () {
      out.innerHTML = "";
      var found = findStreets(text);
      if (!found.length) { out.appendChild(el("p", {text: fmt(S.street_none, {q: text})})); return; }
      found.forEach(function (s) {
        out.appendChild(el("p", {text: fmt(S.street_found, {street: s})}));
        out.appendChild(el("ul", {"class": "street-areas"}, streets[s].map(function (code) {
          var a = el("a", {href: "?area=" + encodeURIComponent(code), text: areaLabel(code)});
          a.addEventListener("click", function (e) {
            e.preventDefault();
            choose(code, true);
            document.getElementById("scope").focus();
          });
          return el("li", {}, [a]);
        })));
      });
    });
  }

  /* -- start ---------------------------------------------------------------------------- */
  document.getElementById("area-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    choose(document.getElementById("area-select").value, true);
  });
  document.getElementById("street-form").addEventListener("submit", onStreet);
  window.addEventListener("popstate", function () { render(currentArea()); });

  Promise.all([getJSON("data/" + lang + "/areas.json"), getJSON("data/outlines.json"), getJSON("manifest.json"),
               getJSON("data/" + lang + "/provenance.json")]).then(function (docs) {
    var cJ = docs[0].columns.indexOf("code"), lJ = docs[0].columns.indexOf("label");
    areas = docs[0].rows.map(function (r) { return {code: String(r[cJ]), label: String(r[lJ])}; });
    outlines = docs[1];
    var when = new Date(docs[2].generated);
    document.getElementById("generated").textContent = fmt(S.generated, {
      when: when.toLocaleString(lang, {dateStyle: "long", timeStyle: "short", timeZone: "UTC"}) + " UTC"});
    var prov = docs[3], holder = document.getElementById("sources");
    holder.appendChild(el("p", {text: prov.summary}));
    holder.appendChild(table(prov, prov.rows));
    return render(currentArea());
  }).catch(function (err) {
    var status = document.getElementById("status");
    status.hidden = false;
    status.textContent = fmt(S.load_failed, {detail: err.message});
  });
})();
