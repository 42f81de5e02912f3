"""Who takes part: repeat rate, retention, reach and representativeness of engagement events.

Pure functions on attendance records (one row per attendee per event, the
attendee identified by a hashed id; see lib/engagement/attendance.py). The measures
follow the participation conventions of /work/shared/guides/methods.md:

- **repeat rate**: the share of unique participants who came to two or more
  events in the period;
- **retention** between quarters: of the people who came in one quarter, the
  share who came again in the next;
- **reach**: unique participants per 1,000 residents, where population is loaded;
- **representativeness**: each group's share of participants over its share of
  the population (1 = represented in proportion; 0.5 = half as present as in
  the population), and the index of dissimilarity
  ``D = 1/2 * sum_i |p_i - q_i|``, the share of participants who would have to
  belong to another group for the two distributions to match (Duncan & Duncan
  1955, "A methodological analysis of segregation indexes", American
  Sociological Review 20(2): 210-217).

Small counts follow the public rules: group counts from 1 to
``min_count - 1`` are shown as "fewer than N", with their shares hidden, and a
second group is hidden wherever the total would reveal the first.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# Below this many participants with a known group, shares are too unstable to
# compare with the population (NCHS: no estimate from fewer than 30).
MIN_PARTICIPANTS_FOR_SHARES = 30


def summary(attendance: pd.DataFrame) -> dict:
    """Attendances, unique participants, repeat rate and mean events per participant.

    Parameters
    ----------
    attendance : DataFrame
        One row per attendee per event: ``attendee_hash`` and ``event_id``.

    Examples
    --------
    >>> a = pd.DataFrame({"attendee_hash": ["a", "a", "b", "c"], "event_id": [1, 2, 1, 2]})
    >>> summary(a)
    {'attendances': 4, 'participants': 3, 'repeat_participants': 1, 'repeat_rate': 0.3333333333333333, 'events_per_participant': 1.3333333333333333}
    """
    visits = attendance.drop_duplicates(["attendee_hash", "event_id"]).groupby("attendee_hash").size()
    n = int(len(visits))
    repeat = int((visits >= 2).sum())
    return {
        "attendances": int(visits.sum()),
        "participants": n,
        "repeat_participants": repeat,
        "repeat_rate": repeat / n if n else np.nan,
        "events_per_participant": float(visits.mean()) if n else np.nan,
    }


def retention(attendance: pd.DataFrame, freq: str = "QS") -> pd.DataFrame:
    """Share of each quarter's participants who came again in the next quarter.

    Parameters
    ----------
    attendance : DataFrame
        ``attendee_hash`` and ``starts_at`` (when the event was held).
    freq : str
        Period length, a pandas offset alias (quarters by default).

    Returns
    -------
    DataFrame
        period, next_period, participants, returned, retention (NaN for the last period).

    Examples
    --------
    >>> a = pd.DataFrame({"attendee_hash": ["a", "b", "a", "c"],
    ...                   "starts_at": pd.to_datetime(["2018-01-05", "2018-02-01", "2018-04-02", "2018-05-01"])})
    >>> retention(a)[["participants", "returned", "retention"]].values.tolist()
    [[2.0, 1.0, 0.5], [2.0, nan, nan]]
    """
    cols = ["period", "next_period", "participants", "returned", "retention"]
    if attendance.empty:
        return pd.DataFrame(columns=cols)
    period = attendance["starts_at"].dt.to_period(freq[0] if freq.endswith("S") else freq).dt.start_time
    people = attendance.assign(period=period).groupby("period")["attendee_hash"].agg(lambda s: set(s))
    full = pd.date_range(people.index.min(), people.index.max(), freq=freq)
    people = people.reindex(full).apply(lambda s: s if isinstance(s, set) else set())
    rows = []
    for i, start in enumerate(full):
        now = people.iloc[i]
        if i + 1 < len(full):
            returned = len(now & people.iloc[i + 1])
            rows.append((start, full[i + 1], float(len(now)), float(returned), returned / len(now) if now else np.nan))
        else:
            rows.append((start, pd.NaT, float(len(now)), np.nan, np.nan))
    return pd.DataFrame(rows, columns=cols)


def reach(participants: pd.Series, population: pd.Series) -> pd.DataFrame:
    """Unique participants per 1,000 residents, per area.

    Parameters
    ----------
    participants : Series
        Unique participants per area code.
    population : Series
        Residents per area code (areas without population get no rate).

    Examples
    --------
    >>> reach(pd.Series({"1": 30, "2": 5}), pd.Series({"1": 12000.0}))["per_1000"].round(2).tolist()
    [2.5, nan]
    """
    frame = pd.DataFrame({"participants": participants}).join(population.rename("population"), how="left")
    frame["per_1000"] = np.where(frame["population"] > 0, frame["participants"] / frame["population"] * 1000, np.nan)
    frame.index.name = "area"
    return frame.reset_index()


def dissimilarity(p: pd.Series, q: pd.Series) -> float:
    """Index of dissimilarity D = 1/2 * sum |p_i - q_i| between two distributions (Duncan & Duncan 1955).

    ``p`` and ``q`` are counts or shares over the same categories; each is
    normalised to shares first. D = 0 means identical make-up; D = 0.2 means
    20% of participants would need to be of another group to match.

    >>> dissimilarity(pd.Series({"a": 50, "b": 50}), pd.Series({"a": 0.7, "b": 0.3}))
    0.2
    """
    cats = p.index.union(q.index)
    ps = p.reindex(cats, fill_value=0).astype(float)
    qs = q.reindex(cats, fill_value=0).astype(float)
    ps, qs = ps / ps.sum(), qs / qs.sum()
    return round(float(0.5 * (ps - qs).abs().sum()), 12)


def representativeness(
    participants: pd.Series, population: pd.Series, min_count: int = 5
) -> tuple[pd.DataFrame, float | None, str]:
    """Each group's share of participants over its share of the population, with D.

    Parameters
    ----------
    participants : Series
        Unique participants per category of one dimension (e.g. age group).
    population : Series
        Residents per category of the same dimension.
    min_count : int
        Smallest participant count shown; counts from 1 to ``min_count - 1``
        are suppressed, and a second one wherever the total would reveal it.

    Returns
    -------
    table : DataFrame
        category, participants (text, suppressed where small), participant_share,
        population_share, ratio.
    d : float or None
        Index of dissimilarity, None when fewer than ``MIN_PARTICIPANTS_FOR_SHARES``
        participants have a known category.
    note : str
        Why D or some ratios are not shown, or "".
    """
    cats = population.index.union(participants.index)
    counts = participants.reindex(cats, fill_value=0).astype(int)
    pop = population.reindex(cats, fill_value=0).astype(float)
    total = int(counts.sum())
    part_share = counts / total if total else counts * np.nan
    pop_share = pop / pop.sum() if pop.sum() else pop * np.nan
    ratio = part_share / pop_share.replace(0, np.nan)
    hidden = suppressed(counts, min_count)
    shown = counts.astype(str).where(~hidden, f"fewer than {min_count}")
    table = pd.DataFrame(
        {
            "category": cats,
            "participants": shown.to_numpy(),
            "participant_share": part_share.where(~hidden).to_numpy(),
            "population_share": pop_share.to_numpy(),
            "ratio": ratio.where(~hidden).to_numpy(),
        }
    )
    if total < MIN_PARTICIPANTS_FOR_SHARES:
        table[["participant_share", "ratio"]] = np.nan
        return (
            table,
            None,
            (
                f"Only {total} participants have a recorded category: at least "
                f"{MIN_PARTICIPANTS_FOR_SHARES} are needed to compare shares with the population."
            ),
        )
    note = f"Groups with fewer than {min_count} participants are hidden." if hidden.any() else ""
    return table, dissimilarity(counts, pop), note


def suppressed(counts: pd.Series, min_count: int = 5) -> pd.Series:
    """Which counts to hide: 1 to ``min_count - 1``, plus the next smallest where only one is hidden.

    With the total published, a single hidden cell is the total minus the
    others; hiding the next smallest cell too makes it unrecoverable.

    >>> suppressed(pd.Series([3, 40, 12, 25]), 5).tolist()
    [True, False, True, False]
    """
    small = (counts > 0) & (counts < min_count)
    if int(small.sum()) == 1:
        others = counts[~small & (counts > 0)]
        if len(others):
            small = small.copy()
            small[others.idxmin()] = True
    return small
