/* The published public pages: draws the figures written by `python -m lib publish` (lib/publish.py).
 *
 * Everything shown comes from the JSON files under data/, which the generator wrote
 * through privacy.public_table; this script only reads and draws them. The view is in
 * the URL (?area=CODE; the language is the folder), so every view can be linked.
 */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("site-config").textContent);
  var S = config.strings;
  var lang = config.lang;
  var root = config.root;
  var COLORS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000"];
  var HOT = {"-3": "#4575B5", "-2": "#849EBA", "-1": "#C0CCBE", "0": "#FFFFBF",
             "1": "#FAB984", "2": "#ED7551", "3": "#D62F27"};
  var RAMP = ["#F1EEF6", "#D0D1E6", "#A6BDDB", "#74A9CF", "#2B8CBE", "#045A8D"];
  var areas = [];        // [{code, name}]
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
  function safe(code) { return String(code).replace(/[^A-Za-z0-9_-]/g, "_"); }
  function areaName(code) {
    for (var i = 0; i < areas.length; i++) if (String(areas[i].code) === String(code)) return areas[i].name;
    return code;
  }
  function currentArea() {
    var code = new URLSearchParams(window.location.search).get("area") || "";
    return areas.some(function (a) { return String(a.code) === code; }) ? code : "";
  }
  function label(col) {
    var s = String(col).replace(/_/g, " ");
    return s.charAt(0).toUpperCase() + s.slice(1);
  }
  function isSuppressed(doc, row, col) {
    var i = doc.columns.indexOf(col + "_suppressed");
    return i >= 0 && row[i] === true;
  }
  function cellText(doc, row, j) {
    var col = doc.columns[j], v = row[j];
    if (v === null || v === undefined) {
      return isSuppressed(doc, row, col) ? S.fewer_than : "\u2013";
    }
    if (typeof v === "number") return v.toLocaleString(lang, {maximumFractionDigits: 2});
    if (typeof v === "boolean") return v ? "\u2713" : "";
    return String(v);
  }
  function visibleColumns(doc) {
    return doc.columns.map(function (c, j) { return j; }).filter(function (j) {
      return !/_suppressed$/.test(doc.columns[j]);
    });
  }
  function column(doc, col) {
    var j = doc.columns.indexOf(col);
    return doc.rows.map(function (r) { return j >= 0 ? r[j] : null; });
  }

  /* -- tables ------------------------------------------------------------------------- */
  function table(doc) {
    var cols = visibleColumns(doc);
    var head = el("tr", {}, cols.map(function (j) { return el("th", {scope: "col", text: label(doc.columns[j])}); }));
    var body = el("tbody", {}, doc.rows.map(function (row) {
      return el("tr", {}, cols.map(function (j, k) {
        var v = row[j];
        var attrs = {text: cellText(doc, row, j)};
        if (typeof v === "number") attrs["class"] = "num";
        if (v === null && isSuppressed(doc, row, doc.columns[j])) attrs["class"] = "suppressed";
        return el(k === 0 ? "th" : "td", k === 0 ? Object.assign({scope: "row"}, attrs) : attrs);
      }));
    }));
    var t = el("table", {}, [el("caption", {text: doc.title}), el("thead", {}, [head]), body]);
    return el("div", {"class": "table-wrap", tabindex: "0", role: "region", "aria-label": S.table + ": " + doc.title}, [t]);
  }

  /* -- charts ------------------------------------------------------------------------- */
  function chart(doc, node) {
    var spec = doc.chart || {};
    if (!doc.rows.length || !window.Plotly || (spec.kind !== "line" && spec.kind !== "bar")) return false;
    var traces = [];
    var narrow = window.innerWidth < 600;
    if (spec.kind === "line") {
      var x = column(doc, spec.x);
      if (spec.series) {
        var groups = {};
        column(doc, spec.series).forEach(function (g, i) { (groups[g] = groups[g] || []).push(i); });
        Object.keys(groups).forEach(function (g, k) {
          (spec.y || []).slice(0, 1).forEach(function (y) {
            var ys = column(doc, y);
            traces.push({type: "scatter", mode: "lines+markers", name: String(g),
                         x: groups[g].map(function (i) { return x[i]; }), y: groups[g].map(function (i) { return ys[i]; }),
                         line: {color: COLORS[k % COLORS.length]}, connectgaps: false});
          });
        });
      } else {
        (spec.y || []).forEach(function (y, k) {
          traces.push({type: "scatter", mode: "lines+markers", name: label(y), x: x, y: column(doc, y),
                       line: {color: COLORS[k % COLORS.length]}, connectgaps: false});
        });
      }
      if (spec.band) {
        var lo = column(doc, spec.band[0]), hi = column(doc, spec.band[1]);
        traces.unshift({type: "scatter", mode: "lines", x: x.concat(x.slice().reverse()),
                        y: hi.concat(lo.slice().reverse()), fill: "toself", fillcolor: "rgba(0,114,178,0.15)",
                        line: {width: 0}, hoverinfo: "skip", name: "95%"});
      }
    } else {
      var names = column(doc, spec.x);
      (spec.y || []).forEach(function (y, k) {
        traces.push({type: "bar", orientation: "h", name: label(y), y: names.map(String), x: column(doc, y),
                     marker: {color: COLORS[k % COLORS.length]}});
      });
    }
    var layout = {
      margin: {l: spec.kind === "bar" ? 120 : 48, r: 12, t: 8, b: 40},
      height: spec.kind === "bar" ? Math.max(280, doc.rows.length * (narrow ? 20 : 22) + 80) : (narrow ? 280 : 340),
      font: {family: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", size: 13, color: "#1b1b1b"},
      legend: {orientation: "h", y: -0.2},
      yaxis: spec.kind === "bar" ? {automargin: true, autorange: "reversed"} : {rangemode: "tozero", title: {text: doc.unit || ""}},
      xaxis: spec.kind === "bar" ? {title: {text: doc.unit || ""}, rangemode: "tozero"} : {},
      barmode: "group", paper_bgcolor: "#ffffff", plot_bgcolor: "#ffffff"
    };
    window.Plotly.newPlot(node, traces, layout, {responsive: true, displaylogo: false, displayModeBar: false});
    return true;
  }

  /* -- a figure's section ---------------------------------------------------------------- */
  function section(doc, scope) {
    var id = "fig-" + doc.key;
    var base = "data/" + lang + "/" + scope + "/" + doc.key;
    if (doc.unavailable) {
      return el("section", {"class": "figure", id: id, "aria-labelledby": id + "-h"}, [
        el("h2", {id: id + "-h", text: label(doc.key)}),
        el("p", {"class": "note", text: fmt(S.unavailable, {reason: doc.unavailable})})
      ]);
    }
    var parts = [el("h2", {id: id + "-h", text: doc.title}), el("p", {"class": "summary", text: doc.summary})];
    var plot = el("div", {"class": "chart", role: "img", "aria-label": doc.summary});
    parts.push(plot);
    if (!doc.rows.length) parts.push(el("p", {"class": "note", text: S.no_rows}));
    parts.push(el("details", {"class": "table-details"}, [el("summary", {text: S.show_table}), table(doc)]));
    var meta = el("dl", {"class": "meta"}, [
      el("dt", {text: S.period}), el("dd", {text: doc.period || "\u2013"}),
      el("dt", {text: S.source}), el("dd", {text: doc.source || "\u2013"}),
      el("dt", {text: S.method}), el("dd", {text: doc.method || "\u2013"})
    ]);
    parts.push(meta);
    parts.push(el("p", {"class": "downloads"}, [
      S.download + ": ",
      el("a", {href: root + base + ".csv", download: doc.key + ".csv", text: S.download_csv + " (" + doc.title + ")"}),
      " \u00b7 ",
      el("a", {href: root + base + ".json", download: doc.key + ".json", text: S.download_json})
    ]));
    var node = el("section", {"class": "figure", id: id, "aria-labelledby": id + "-h"}, parts);
    node._plot = plot;
    return node;
  }

  /* -- the map -------------------------------------------------------------------------- */
  function ensureMap() {
    if (map || !window.L) return map;
    map = window.L.map("map", {zoomSnap: 0.25, scrollWheelZoom: false, attributionControl: false});
    map.getContainer().setAttribute("aria-label", S.map_heading);
    return map;
  }
  function breaks(values) {
    var v = values.filter(function (x) { return typeof x === "number"; }).sort(function (a, b) { return a - b; });
    if (!v.length) return [];
    var out = [];
    for (var i = 1; i < RAMP.length; i++) out.push(v[Math.floor(i * (v.length - 1) / RAMP.length)]);
    return out;
  }
  function rampColor(value, cuts) {
    if (typeof value !== "number") return "#ffffff";
    var i = 0;
    while (i < cuts.length && value > cuts[i]) i++;
    return RAMP[i];
  }
  function drawMap(area, byArea, hot) {
    var m = ensureMap();
    if (!m || !outlines) return;
    if (areaLayer) m.removeLayer(areaLayer);
    if (hotLayer) m.removeLayer(hotLayer);
    var counts = {}, cuts = [], countCol = null;
    if (byArea && !byArea.unavailable && byArea.rows) {
      countCol = (byArea.chart && byArea.chart.y && byArea.chart.y[0]) || null;
      var codeJ = byArea.columns.indexOf("code"), cJ = byArea.columns.indexOf(countCol);
      byArea.rows.forEach(function (r) { if (codeJ >= 0 && cJ >= 0) counts[r[codeJ]] = r[cJ]; });
      cuts = breaks(Object.keys(counts).map(function (k) { return counts[k]; }));
    }
    areaLayer = window.L.geoJSON(outlines, {
      style: function (f) {
        var chosen = area && String(f.properties.code) === String(area);
        return {color: chosen ? "#0B4F8A" : "#555555", weight: chosen ? 3 : 1,
                fillColor: area ? (chosen ? "#D0D1E6" : "#f4f4f4") : rampColor(counts[f.properties.code], cuts),
                fillOpacity: area ? (chosen ? 0.5 : 0.3) : 0.75};
      },
      onEachFeature: function (f, layer) {
        var c = counts[f.properties.code];
        var text = f.properties.name + (countCol && f.properties.code in counts
          ? ": " + (c === null ? S.fewer_than : Number(c).toLocaleString(lang)) : "");
        layer.bindTooltip(text, {sticky: true});
        layer.on("click", function () { choose(String(f.properties.code), true); });
      }
    }).addTo(m);
    var legend = document.getElementById("map-legend");
    legend.innerHTML = "";
    if (!area && cuts.length) {
      legend.appendChild(el("p", {"class": "legend-title", text: S.map_areas + (byArea.unit ? " (" + byArea.unit + ")" : "")}));
      var lo = 0;
      var items = RAMP.map(function (c, i) {
        var hi = i < cuts.length ? cuts[i] : null;
        var txt = hi === null ? "> " + Number(lo).toLocaleString(lang) : Number(lo).toLocaleString(lang) + "\u2013" + Number(hi).toLocaleString(lang);
        lo = hi;
        return el("li", {}, [el("span", {"class": "swatch", style: "background:" + c}), txt]);
      });
      legend.appendChild(el("ul", {"class": "legend-list"}, items));
    }
    if (hot && !hot.unavailable && hot.geometry && hot.geometry.features) {
      var binJ = hot.columns.indexOf("bin"), cellJ = hot.columns.indexOf("cell"), labJ = hot.columns.indexOf("label");
      var byCell = {};
      hot.rows.forEach(function (r) { if (cellJ >= 0) byCell[r[cellJ]] = r; });
      hotLayer = window.L.geoJSON(hot.geometry, {
        filter: function (f) {
          var r = byCell[f.properties.cell];
          var b = f.properties.bin !== undefined ? f.properties.bin : (r && binJ >= 0 ? r[binJ] : 0);
          return Number(b) !== 0;
        },
        style: function (f) {
          var r = byCell[f.properties.cell];
          var b = f.properties.bin !== undefined ? f.properties.bin : (r && binJ >= 0 ? r[binJ] : 0);
          return {color: "#333333", weight: 0.5, fillColor: HOT[String(b)] || "#cccccc", fillOpacity: 0.8};
        },
        onEachFeature: function (f, layer) {
          var r = byCell[f.properties.cell];
          layer.bindTooltip(f.properties.label || (r && labJ >= 0 ? r[labJ] : ""), {sticky: true});
        }
      }).addTo(m);
      var bins = {};
      hot.rows.forEach(function (r) { if (binJ >= 0 && Number(r[binJ]) !== 0) bins[r[binJ]] = labJ >= 0 ? r[labJ] : r[binJ]; });
      var keys = Object.keys(bins).sort(function (a, b) { return b - a; });
      if (keys.length) {
        legend.appendChild(el("p", {"class": "legend-title", text: S.map_hotspots}));
        legend.appendChild(el("ul", {"class": "legend-list"}, keys.map(function (k) {
          return el("li", {}, [el("span", {"class": "swatch", style: "background:" + HOT[String(k)]}), String(bins[k])]);
        })));
      } else {
        legend.appendChild(el("p", {"class": "note", text: S.map_none}));
      }
    }
    var bounds = areaLayer.getBounds();
    if (area) {
      areaLayer.eachLayer(function (l) { if (String(l.feature.properties.code) === String(area)) bounds = l.getBounds(); });
    }
    m.invalidateSize();
    if (bounds.isValid()) m.fitBounds(bounds, {padding: [8, 8]});
    document.getElementById("map-summary").textContent = fmt(S.map_label, {name: area ? areaName(area) : S.city}) +
      (hot && hot.summary ? " " + hot.summary : "");
  }

  /* -- the view ------------------------------------------------------------------------- */
  function render(area) {
    var scope = area ? "area/" + safe(area) : "city";
    var keys = config.scopes[scope] || [];
    var status = document.getElementById("status");
    status.hidden = false;
    status.textContent = S.loading;
    document.getElementById("area-select").value = area;
    var name = area ? areaName(area) : S.whole_city;
    document.getElementById("scope").textContent = fmt(S.showing, {name: name});
    document.title = (area ? name + " \u2013 " : "") + S.site_title;
    updateLangLinks(area);
    var wanted = keys.slice();
    if (area && wanted.indexOf("crime_by_area") < 0) wanted.push("crime_by_area@city");
    return Promise.all(wanted.map(function (k) {
      var path = k === "crime_by_area@city" ? "data/" + lang + "/city/crime_by_area.json" : "data/" + lang + "/" + scope + "/" + k + ".json";
      return getJSON(path);
    })).then(function (docs) {
      var holder = document.getElementById("figures");
      holder.innerHTML = "";
      var byArea = null, hot = null;
      docs.forEach(function (doc, i) {
        if (wanted[i] === "crime_by_area@city") { byArea = doc; return; }
        if (doc.key === "crime_by_area") byArea = doc;
        if (doc.key === "hotspots") hot = doc;
        var node = section(doc, scope);
        holder.appendChild(node);
        if (node._plot && !chart(doc, node._plot)) node._plot.remove();
      });
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

  /* -- street search --------------------------------------------------------------------- */
  var WORDS = {STREET: "ST", AVENUE: "AVE", AV: "AVE", BOULEVARD: "BLVD", ROAD: "RD", DRIVE: "DR", PLACE: "PL",
               PARKWAY: "PKWY", COURT: "CT", LANE: "LN", TERRACE: "TER", HIGHWAY: "HWY", EXPRESSWAY: "EXPY",
               WEST: "W", EAST: "E", NORTH: "N", SOUTH: "S"};
  function normalise(text) {
    var words = String(text).toUpperCase().replace(/[.,#]/g, " ").split(/\s+/).filter(Boolean);
    while (words.length && /^\d+[A-Z]?X*$/.test(words[0]) && words.length > 1 && !/^\d+(ST|ND|RD|TH)$/.test(words[0])) words.shift();
    return words.map(function (w) { return WORDS[w] || w; });
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
          var a = el("a", {href: "?area=" + encodeURIComponent(code), text: areaName(code)});
          a.addEventListener("click", function (e) { e.preventDefault(); choose(code, true); document.getElementById("scope").focus(); });
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
  document.getElementById("scope").setAttribute("tabindex", "-1");
  window.addEventListener("popstate", function () { render(currentArea()); });

  Promise.all([getJSON("data/areas.json"), getJSON("data/outlines.json"), getJSON("manifest.json")]).then(function (docs) {
    var cJ = docs[0].columns.indexOf("code"), nJ = docs[0].columns.indexOf("name");
    areas = docs[0].rows.map(function (r) { return {code: String(r[cJ]), name: String(r[nJ])}; });
    outlines = docs[1];
    var when = new Date(docs[2].generated);
    document.getElementById("generated").textContent = fmt(S.generated, {
      when: when.toLocaleString(lang, {dateStyle: "long", timeStyle: "short", timeZone: "UTC"}) + " UTC"});
    var src = docs[2].sources;
    var holder = document.getElementById("sources");
    if (src && src.rows) {
      holder.appendChild(el("h3", {text: S.sources_heading}));
      holder.appendChild(table({title: src.title || S.sources_heading, columns: src.columns, rows: src.rows}));
    } else if (Array.isArray(src)) {
      holder.appendChild(el("h3", {text: S.sources_heading}));
      holder.appendChild(el("ul", {}, src.map(function (s) {
        return el("li", {text: typeof s === "string" ? s : Object.keys(s).map(function (k) { return s[k]; }).filter(Boolean).join(" \u00b7 ")});
      })));
    } else if (typeof src === "string") {
      holder.appendChild(el("p", {text: src}));
    }
    return render(currentArea());
  }).catch(function (err) {
    var status = document.getElementById("status");
    status.hidden = false;
    status.textContent = fmt(S.load_failed, {detail: err.message});
  });
})();
