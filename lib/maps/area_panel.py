"""An area's panel on the Map page: CompStat table, weekly trend, top offense groups, events held there.

Everything is counted under the view's filters (dataset, offense groups,
weekdays, hours) but for the one area; the CompStat windows end on the view's
last day (or on the newest record, when that is earlier) and ignore the view's
start date, as CompStat does.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from lib.ingest.offense_groups import Grouping
from lib.maps import data as map_data
from lib.stats import compstat
from lib.store.filters import IncidentFilter


@dataclass
class Panel:
    code: str
    name: str
    level: str
    as_of: pd.Timestamp | None
    compstat: pd.DataFrame
    weekly: pd.DataFrame
    groups: pd.DataFrame
    events: pd.DataFrame


def panel(store, flt: IncidentFilter, level: str, code: str, grouping: Grouping) -> Panel | None:
    """The panel of area ``code`` of ``level``; None when the level has no such area.

    ``flt`` is the view's filter; its period gives the "top offense groups"
    and the events, its end the CompStat as-of date.
    """
    found = map_data.areas(store, level)
    row = found[found["code"] == code]
    if row.empty:
        return None
    name = str(row["name"].iloc[0])
    area = flt.with_(level=level, areas=(code,))
    newest = compstat.as_of(store, area.with_(level=None, areas=()))
    day = None if newest is None else min(newest, pd.Timestamp(flt.end) - pd.Timedelta(days=1))
    table = compstat.table(store, area, day) if day is not None else pd.DataFrame()
    if len(table):
        table["change %"] = table["change %"].round(1)
        table["p"] = table["p"].round(4)
    weekly = compstat.weekly(store, area, day) if day is not None else pd.DataFrame()
    offenses = map_data.offense_counts(store, area)
    offenses["group"] = [grouping.group_of(o) for o in offenses["offense"]]
    groups = (
        offenses.groupby("group", as_index=False)["incidents"]
        .sum()
        .sort_values(["incidents", "group"], ascending=[False, True])
        .reset_index(drop=True)
    )
    if len(groups):
        groups["share %"] = (groups["incidents"] / groups["incidents"].sum() * 100).round(1)
    events = map_data.events(store, flt.start, flt.end, level, (code,))
    if len(events):
        events = events[["starts_at", "title", "type", "location"]].rename(columns={"starts_at": "starts at"})
    return Panel(code, name, level, day, table, weekly, groups, events)
