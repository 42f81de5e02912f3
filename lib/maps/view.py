"""The Map page's view as a value: filters, layers and options, read from and written to the URL.

A view is everything needed to draw the page again, so a link opens it as
it was sent. The URL spells it compactly and readably::

    ?dataset=Chicago+crimes&from=2019-01-01&to=2019-06-30&groups=Theft,Robbery
     &days=mon,tue&hours=0-5,22-23&level=beat&areas=1121,1122&layers=areas,hotspots
     &measure=change&res=9&slice=month&steps=1&panel=1121

Values that do not make sense (an unknown layer, a resolution not stored, a
reversed date range) are dropped for their defaults rather than failing: an
old or hand-edited link still opens.

>>> v = from_query({"from": "2019-01-01", "to": "2019-03-31", "hours": "22-23,0-2", "layers": "heat,bogus"},
...                newest=date(2019, 12, 31), levels=["district", "beat"])
>>> v.hours, v.layers, v.level
((0, 1, 2, 22, 23), ('heat',), 'district')
>>> to_query(v)["hours"]
'0-2,22-23'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta

import pandas as pd

from lib.constants import EMERGING_TIME_STEP, H3_RESOLUTIONS, MAX_TIME_STEP
from lib.stats.emerging import FREQUENCIES
from lib.store.filters import IncidentFilter

LAYERS = {
    "areas": "Areas (count, rate or change)",
    "heat": "Heat surface (kernel density)",
    "hotspots": "Hot spots (Gi*)",
    "emerging": "Emerging hot spots",
    "events": "Community events",
    "stations": "Police stations",
    "trust": "Trust score by area",
    "points": "Incident locations (small areas)",
}
DEFAULT_LAYERS = ("areas", "hotspots", "stations")
MEASURES = ("count", "rate", "change")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_RES = 9
NO_OFFENSE = ("",)  # matches no incident: groups were chosen but none of their offenses is in the data


@dataclass(frozen=True)
class View:
    start: date
    end: date  # last day shown (inclusive)
    groups: tuple[str, ...] = ()
    weekdays: tuple[int, ...] = ()  # 0 = Monday
    hours: tuple[int, ...] = ()
    level: str | None = None
    areas: tuple[str, ...] = ()
    layers: tuple[str, ...] = DEFAULT_LAYERS
    measure: str = "count"
    res: int = DEFAULT_RES
    slice: str = "month"
    time_step: int = EMERGING_TIME_STEP  # emerging hot spots: previous slices in each bin's neighbourhood
    panel: str | None = None

    def with_(self, **changes) -> View:
        return replace(self, **changes)

    @property
    def end_exclusive(self) -> pd.Timestamp:
        return pd.Timestamp(self.end) + pd.Timedelta(days=1)

    def period(self) -> str:
        """The period in words, with the other time filters: "Jan 1, 2019 to Mar 31, 2019, Mon-Fri, 22:00-02:59"."""
        text = f"{self.start:%b %-d, %Y} to {self.end:%b %-d, %Y}"
        if self.weekdays:
            text += ", " + "/".join(DAYS[d].title() for d in self.weekdays)
        if self.hours:
            text += ", hours " + ranges(self.hours)
        return text


def _split(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        value = ",".join(value)
    return [v.strip() for v in str(value).split(",") if v.strip()]


def _date(value, default: date) -> date:
    try:
        return pd.Timestamp(value).date() if value else default
    except (ValueError, TypeError):
        return default


def expand_hours(text) -> tuple[int, ...]:
    """ "0-2,22-23" -> (0, 1, 2, 22, 23); anything not an hour is ignored."""
    hours: set[int] = set()
    for part in _split(text):
        lo, _, hi = part.partition("-")
        try:
            a, b = int(lo), int(hi or lo)
        except ValueError:
            continue
        hours |= {h for h in range(min(a, b), max(a, b) + 1) if 0 <= h <= 23}
    return tuple(sorted(hours))


def ranges(values) -> str:
    """(0, 1, 2, 22, 23) -> "0-2,22-23"."""
    values = sorted(set(values))
    out, i = [], 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and values[j + 1] == values[j] + 1:
            j += 1
        out.append(str(values[i]) if i == j else f"{values[i]}-{values[j]}")
        i = j + 1
    return ",".join(out)


def default_view(newest: date, levels: list[str], first: date | None = None) -> View:
    """The 52 weeks up to the newest incident (from the first, if later), at the coarsest level."""
    start = newest - timedelta(days=364)
    return View(start=max(start, first) if first else start, end=newest, level=levels[0] if levels else None)


def from_query(
    query: Mapping, newest: date, levels: list[str], groups: tuple[str, ...] | None = None, first: date | None = None
) -> View:
    """The view a URL describes; anything missing or unusable takes its default."""
    base = default_view(newest, levels, first)
    start, end = _date(query.get("from"), base.start), _date(query.get("to"), base.end)
    # Dates that hold none of the dataset (a link made for another dataset, or the dates kept after the
    # dataset was switched) would show an empty map: the dataset's own default period instead.
    if start > end or end < (first or base.start) or start > newest:
        start, end = base.start, base.end
    level = query.get("level") if query.get("level") in levels else base.level
    res = (
        int(query["res"])
        if str(query.get("res", "")).isdigit() and int(query["res"]) in H3_RESOLUTIONS
        else DEFAULT_RES
    )
    layers = tuple(x for x in _split(query.get("layers")) if x in LAYERS) if "layers" in query else DEFAULT_LAYERS
    chosen = tuple(g for g in _split(query.get("groups")) if groups is None or g in groups)
    return View(
        start=start,
        end=end,
        groups=chosen,
        weekdays=tuple(sorted({DAYS.index(d.lower()[:3]) for d in _split(query.get("days")) if d.lower()[:3] in DAYS})),
        hours=expand_hours(query.get("hours")),
        level=level,
        areas=tuple(_split(query.get("areas"))) if level else (),
        layers=layers,
        measure=query.get("measure") if query.get("measure") in MEASURES else "count",
        res=res,
        slice=query.get("slice") if query.get("slice") in FREQUENCIES else "month",
        time_step=(
            int(query["steps"])
            if str(query.get("steps", "")).isdigit() and int(query["steps"]) <= MAX_TIME_STEP
            else EMERGING_TIME_STEP
        ),
        panel=query.get("panel") or None,
    )


def to_query(view: View) -> dict[str, str]:
    """The URL parameters of a view (defaults left out, so links stay short)."""
    q = {"from": view.start.isoformat(), "to": view.end.isoformat()}
    if view.groups:
        q["groups"] = ",".join(view.groups)
    if view.weekdays:
        q["days"] = ",".join(DAYS[d] for d in view.weekdays)
    if view.hours:
        q["hours"] = ranges(view.hours)
    if view.level:
        q["level"] = view.level
    if view.areas:
        q["areas"] = ",".join(view.areas)
    q["layers"] = ",".join(view.layers)
    if view.measure != "count":
        q["measure"] = view.measure
    if view.res != DEFAULT_RES:
        q["res"] = str(view.res)
    if view.slice != "month":
        q["slice"] = view.slice
    if view.time_step != EMERGING_TIME_STEP:
        q["steps"] = str(view.time_step)
    if view.panel:
        q["panel"] = view.panel
    return q


def incident_filter(view: View, dataset: str | None, offenses: tuple[str, ...] | None) -> IncidentFilter:
    """The incident filter of a view; ``offenses`` are the raw names of the chosen groups (None: all)."""
    if offenses is not None and not offenses:
        offenses = NO_OFFENSE
    return IncidentFilter(
        dataset=dataset,
        start=pd.Timestamp(view.start),
        end=view.end_exclusive,
        offenses=tuple(offenses or ()),
        weekdays=view.weekdays,
        hours=view.hours,
        level=view.level if view.areas else None,
        areas=view.areas,
    )
