"""The public pages as a self-contained static site: ``python -m lib publish --out DIR``.

The site is plain files (HTML, CSS, JavaScript and JSON) that any web server or
CDN can serve to any number of visitors: no Streamlit, no database, no code
runs on the server. It holds the same figures as the Transparency page, from
the same functions (``lib.public.figures``) under the same rules
(``lib.public.privacy``), for the whole city and for every area of one boundary level,
in every language of ``lib.public.i18n``::

    DIR/index.html                English page (?area=CODE opens one area)
    DIR/es/index.html             Spanish page
    DIR/assets/                   site.css, site.js, plotly.js, Leaflet (no CDN), with .gz copies
    DIR/data/<lang>/areas.json    the level's areas (code, label); provenance.json, the sources
    DIR/data/outlines.json        their published boundary outlines
    DIR/data/streets.json         street name -> areas, for the search box
    DIR/data/<lang>/city/<figure>.json|.csv
    DIR/data/<lang>/area/<code>/<figure>.json|.csv
    DIR/manifest.json             sources, generation time, rules, every file
    DIR/release.csv, areas.csv    the public release: every crime count above is one of its cells

Every crime count on the site is a cell of the dataset's public release
(:mod:`lib.public.release`), and nothing is written unless that release passed
the attacker's audit (:func:`lib.public.release.check`): a failing audit leaves
the previous site untouched. Privacy is structural: apart from the release's own
two files, :class:`SiteWriter.table` is the only place a data frame becomes a file, and it passes every frame through ``privacy.public_table``
(the final guard, which raises on a forbidden column or a small count) before
writing its JSON and CSV. Charts are drawn in the browser from those same
rows, so nothing reaches the site beside the guarded tables except page
furniture, the published boundary outlines and the outlines of the H3 cells
named in a guarded table.

The site is built in a folder next to ``DIR`` and swapped in at the end, so a
server pointed at ``DIR`` never serves half a site.
"""

from __future__ import annotations

import functools
import gzip
import json
import math
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import h3
import numpy as np
import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape

from lib.public import figures as public_figures
from lib.public import i18n, privacy, release, site_text
from lib.stats.hotspots import NotEnoughData
from lib.store import settings
from lib.store import text as data_text
from lib.store.schema import incident_total
from lib.store.settings import PROJECT_DIR

TEMPLATES = PROJECT_DIR / "static" / "publish"
LEAFLET = PROJECT_DIR / "static" / "vendor" / "leaflet-1.9.3"
DIGITS = 5  # outline coordinates to about 1 m: boundaries are public, more only adds bytes
# Hot spot hexagons of 0.74 km2, as on the Transparency page: an area shows the city's analysis, the
# hexagons touching it (public_figures.hotspots). The rules cap the resolution at max_h3_res.
HOT_RES = 8
MANIFEST = "manifest.json"


class PublishError(RuntimeError):
    """The site cannot be published; the message says what to do. Nothing in DIR was changed."""


@dataclass(frozen=True)
class FigureSpec:
    """One figure of the public page: its key, section, how to compute it, where it appears and how to chart it."""

    key: str
    section: str  # the i18n key of its section heading (section.crime ...)
    compute: Callable  # (store, dataset, level, area, lang, rules) -> PublicFigure
    chart: dict  # what the browser draws from the rows (site.js): kind, x, y, series, top, axis title key
    city: bool = True
    area: bool = True


# The Transparency page's figures, called as that page calls them (lib/cached.public_figure).
FIGURES: tuple[FigureSpec, ...] = (
    FigureSpec(
        "crime_trend",
        "section.crime",
        lambda s, d, lvl, a, lang, r: public_figures.crime_trend(s, d, lang, level=lvl if a else None, area=a, rules=r),
        {"kind": "line", "x": "month_name", "y": ["last_year", "this_year"], "axis": "chart.incidents"},
    ),
    FigureSpec(
        "crime_by_area",
        "section.crime",
        lambda s, d, lvl, a, lang, r: public_figures.crime_by_area(s, d, lvl, lang, rules=r),
        {"kind": "bar", "x": "area", "y": ["incidents", "last_year"], "top": 25, "axis": "chart.incidents"},
        area=False,
    ),
    FigureSpec(
        "hotspots",
        "section.map",
        lambda s, d, lvl, a, lang, r: public_figures.hotspots(
            s, d, lang, res=min(HOT_RES, r.max_h3_res), level=lvl if a else None, area=a, rules=r
        ),
        {"kind": "map", "rows": {"column": "bin", "not": 0}},
    ),
    FigureSpec(
        "trust_trend",
        "section.trust",
        lambda s, d, lvl, a, lang, r: public_figures.trust_trend(s, lang, level=lvl if a else None, area=a, rules=r),
        {"kind": "line", "x": "month", "y": ["value"], "series": "measure", "axis": "chart.score"},
    ),
    FigureSpec(
        "engagement",
        "section.engagement",
        lambda s, d, lvl, a, lang, r: public_figures.engagement(s, lang, level=lvl if a else None, area=a, rules=r),
        {"kind": "bar_time", "x": "month", "y": ["events"], "axis": "chart.events"},
    ),
    FigureSpec(
        "engagement_by_area",
        "section.engagement",
        lambda s, d, lvl, a, lang, r: public_figures.engagement_by_area(s, lvl, lang, rules=r),
        {"kind": "bar", "x": "area", "y": ["events"], "top": 25, "axis": "chart.events"},
        area=False,
    ),
    FigureSpec(
        "upcoming_events",
        "section.engagement",
        lambda s, d, lvl, a, lang, r: public_figures.upcoming_events(s, lang, level=lvl if a else None, area=a),
        {"kind": "table"},
    ),
    FigureSpec(
        "concerns",
        "section.engagement",
        lambda s, d, lvl, a, lang, r: public_figures.concerns(s, lvl, lang, area=a),
        {"kind": "table"},
    ),
    # Complaints and commendations, from their own audited release (lib/public/complaints.py): per month, by
    # category and by finding for the city and each area of a level the release publishes (districts; an area
    # of another level shows the city, and says so); medians and commendations for the city page.
    FigureSpec(
        "complaints_monthly",
        "section.complaints",
        lambda s, d, lvl, a, lang, r: public_figures.complaints_monthly(
            s, lang, level=lvl if a else None, area=a, rules=r
        ),
        {"kind": "line", "x": "month", "y": ["received", "closed"], "axis": "unit.complaints"},
    ),
    *(
        FigureSpec(
            name,
            "section.complaints",
            lambda s, d, lvl, a, lang, r, name=name: getattr(public_figures, name)(
                s, lang, rules=r, level=lvl if a else None, area=a
            ),
            {"kind": "table"},
        )
        for name in ("complaints_by_category", "complaint_findings")
    ),
    *(
        FigureSpec(
            name,
            "section.complaints",
            lambda s, d, lvl, a, lang, r, name=name: getattr(public_figures, name)(s, lang, rules=r),
            {"kind": "table"},
            area=False,
        )
        for name in ("complaint_close_days", "commendations_by_type")
    ),
)
SECTIONS = ("section.crime", "section.map", "section.trust", "section.engagement", "section.complaints")


@dataclass
class PublishReport:
    """What was written: counts for the command's summary and the benchmark."""

    out: Path
    level: str
    dataset: str
    areas: int = 0
    pages: int = 0
    files: int = 0
    bytes: int = 0
    seconds: float = 0.0
    unavailable: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [
            f"Published {self.pages} pages ({self.areas} areas of level '{self.level}' and the city, "
            f"dataset '{self.dataset}') to {self.out}: {self.files:,} files, "
            f"{self.bytes / 1e6:.1f} MB in {self.seconds:.1f} s."
        ]
        if self.unavailable:
            lines.append(f"{len(self.unavailable)} figure(s) published as not available, with the reason:")
            lines += [f"  - {u}" for u in self.unavailable[:10]]
            if len(self.unavailable) > 10:
                lines.append(f"  ... and {len(self.unavailable) - 10} more (see manifest.json).")
        lines.append(f"Serve it with any web server, e.g.: python -m http.server -d {self.out}")
        return "\n".join(lines)


# -- reading the store ----------------------------------------------------------------


class ReadCache:
    """The store, read only, answering each distinct query once.

    Publishing asks the same questions for every area and language (the event
    calendar, the boundary codes, which tables exist ...); the answers cannot
    change during one run, so they are kept. Callers get copies of frames, since
    some add columns to what they read.
    """

    def __init__(self, store):
        self._store = store
        self._memo: dict = {}

    def __getattr__(self, name):  # engine, url, type() ... as the store has them
        return getattr(self._store, name)

    def _cached(self, kind: str, sql: str, params: dict | None, fetch: Callable):
        key = (kind, sql, _frozen(params or {}))
        if key not in self._memo:
            self._memo[key] = fetch()
        return self._memo[key]

    def query(self, sql: str, params: dict | None = None) -> pd.DataFrame:
        return self._cached("q", sql, params, lambda: self._store.query(sql, params)).copy()

    def rows(self, sql: str, params: dict | None = None) -> list[tuple]:
        return list(self._cached("r", sql, params, lambda: self._store.rows(sql, params)))

    def scalar(self, sql: str, params: dict | None = None):
        rows = self.rows(sql, params)
        return rows[0][0] if rows else None

    def tables(self) -> set[str]:
        return set(self._cached("t", "", None, self._store.tables))

    def columns(self, table: str) -> list[str]:
        return list(self._cached("c", table, None, lambda: self._store.columns(table)))

    def execute(self, sql: str, params: dict | None = None) -> None:
        raise RuntimeError("Publishing only reads the store.")


def _frozen(value):
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple, set)):
        return tuple(_frozen(v) for v in value)
    return value


# -- writing files ------------------------------------------------------------------


class SiteWriter:
    """Writes the site's files under ``root`` and counts them.

    :meth:`table` is the one way a data frame becomes a file: it calls
    ``privacy.public_table`` first. :meth:`json` refuses data frames, so a
    frame cannot reach the site around the guard.
    """

    def __init__(self, root: Path):
        self.root = root
        self.files: list[str] = []
        self.bytes = 0

    def _write(self, rel: str, data: bytes) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.files.append(rel)
        self.bytes += len(data)

    def table(
        self,
        rel: str,
        frame: pd.DataFrame,
        meta: dict | None = None,
        geometry: Callable[[pd.DataFrame], dict] | None = None,
    ) -> pd.DataFrame:
        """Guard ``frame``, then write ``rel``.json (meta, columns, rows[, geometry]) and ``rel``.csv.

        ``geometry`` is computed from the guarded frame, never from the one passed in.
        Returns the guarded frame.
        """
        guarded = privacy.public_table(frame)
        doc = dict(meta or {})
        doc["columns"] = [str(c) for c in guarded.columns]
        doc["rows"] = _rows(guarded)
        if geometry is not None:
            doc["geometry"] = geometry(guarded)
        self._write(f"{rel}.json", _dumps(doc))
        self._write(f"{rel}.csv", data_text.csv_bytes(guarded, date_format="%Y-%m-%d"))  # no cell runs as a formula
        return guarded

    def json(self, rel: str, obj) -> None:
        """Write a JSON document that is not a table (page furniture, outlines, the manifest)."""
        _refuse_frames(obj)
        self._write(rel, _dumps(obj))

    def text(self, rel: str, content: str) -> None:
        self._write(rel, content.encode("utf-8"))

    def copy(self, rel: str, source: Path) -> None:
        self._write(rel, source.read_bytes())

    def precompress(self, rel: str) -> None:
        """A gzipped copy next to a written file (``rel``.gz), byte for byte the same content.

        Web servers send it to browsers that accept gzip without compressing on every
        request (nginx ``gzip_static``, Apache ``MultiViews``, Caddy ``precompressed``).
        """
        data = (self.root / rel).read_bytes()
        self._write(f"{rel}.gz", gzip.compress(data, compresslevel=9, mtime=0))


def _refuse_frames(obj) -> None:
    if isinstance(obj, (pd.DataFrame, pd.Series)):
        raise TypeError("Data frames are written with SiteWriter.table, which applies privacy.public_table.")
    if isinstance(obj, dict):
        for value in obj.values():
            _refuse_frames(value)
    elif isinstance(obj, (list, tuple)):
        for value in obj:
            _refuse_frames(value)


def _plain(value):
    """A JSON-ready scalar: missing -> None, numpy -> Python, dates -> ISO text."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (pd.Timestamp, datetime)):
        ts = pd.Timestamp(value)
        return ts.strftime("%Y-%m-%d") if ts == ts.normalize() else ts.isoformat()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None
        return round(value, 6)
    return value


def _rows(frame: pd.DataFrame) -> list[list]:
    return [[_plain(v) for v in row] for row in frame.astype(object).itertuples(index=False, name=None)]


def _dumps(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=_plain).encode("utf-8")


def _round_coords(coords):
    if isinstance(coords, (list, tuple)):
        if coords and isinstance(coords[0], (int, float)):
            return [round(float(c), DIGITS) for c in coords]
        return [_round_coords(c) for c in coords]
    return coords


# -- what the site holds --------------------------------------------------------------


def _figure_doc(fig, spec: FigureSpec, lang: str) -> dict:
    chart = dict(spec.chart)
    if "axis" in chart:
        chart["axis"] = i18n.t(chart["axis"], lang)
    return {
        "key": spec.key,
        "section": spec.section,
        "title": fig.title,
        "summary": fig.summary,
        "period": fig.period,
        "source": fig.source,
        "method": fig.method,
        "unit": fig.unit,
        "note": getattr(fig, "note", ""),
        "labels": dict(getattr(fig, "columns", {}) or {}),
        "chart": chart,
    }


def _compute(spec: FigureSpec, store, dataset, level, area, lang, rules):
    """The figure, or (None, reason) where the data cannot give it (too few cells, no scores there ...)."""
    try:
        return spec.compute(store, dataset, level, area, lang, rules), None
    except privacy.PrivacyError:
        raise  # never publish around the guard
    except (NotEnoughData, ValueError, LookupError) as exc:
        return None, str(exc) or type(exc).__name__


def street_index(store, dataset: str, level: str, rules) -> pd.DataFrame:
    """Street names (without the hundred block) and the areas they run through, for the search box.

    Built from public incidents only (not sensitive, before the publication
    cut-off), and a (street, area) pair is listed only where it holds at least
    ``rules.min_count`` of them: the index names streets, never blocks, and
    says nothing about any one incident. Returns columns ``street``, ``code``.
    """
    col = f"lvl_{level}"
    if col not in store.columns("incidents") or "block" not in store.columns("incidents"):
        return pd.DataFrame({"street": pd.Series(dtype="object"), "code": pd.Series(dtype="object")})
    cutoff = privacy.public_cutoff(store, dataset, rules)
    params = {"d": dataset}
    where = f'dataset = :d AND block IS NOT NULL AND "{col}" IS NOT NULL AND NOT ({privacy.sensitive_sql()})'
    if cutoff is not None:
        where += " AND occurred_at < :cut"
        params["cut"] = cutoff
    blocks = store.query(
        f'SELECT block, "{col}" AS code, {incident_total()} AS n FROM incidents WHERE {where} GROUP BY block, "{col}"',
        params,
    )
    blocks["street"] = blocks["block"].map(street_name)
    pairs = blocks.dropna(subset=["street"]).groupby(["street", "code"], as_index=False)["n"].sum()
    pairs = pairs[pairs["n"] >= rules.min_count]
    return pairs[["street", "code"]].sort_values(["street", "code"]).reset_index(drop=True)


_HUNDRED = re.compile(r"^\s*[0-9]+X*\s+", re.IGNORECASE)


def street_name(block: str | None) -> str | None:
    """The street of a hundred block: ``"017XX W HOWARD ST"`` -> ``"W HOWARD ST"``; None without a street."""
    if not block:
        return None
    street = " ".join(_HUNDRED.sub("", str(block)).upper().split())
    return street if street and not street[0].isdigit() else None


def _cells(frame: pd.DataFrame, lang: str) -> dict:
    """The significant hexagons of a (guarded) hot spot frame as GeoJSON."""
    if frame.empty:
        return {"type": "FeatureCollection", "features": []}
    return public_figures.cell_polygons(frame, lang)


def _outlines(store, level: str, codes: list[str]) -> dict:
    """The level's published boundary outlines as GeoJSON, coordinates to ~1 m."""
    rows = store.query(
        "SELECT code, name, geometry_simple AS geometry FROM boundaries WHERE level = :l ORDER BY code", {"l": level}
    )
    features = []
    for rec in rows.itertuples(index=False):
        if rec.code not in codes or not rec.geometry:
            continue
        geom = json.loads(rec.geometry)
        geom["coordinates"] = _round_coords(geom["coordinates"])
        features.append({"type": "Feature", "properties": {"code": rec.code, "name": rec.name}, "geometry": geom})
    return {"type": "FeatureCollection", "features": features}


def _area_list(store, level: str, lang: str) -> pd.DataFrame:
    """The level's areas (code, label) as the Transparency page names them, in ``lang``: "District 11"."""
    frame = public_figures.areas(store, level)
    word = public_figures.level_word(level, lang)
    labels = [public_figures.area_label(word, c, n) for c, n in zip(frame["code"], frame["name"])]
    return pd.DataFrame({"code": frame["code"].astype(str), "label": labels})


def _page(
    env: Environment,
    lang: str,
    root: str,
    areas: pd.DataFrame,
    level: str,
    dataset: str,
    rules,
    config: dict,
    store,
    plain: list[tuple[str, str, str]] = (),
    published=None,
) -> str:
    t = functools.partial(i18n.t, lang=lang)
    words = {
        "min": rules.min_count,
        "min_minus": rules.min_count - 1,
        "lag": rules.lag_days,
        "min_n": rules.min_effective_n,
        "flag_n_minus": rules.flag_effective_n - 1,
        "km2": i18n.number(h3.average_hexagon_area(rules.max_h3_res, "km^2"), lang, 2),
    }
    last = published.last_month if published is not None else None
    as_of = (
        t("page.as_of", date=i18n.date_text(last + pd.offsets.MonthEnd(0), lang), lag=rules.lag_days)
        if last is not None
        else ""
    )
    checked = (
        t(
            "release.checked",
            version=published.version,
            cells=i18n.number(len(published.cells), lang),
            small=i18n.number(int(published.audit.get("small", 0)), lang),
            complementary=i18n.number(int(published.audit.get("complementary", 0)), lang),
            min=rules.min_count,
        )
        if published is not None
        else ""
    )
    strings = site_text.catalog(lang, min_count=rules.min_count)
    strings.update(
        {
            "suppressed": t(privacy.SUPPRESSED_LABEL),
            "hidden": t("privacy.hidden"),
            "no_data": t("privacy.no_data"),
            "search_all": t("search.all"),
            "showing": t("search.showing", area="{area}"),
            "chart_top": t("chart.top", n="{n}"),
            "suppressed_note": t("chart.suppressed_note"),
            "map_note": t("map.note", period="{period}", km2="{km2}"),
            "map_legend": t("map.legend"),
            "map_layer": t("map.layer"),
            "map_areas": t("map.areas"),
            "area_ytd": t("area.ytd"),
            "area_ytd_last": t("area.ytd_last"),
            "area_signal": t("area.signal"),
        }
    )
    # With two languages, the link to the other one is named in it ("Español" on the English page).
    links = [
        {"lang": x, "href": root + ("" if x == "en" else f"{x}/"), "label": site_text.text("other_language", lang)}
        for x in i18n.LANGS
        if x != lang
    ]
    page_config = {**config, "lang": lang, "root": root, "strings": strings}
    channels = str(settings.get("complaints_url") or "").strip()
    return env.get_template("index.html").render(
        lang=lang,
        root=root,
        t=strings,
        i=t,
        areas=areas.to_dict("records"),
        links=links,
        as_of=as_of,
        release_checked=checked,
        sample=t("method.sample") if "sample" in dataset.lower() else "",
        privacy_rules=[
            t(f"privacy.rule.{k}", **words) for k in ("small", "sensitive", "lag", "precision", "survey", "downloads")
        ],
        sections=SECTIONS,
        level_word=public_figures.level_word(level, lang),
        plain=plain,
        # The department's own complaint and commendation channels (DASHBOARD_COMPLAINTS_URL): a web address is
        # a link, anything else (a phone number, an office) text; autoescaped either way.
        channels=channels,
        channels_link=channels.startswith(("https://", "http://")) and not any(c in channels for c in " ()<>\"'"),
        # Inside <script type="application/json"> no "<" may reach the parser ("</script>", "<!--"): \u003c.
        config_json=json.dumps(page_config, ensure_ascii=False).replace("<", "\\u003c"),
    )


def _plotly_js() -> tuple[str, str]:
    import plotly
    from plotly.offline import get_plotlyjs

    return plotly.__version__, get_plotlyjs()


# -- the command ------------------------------------------------------------------------


def publish(
    store,
    out: str | Path,
    level: str | None = None,
    dataset: str | None = None,
    rules=None,
    progress: Callable[[float, str], None] | None = None,
) -> PublishReport:
    """Write the public pages as a static site into ``out`` (replacing a site published there before).

    Raises :class:`PublishError` when the store has nothing to publish, the
    level or dataset does not exist, or ``out`` is a folder that holds
    something other than a published site (it is never emptied then).
    """
    started = time.perf_counter()
    say = progress or (lambda fraction, text: None)
    raw = store._store if isinstance(store, ReadCache) else store
    store = store if isinstance(store, ReadCache) else ReadCache(store)
    rules = rules or privacy.Rules.from_settings()
    out = Path(out).resolve()
    _check_out(out)

    if dataset is None:
        dataset = public_figures.default_dataset(store)
    elif dataset not in public_figures.datasets(store):
        raise PublishError(
            f"Unknown incident dataset {dataset!r}; loaded: {', '.join(public_figures.datasets(store)) or 'none'}."
        )
    if not dataset:
        raise PublishError(
            "The store holds no incidents, so there is nothing to publish. "
            "Load data first: python -m lib setup (the embedded data) or python -m lib load ..."
        )
    levels = list(public_figures.levels(store))
    if level is None:
        if not levels:
            raise PublishError(
                "No boundary layer is loaded, so areas cannot be published. "
                "Load one: python -m lib load boundaries FILE --level NAME"
            )
        level = levels[0]
    elif level not in levels:
        raise PublishError(f"Unknown boundary level {level!r}; loaded levels: {', '.join(levels) or 'none'}.")
    n_areas = len(public_figures.areas(store, level))
    say(0.0, f"The public release of {dataset!r} (computed once per data version; minutes the first time)")
    # Every release the site reads (the dataset's and the complaints'), computed before reading begins:
    # the read cache below cannot store one.
    published = next(r for r in release.refresh(raw, [dataset]) if r.dataset == dataset)
    try:
        release.check(published)
    except release.ReleaseError as exc:
        raise PublishError(f"{exc} The site in {out} was not changed.") from exc
    store = ReadCache(raw)  # afresh: what was read before the release was stored is stale

    build = out.parent / f".{out.name}.building"
    if build.exists():
        shutil.rmtree(build)
    build.mkdir(parents=True)
    site = SiteWriter(build)
    report = PublishReport(out=out, level=level, dataset=dataset, areas=n_areas)
    try:
        _build(site, store, dataset, level, rules, report, say, published)
        _swap(build, out)
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    report.files = len(site.files)
    report.bytes = site.bytes
    report.seconds = time.perf_counter() - started
    say(1.0, report.summary().splitlines()[0])
    return report


def _build(site: SiteWriter, store, dataset, level, rules, report, say, published) -> None:
    langs = list(i18n.LANGS)
    codes = list(_area_list(store, level, langs[0])["code"])
    scopes = [("city", None)] + [(f"area/{_safe(code)}", code) for code in codes]
    total = len(scopes) * len(langs)
    done = 0
    figures: dict[str, list[str]] = {}
    # The city's figures in words, for readers without JavaScript: (title, summary, CSV path) per language.
    plain: dict[str, list[tuple[str, str, str]]] = {lang: [] for lang in langs}
    for lang in langs:
        for scope, area in scopes:
            keys = []
            for spec in FIGURES:
                if (area is None and not spec.city) or (area is not None and not spec.area):
                    continue
                fig, reason = _compute(spec, store, dataset, level, area, lang, rules)
                rel = f"data/{lang}/{scope}/{spec.key}"
                if fig is None:
                    site.json(f"{rel}.json", {"key": spec.key, "section": spec.section, "unavailable": reason})
                    report.unavailable.append(f"{spec.key} ({lang}, {area or 'city'}): {reason}")
                else:
                    geometry = functools.partial(_cells, lang=lang) if spec.key == "hotspots" else None
                    site.table(rel, fig.frame, _figure_doc(fig, spec, lang), geometry=geometry)
                    if area is None:
                        plain[lang].append((fig.title, fig.summary, f"{rel}.csv"))
                keys.append(spec.key)
            figures[scope] = keys
            done += 1
            say(done / total * 0.9, f"{lang}: {area or 'city'} ({done}/{total})")

    say(0.91, "Areas, outlines, sources and the street index")
    for lang in langs:
        site.table(f"data/{lang}/areas", _area_list(store, level, lang))
        prov = public_figures.provenance(store, lang)
        site.table(
            f"data/{lang}/provenance",
            prov.frame,
            {
                "key": "provenance",
                "title": prov.title,
                "summary": prov.summary,
                "method": prov.method,
                "labels": dict(prov.columns),
            },
        )
    site.json("data/outlines.json", _outlines(store, level, codes))
    # The release itself, checked by publish(): csv_safe inside, so no cell runs as a formula.
    site.text("release.csv", published.release_csv())
    site.text("areas.csv", published.areas_csv())
    site.table("data/streets", street_index(store, dataset, level, rules))

    say(0.95, "Pages and scripts")
    version, plotly_js = _plotly_js()
    site.text("assets/plotly.min.js", plotly_js)
    for name in ("leaflet.js", "leaflet.css", "LICENSE"):
        site.copy(f"assets/leaflet/{name}", LEAFLET / name)
    for name in ("site.js", "site.css"):
        site.copy(f"assets/{name}", TEMPLATES / name)
    for rel in (
        "assets/plotly.min.js",
        "assets/leaflet/leaflet.js",
        "assets/leaflet/leaflet.css",
        "assets/site.js",
        "assets/site.css",
    ):
        site.precompress(rel)
    generated = datetime.now(UTC).replace(microsecond=0)
    config = {
        "level": level,
        "dataset": dataset,
        "generated": generated.isoformat(),
        "scopes": figures,
        "rules": _rules_dict(rules),
    }
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    for lang in langs:
        prefix = "" if lang == "en" else f"{lang}/"
        root = "" if lang == "en" else "../"
        areas = _area_list(store, level, lang)
        site.text(
            f"{prefix}index.html",
            _page(env, lang, root, areas, level, dataset, rules, config, store, plain[lang], published),
        )
        report.pages += 1 + len(codes)  # the city and one view per area (?area=CODE)
    site.json(
        MANIFEST,
        {
            "generated": generated.isoformat(),
            "generator": "python -m lib publish",
            "dataset": dataset,
            "level": level,
            "areas": len(codes),
            "languages": langs,
            "rules": _rules_dict(rules),
            "sources": public_figures.provenance(store, langs[0]).table().to_dict("records"),
            "assets": {"plotly.js": version, "leaflet": "1.9.3"},
            "unavailable": report.unavailable,
            "files": sorted(site.files),
        },
    )


def _rules_dict(rules) -> dict:
    return {
        name: getattr(rules, name)
        for name in ("min_count", "lag_days", "max_h3_res", "min_effective_n", "flag_effective_n")
        if hasattr(rules, name)
    }


def _safe(code: str) -> str:
    """An area code as a folder name (codes are letters and digits; anything else becomes _)."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", str(code))


def _check_out(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise PublishError(f"{out} is a file; give a folder for the site.")
    if out.is_dir() and any(out.iterdir()) and not (out / MANIFEST).exists():
        raise PublishError(
            f"{out} holds files that are not a published site; it is left alone. "
            "Give an empty or new folder (a site published there before is replaced)."
        )


def _swap(build: Path, out: Path) -> None:
    """Put the new site in place of the old one with two renames (the old one is removed after)."""
    old = out.parent / f".{out.name}.previous"
    if old.exists():
        shutil.rmtree(old)
    if out.exists():
        out.rename(old)
    build.rename(out)
    if old.exists():
        shutil.rmtree(old)
