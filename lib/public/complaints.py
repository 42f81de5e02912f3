"""The public release of complaints and commendations: every such count the public sees, audited.

Built with the incident release's machinery (:mod:`lib.public.release` for the
area tree, the periods and the store; :mod:`lib.public.disclosure` for the
suppression and the attacker's audit), one audited programme per measure:

- ``complaints_received``: complaints by the month they were received, per area
  (the finest boundary level complaints carry, the coarser levels as unions of it,
  a ``none`` row, the city) x month, quarter, year and year to date, and by
  complaint category (the city's eight largest categories of the window, the
  rest "Other") for the city in every period and for every area in the
  year-long periods (:func:`annual`), all in one audited programme;
- ``complaints_closed``: complaints by the month they were closed, per area and
  period (no categories);
- ``allegations``: allegations of the complaints received in a year, by final
  finding (:mod:`lib.accountability.findings`), per area (the complaint's) and
  for the city, per year;
- ``commendations``: counted awards (:func:`lib.accountability.measures.counted_awards`)
  by type (the eight largest, the rest "Other"), for the city per year.

The window is the last two calendar years of the data up to its last complete
month (complaints: the newest receipt or close; awards: the newest award), less
the publication lag. Years are whole years, or year to date for the last one.

The **median days to close** per year, for the city and each coarser area, is not
a count: it is kept beside the cells (``Release.extra["medians"]``) only where the
release shows that area's closed count for the year and it is at least
``min_count``.

Releases are stored under their own keys, ``complaints:<dataset>`` and
``commendations:<dataset>``, in the release tables; :func:`refresh` is run by
:func:`lib.public.release.refresh` (after every load).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from lib.accountability import data as acc
from lib.accountability import findings, measures
from lib.public import release
from lib.public.privacy import Rules

COMPLAINTS = "complaints"
COMMENDATIONS = "commendations"
RECEIVED = "complaints_received"
CLOSED = "complaints_closed"
ALLEGATIONS = "allegations"
AWARDS = "commendations"
TOP = 8  # categories and award types shown by name; the rest are "Other"
OTHER = "Other"
_POOL = "all"  # the pseudo finest level of the city-only tables (one area, dropped from the cells)
KINDS = ("complaints", "allegations", "commendations", "boundaries")  # loads the releases depend on
SHAPE = "districts-by-category"  # what the release publishes: a new shape makes stored releases out of date


def key(kind: str, dataset: str) -> str:
    """The release key of a complaints or commendations dataset: ``complaints:Chicago complaints``."""
    return f"{kind}:{dataset}"


def keys(store) -> list[str]:
    """Every complaints and commendations release the loaded data calls for."""
    return [key(COMPLAINTS, d) for d in acc.datasets(store, "complaints")] + [
        key(COMMENDATIONS, d) for d in acc.datasets(store, "commendations")
    ]


# -- the window --------------------------------------------------------------------------------------


def months_of(first, last, rules: Rules) -> tuple[list[pd.Timestamp], pd.Timestamp | None]:
    """(whole months of the window, last public day) from the first and newest record's day.

    >>> m, day = months_of(pd.Timestamp("2000-01-01"), pd.Timestamp("2016-10-27"), Rules(lag_days=7))
    >>> str(m[0].date()), str(m[-1].date()), str(day.date())
    ('2015-01-01', '2016-09-01', '2016-10-20')
    """
    if first is None or last is None or pd.isna(first) or pd.isna(last):
        return [], None
    first = pd.Timestamp(first).normalize()
    cutoff = pd.Timestamp(last).normalize() + pd.Timedelta(days=1) - pd.Timedelta(days=int(rules.lag_days))
    month = first.replace(day=1)
    cover = month if first.day <= 7 else (month + pd.offsets.MonthBegin(1)).normalize()
    end = cutoff.replace(day=1)
    if end <= cover:
        return [], cutoff - pd.Timedelta(days=1)
    last_month = end - pd.offsets.MonthBegin(1)
    start = max(cover, pd.Timestamp(year=last_month.year - (release.YEARS - 1), month=1, day=1))
    return list(pd.date_range(start, last_month, freq="MS")), cutoff - pd.Timedelta(days=1)


def annual(pers: list[release.Period]) -> list[release.Period]:
    """The year-long periods: whole years, and year to date of the last year when it is not whole."""
    years = [p for p in pers if p.kind == "year"]
    ytd = [p for p in pers if p.kind == "ytd"]
    last = max((p.year for p in ytd), default=None)
    if last is not None and not any(p.year == last for p in years):
        years += [p for p in ytd if p.year == last]
    return years


def _month(values: pd.Series) -> pd.Series:
    values = pd.to_datetime(values)
    if values.dt.tz is not None:
        values = values.dt.tz_localize(None)
    return values.dt.to_period("M").dt.to_timestamp()


def _top(values: pd.Series) -> pd.Series:
    return measures.top(values.fillna(OTHER).astype(str), TOP, OTHER)


# -- one audited measure -------------------------------------------------------------------------


def _protect(measure, chain, assign, months, pers, categories, base, rules, cat_periods=None):
    """The cells of one measure with their suppression, and its audit summary.

    ``cat_periods``: the periods whose categories every area publishes too (else the city only).
    """
    from lib.public import disclosure

    if len(categories) < 2:
        categories = []
    model = disclosure.Model.build(chain, assign, months, pers, categories, base, rules.min_count, cat_periods)
    result = disclosure.protect(model, rules.min_count)
    cells = model.cells.copy()
    uid = cells["uid"].to_numpy()
    cells["hidden"] = np.where(
        result.primary[uid] & result.hidden[uid],
        release.HIDDEN_SMALL,
        np.where(result.hidden[uid], release.HIDDEN_COMPLEMENTARY, ""),
    )
    cells["measure"] = measure
    if chain[0] == _POOL:
        cells = cells[cells["level"] != _POOL]
    return cells, result.summary()


def _yearly(
    measure, frame: pd.DataFrame, when: str, category: str, years, rules, chain=None, assign=None
) -> tuple[pd.DataFrame, dict]:
    """A table per year-long period by ``category``, audited: for the city, or (``chain``, ``assign``, and
    the finest area in ``frame["code"]``) for every area of the chain, the city included.

    Each year-long period is one unknown per area and category (the model's
    "month"), so the programme holds exactly the published sums: the categories
    of a year add up to its total, the areas to the city.
    """
    starts = [p.start for p in years]
    pers = [release.Period("month", p.start, p.end, (i,)) for i, p in enumerate(years)]
    stamp = pd.to_datetime(frame[when])
    stamp = stamp.dt.tz_localize(None) if stamp.dt.tz is not None else stamp
    which = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    for p in years:
        which[(stamp >= p.start) & (stamp < p.end + pd.Timedelta(days=1))] = p.start
    code = frame["code"] if chain is not None else release.NONE_AREA
    base = pd.DataFrame({"code": code, "month": which, "category": frame[category]}).dropna(subset=["month"])
    base = base.groupby(["code", "month", "category"], as_index=False).size().rename(columns={"size": "n"})
    cats = sorted(set(base["category"]))
    if chain is None:
        cells, audit = _protect(measure, CITY_CHAIN, CITY_ASSIGN, starts, pers, cats, base, rules)
    else:
        every = [(p.kind, p.start) for p in pers]
        cells, audit = _protect(measure, chain, assign, starts, pers, cats, base, rules, every)
    kind = {p.start: p.kind for p in years}
    cells["period"] = cells["period_start"].map(kind)
    return cells, audit


CITY_CHAIN = [_POOL, release.CITY_LEVEL]
CITY_ASSIGN = {release.NONE_AREA: {release.CITY_LEVEL: release.CITY_AREA}}


def _combine(rkey: str, ver: str, parts, as_of, months, areas, levels, rules, extra=None) -> release.Release:
    cells = pd.concat([c for c, _ in parts], ignore_index=True) if parts else pd.DataFrame()
    audits = {m: a for m, (_, a) in zip([c["measure"].iloc[0] if len(c) else "" for c, _ in parts], parts)}
    if len(cells):
        cells.insert(0, "dataset", rkey)
        cells = cells[[*release.RELEASE_COLUMNS, "period"]].reset_index(drop=True)
    else:
        cells = pd.DataFrame(columns=[*release.RELEASE_COLUMNS, "period"])
    audit = {
        "passed": all(a["passed"] for a in audits.values()),
        "small": sum(a["small"] for a in audits.values()),
        "complementary": sum(a["complementary"] for a in audits.values()),
        "pinned": [p for a in audits.values() for p in a["pinned"]][:50],
        "pinned_count": sum(a["pinned_count"] for a in audits.values()),
        "seconds": round(sum(a["seconds"] for a in audits.values()), 2),
        "min_values": next(iter(audits.values()))["min_values"] if audits else 3,
        "min_count": int(rules.min_count),
        "measures": audits,
    }
    return release.Release(
        dataset=rkey,
        version=ver,
        as_of=as_of,
        last_month=months[-1] if months else None,
        comparison=False,
        cells=cells,
        areas=areas,
        levels=levels,
        audit=audit,
        built_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        extra=extra or {},
    )


def area_tree(store) -> tuple[list[str], pd.DataFrame, dict[str, dict[str, str]], str | None]:
    """The incident release's area tree from its second level up (districts, not beats), and the finest level.

    Complaints are placed on the finest level (beats) and counted for the areas
    above it as unions of beats, as incidents are; beats themselves are not
    published (a beat's monthly complaint count is mostly 0-4, and auditing 276
    beats took four minutes on Chicago's file against seconds for districts).
    Returns (levels, areas.csv rows, finest code -> {level: area}, finest level).
    """
    chain, areas, assign = release.area_tree(store, None)
    if len(chain) <= 2:
        return chain, areas, assign, (chain[0] if len(chain) > 1 else None)
    return chain[1:], areas[areas["level"] != chain[0]].reset_index(drop=True), assign, chain[0]


def _complaints(store, dataset: str, rules: Rules, ver: str) -> release.Release:
    chain, areas, up, finest = area_tree(store)
    frame = acc.complaints(store, dataset, finest)
    if finest is not None and finest != chain[0]:
        # The model's finest unit is the first published level: each beat's complaints go to its district.
        codes = set(up) - {release.NONE_AREA}
        frame["area"] = [up[c][chain[0]] if isinstance(c, str) and c in codes else None for c in frame["area"]]
        assign = {}
        for ups in up.values():
            assign.setdefault(ups[chain[0]], {lvl: ups[lvl] for lvl in chain[1:]})
    else:
        assign = up
    last = acc.as_of(store, dataset)
    months, as_of = months_of(frame["received_at"].min() if len(frame) else None, last, rules)
    pers, _ = release.periods(months)
    parts, medians = [], []
    if months:
        lo, hi = months[0], months[-1] + pd.offsets.MonthBegin(1)
        codes = set(assign) - {release.NONE_AREA}
        frame["code"] = [str(c) if isinstance(c, str) and c in codes else release.NONE_AREA for c in frame["area"]]
        got = frame[(frame["received_at"] >= lo) & (frame["received_at"] < hi)].copy()
        got["category"] = _top(got["category"])
        received = got.assign(month=_month(got["received_at"])).groupby(["code", "month", "category"]).size()
        received = received.rename("n").reset_index()
        cats = sorted(set(received["category"]))
        years = annual(pers)
        # categories by month for the city; by year for every area (a district's month by category is mostly 0-4)
        by_year = [(p.kind, p.start) for p in years]
        parts.append(_protect(RECEIVED, chain, assign, months, pers, cats, received, rules, by_year))
        shut = frame[(frame["closed_at"] >= lo) & (frame["closed_at"] < hi)].copy()
        closed = shut.assign(month=_month(shut["closed_at"]), category=release.ALL).groupby(["code", "month"]).size()
        closed = closed.rename("n").reset_index().assign(category=release.ALL)
        parts.append(_protect(CLOSED, chain, assign, months, pers, [], closed, rules))
        alleg = acc.allegations(store, dataset)
        alleg = alleg[(alleg["received_at"] >= lo) & (alleg["received_at"] < hi)].copy()
        if len(alleg):
            alleg["finding"] = alleg["finding"].map(findings.label)
            # an allegation's area is its complaint's
            alleg["code"] = alleg["complaint_id"].map(dict(zip(got["complaint_id"], got["code"])))
            alleg["code"] = alleg["code"].fillna(release.NONE_AREA)
            parts.append(_yearly(ALLEGATIONS, alleg, "received_at", "finding", years, rules, chain, assign))
        medians = _medians(shut, parts[1][0], chain, assign, years, rules)
    return _combine(key(COMPLAINTS, dataset), ver, parts, as_of, months, areas, chain, rules, {"medians": medians})


def _medians(shut, closed_cells, chain, assign, years, rules) -> list[dict]:
    """Median whole days from receipt to close of the complaints closed in each year-long period, for every
    published area, where the release shows that closed count and it is at least min_count.
    """
    days = (shut["closed_at"].dt.normalize() - shut["received_at"].dt.normalize()).dt.days
    shut = shut.assign(days=days.to_numpy())
    shown = closed_cells[(closed_cells["hidden"] == "") & (closed_cells["value"] >= rules.min_count)]
    shown = {(r.level, str(r.area), r.period, pd.Timestamp(r.period_start)) for r in shown.itertuples()}
    out = []
    for per in years:
        inside = shut[(shut["closed_at"] >= per.start) & (shut["closed_at"] < per.end + pd.Timedelta(days=1))]
        for lvl in chain:
            area = inside["code"] if lvl == chain[0] else inside["code"].map(lambda c, lvl=lvl: assign[c][lvl])
            for a, d in inside["days"].groupby(area):
                if (lvl, str(a), per.kind, per.start) in shown:
                    out.append(
                        {
                            "level": lvl,
                            "area": str(a),
                            "period": per.kind,
                            "period_start": str(per.start.date()),
                            "period_end": str(per.end.date()),
                            "median_days": float(np.median(d.to_numpy(dtype=float))),
                        }
                    )
    return out


def _commendations(store, dataset: str, rules: Rules, ver: str) -> release.Release:
    awards = measures.counted_awards(acc.commendations(store, dataset))
    awards = awards.dropna(subset=["awarded_at"])
    months, as_of = months_of(
        awards["awarded_at"].min() if len(awards) else None, awards["awarded_at"].max() if len(awards) else None, rules
    )
    pers, _ = release.periods(months)
    years = annual(pers)
    parts = []
    if months and years:
        lo, hi = months[0], months[-1] + pd.offsets.MonthBegin(1)
        got = awards[(awards["awarded_at"] >= lo) & (awards["awarded_at"] < hi)].copy()
        got["award_type"] = _top(got["award_type"])
        parts.append(_yearly(AWARDS, got, "awarded_at", "award_type", years, rules))
    areas = pd.DataFrame([(release.CITY_LEVEL, release.CITY_AREA, "City", "", "")], columns=list(release.AREA_COLUMNS))
    return _combine(key(COMMENDATIONS, dataset), ver, parts, as_of, months, areas, [release.CITY_LEVEL], rules)


# -- versions, the store -----------------------------------------------------------------------------


def version(store, rkey: str, rules: Rules) -> str:
    """What a complaints or commendations release depends on (its loads, boundaries, rules, today's lag), hashed."""
    kind, dataset = rkey.split(":", 1)
    parts = [rkey, repr(rules), str(TOP), SHAPE]
    if "loads" in store.tables():
        loads = store.query(
            "SELECT load_id, kind, dataset, rows_loaded FROM loads WHERE (kind IN ('complaints', 'allegations', "
            "'commendations') AND dataset = :d) OR kind = 'boundaries' ORDER BY load_id",
            {"d": dataset},
        )
        parts.append(loads.to_csv(index=False))
    for table in ("complaints", "allegations", "commendations") if kind == COMPLAINTS else ("commendations",):
        if table in store.tables():
            parts.append(str(store.scalar(f"SELECT count(*) FROM {table} WHERE dataset = :d", {"d": dataset})))
    if "boundary_parents" in store.tables():
        parts.append(str(store.scalar("SELECT count(*) FROM boundary_parents")))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def compute(store, rkey: str, rules: Rules | None = None) -> release.Release:
    """Build the release ``rkey`` (``complaints:<dataset>`` or ``commendations:<dataset>``), audited, not stored."""
    rules = rules or Rules.from_settings()
    kind, dataset = rkey.split(":", 1)
    ver = version(store, rkey, rules)
    if kind == COMPLAINTS:
        return _complaints(store, dataset, rules, ver)
    return _commendations(store, dataset, rules, ver)


_UNSTORED: dict = {}


def ensure(store, rkey: str, rules: Rules | None = None) -> release.Release:
    """The current release ``rkey``, passed or failed: the stored one, else computed and stored."""
    rules = rules or Rules.from_settings()
    ver = version(store, rkey, rules)
    rel = release.stored(store, rkey, rules, passed_only=False, current=ver)
    if rel is not None:
        return rel
    if getattr(store, "read_only", False):
        cache = (getattr(store, "url", id(store)), rkey, ver)
        if cache not in _UNSTORED:
            _UNSTORED[cache] = compute(store, rkey, rules)
        return _UNSTORED[cache]
    rel = compute(store, rkey, rules)
    release.save(store, rel)
    return rel


def refresh(store, rules: Rules | None = None, say=None) -> list[release.Release]:
    """Compute and store every complaints and commendations release that is not current."""
    out = []
    for rkey in keys(store):
        rel = ensure(store, rkey, rules)
        out.append(rel)
        if say is not None:
            say(rel.summary())
    return out


def passed(store, kind: str, dataset: str, rules: Rules | None = None) -> release.Release | None:
    """The release of a complaints or commendations dataset when it passed :func:`lib.public.release.check`."""
    rel = ensure(store, key(kind, dataset), rules)
    try:
        release.check(rel)
    except release.ReleaseError:
        return None
    return rel if rel.last_month is not None else None
