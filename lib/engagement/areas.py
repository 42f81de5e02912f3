"""Which areas each event serves: the event-area link, derived from titles, places and nesting.

An event is stored once, but a meeting for "823/825 Beat Meeting" serves two
beats, and counts once in each of them (and once in district 8, where both
lie). The link is *derived*, not stored: it is recomputed from the events, the
loaded boundary layers and their nesting whenever any of them changes (the
pages cache it per data version), so a new beat layer or an edited event never
leaves a stale link behind.

For each event and boundary level, the areas are, in order of preference:

1. the codes of that level **named in the title** ("Beat 1512/23 CAPS
   Meeting" names beats 1512 and 1523), or else in the location text
   ("16th District Station" names district 16);
2. the parents of the codes named at a finer level (beats 823 and 825 lie in
   district 8, by ``boundary_parents``);
3. the area the event's own record places it in: the polygon holding its
   point, or its area column (``lvl_<level>``, set at load time).

A number counts as a code of a level when it stands next to one of the level's
words (``LEVEL_WORDS``: "beat", "bt", "district", "precinct" ...), at most
``MAX_GAP`` words away, and is a code of that level's loaded layer. Numbers in
a run ("1921, 22 & 31") belong together, and short ones borrow the leading
digits of the number before them (22 -> 1922, 31 -> 1931). A beat named in
the title but lying outside the district the event's record gives is dropped
(a typo is likelier than a meeting across districts) and listed by
:func:`unmatched` for checking.

>>> codes = {"beat": {"823", "825", "1921", "1922", "1931"}, "district": {"8", "19"}}
>>> mentions("823/825 Beat Meeting", codes)
{'beat': ['823', '825']}
>>> mentions("Beat 1921, 22 & 31 community meeting", codes)
{'beat': ['1921', '1922', '1931']}
>>> mentions("20 sector beat meeting 321 322", codes)
{}
"""

from __future__ import annotations

import re

import pandas as pd

from lib.ingest import parse
from lib.store.schema import level_column

# Words that mark an area code of each level in free text. Levels loaded under
# other names use their own name (and its plural). Words of levels that are
# not loaded (sector, ward) still claim their numbers, so "20 sector beat
# meeting" does not make 20 a beat.
LEVEL_WORDS: dict[str, tuple[str, ...]] = {
    "beat": ("beat", "beats", "bt", "beet"),
    "district": ("district", "districts", "dist"),
    "precinct": ("precinct", "precincts", "pct"),
    "sector": ("sector", "sectors", "sect"),
    "division": ("division", "divisions"),
    "ward": ("ward", "wards"),
    "zone": ("zone", "zones"),
    "area": (),  # too common a word in prose to mark a code
}
MAX_GAP = 3  # at most this many words between a code and its level word ("823 825 beat", "beat meeting 1211")
_CONNECTORS = {"and", "amp"}  # "1921 22 and 31"; normalised "&" disappears
_NUMBER = re.compile(r"^(\d{1,6})(st|nd|rd|th|[a-z])?$")

HOW_TITLE = "named in title"
HOW_LOCATION = "named in location"
HOW_RECORD = "event's own area"


def _words(levels) -> dict[str, str]:
    """word -> level, for the loaded levels and the known unloaded ones."""
    out = {}
    for level, words in LEVEL_WORDS.items():
        for w in words:
            out[w] = level
    for level in levels:
        if level not in LEVEL_WORDS:
            out.setdefault(level, level)
            out.setdefault(level + "s", level)
    return out


def mentions(text: str, codes: dict[str, set[str]]) -> dict[str, list[str]]:
    """Codes of each loaded level named in ``text`` (a title or a location), in order of mention."""
    if not text:
        return {}
    # "Beat Meeting1111" -> "beat meeting 1111"; "20th" and "1513n" stay whole.
    spaced = re.sub(r"(?<=[A-Za-z])(?=\d)", " ", str(text))
    tokens = re.sub(r"[^\w]+", " ", spaced.lower()).split()  # as parse.normalize_title
    words = _words(codes)
    runs: list[tuple[int, int, list[tuple[str, str]]]] = []  # (first, last, [(digits, suffix)])
    i = 0
    while i < len(tokens):
        m = _NUMBER.match(tokens[i])
        if not m:
            i += 1
            continue
        start, items = i, [(m.group(1), m.group(2) or "")]
        j = i + 1
        while j < len(tokens):
            if tokens[j] in _CONNECTORS and j + 1 < len(tokens) and _NUMBER.match(tokens[j + 1]):
                j += 1
            nm = _NUMBER.match(tokens[j])
            if not nm:
                break
            items.append((nm.group(1), nm.group(2) or ""))
            j += 1
        runs.append((start, j - 1, items))
        i = j
    found: dict[str, list[str]] = {}
    for first, last, items in runs:
        level = _nearest_level(tokens, words, first, last)
        if level is None or level not in codes:
            continue
        for code in _expand(items):
            code = parse.normalize_code(code)
            if code in codes[level] and code not in found.get(level, []):
                found.setdefault(level, []).append(code)
    return found


def _nearest_level(tokens: list[str], words: dict[str, str], first: int, last: int) -> str | None:
    """The level of the nearest level word to a run of numbers (ties go to the word before)."""
    best, best_gap = None, MAX_GAP + 1
    for k in range(first - 1, max(-1, first - 2 - MAX_GAP), -1):
        if tokens[k] in words:
            best, best_gap = words[tokens[k]], first - k - 1
            break
    for k in range(last + 1, min(len(tokens), last + 2 + MAX_GAP)):
        if tokens[k] in words:
            if k - last - 1 < best_gap:
                best = words[tokens[k]]
            break
    return best


def _expand(items: list[tuple[str, str]]) -> list[str]:
    """A run of numbers with short ones completed: [1133, 34] -> [1133, 1134].

    >>> _expand([("1921", ""), ("22", ""), ("31", "")])
    ['1921', '1922', '1931']
    """
    out: list[str] = []
    full = None
    for digits, _suffix in items:
        if full is not None and len(digits) <= 2 < len(full):
            digits = full[: len(full) - len(digits)] + digits
        full = digits
        out.append(digits)
    return out


def _ordered_levels(codes: dict[str, set[str]]) -> list[str]:
    """Levels from finest (most areas) to coarsest."""
    return sorted(codes, key=lambda lvl: -len(codes[lvl]))


def links(events: pd.DataFrame, codes: dict[str, set[str]], parents: pd.DataFrame) -> pd.DataFrame:
    """The event-area link: one row per event, level and area it serves.

    Parameters
    ----------
    events : DataFrame
        ``dataset``, ``event_id``, ``title``, ``location`` and ``lvl_<level>``
        for each loaded level (as in the ``events`` table).
    codes : dict
        level -> set of area codes of the loaded layers.
    parents : DataFrame
        ``boundary_parents`` rows (level, code, parent_level, parent_code).

    Returns
    -------
    DataFrame
        dataset, event_id, level, code, how (``named in title``, ``named in
        location``, ``via <level>`` or ``event's own area``).
    """
    cols = ["dataset", "event_id", "level", "code", "how"]
    if events.empty or not codes:
        return pd.DataFrame(columns=cols)
    levels = _ordered_levels(codes)
    lookup = (
        {key: dict(zip(g["code"], g["parent_code"])) for key, g in parents.groupby(["level", "parent_level"])}
        if len(parents)
        else {}
    )
    # Calendars repeat the same title in the same place every month: decide each
    # distinct (title, location, own areas) once, then join back to the events.
    own_cols = [level_column(lvl) for lvl in levels]
    keys = events.reindex(columns=["title", "location", *own_cols]).astype("object")
    keys = keys.where(keys.notna() & (keys != "None"), None).fillna("")
    keys.columns = ["title", "location", *levels]
    distinct = keys.drop_duplicates().reset_index(drop=True)
    parts = []
    memo: dict[str, dict[str, list[str]]] = {}

    def named(text: str) -> dict[str, list[str]]:
        if text not in memo:
            memo[text] = mentions(text, codes)
        return memo[text]

    for i, row in enumerate(distinct.to_dict("records")):
        own = {lvl: row[lvl] for lvl in levels if row[lvl]}
        found = _choose(named(row["title"]), named(row["location"]), own, levels, lookup)
        for lvl, (area_codes, how) in found.items():
            parts.extend((i, lvl, code, how) for code in area_codes)
    chosen = pd.DataFrame(parts, columns=["key", "level", "code", "how"])
    index = keys.merge(distinct.reset_index().rename(columns={"index": "key"}), how="left", on=list(keys.columns))[
        "key"
    ]
    ids = pd.DataFrame(
        {"dataset": events["dataset"].to_numpy(), "event_id": events["event_id"].to_numpy(), "key": index.to_numpy()}
    )
    return ids.merge(chosen, on="key")[cols].reset_index(drop=True)


def _choose(
    named_title: dict, named_place: dict, own: dict[str, str], levels: list[str], lookup: dict
) -> dict[str, tuple[list[str], str]]:
    """Areas per level for one event (see the module's rules 1-3), from what its texts name."""
    chosen: dict[str, tuple[list[str], str]] = {}
    for lvl in levels:  # fine to coarse
        named, how = named_title.get(lvl), HOW_TITLE
        if not named:
            named, how = named_place.get(lvl), HOW_LOCATION
        if named:
            named = _inside_own(named, lvl, own, lookup)
        if named:
            chosen[lvl] = (named, how)
            continue
        for finer in levels[: levels.index(lvl)]:  # parents of what a finer level named
            if finer in chosen and chosen[finer][1] != HOW_RECORD and (finer, lvl) in lookup:
                mapped = list(dict.fromkeys(c for c in (lookup[(finer, lvl)].get(x) for x in chosen[finer][0]) if c))
                if mapped:
                    chosen[lvl] = (mapped, f"via {finer}")
                    break
        if lvl not in chosen and lvl in own:
            chosen[lvl] = ([own[lvl]], HOW_RECORD)
    return chosen


def _inside_own(named: list[str], level: str, own: dict[str, str], lookup: dict) -> list[str]:
    """Named codes that lie inside the coarser areas the event's own record gives."""
    kept = named
    for (child, parent), mapping in lookup.items():
        if child == level and parent in own:
            kept = [c for c in kept if mapping.get(c) in (None, own[parent])]
    return kept


def unmatched(events: pd.DataFrame, codes: dict[str, set[str]], parents: pd.DataFrame) -> pd.DataFrame:
    """Events whose title names an area that was dropped (outside the event's own coarser area)."""
    out = []
    lookup = {key: dict(zip(g["code"], g["parent_code"])) for key, g in parents.groupby(["level", "parent_level"])}
    for ev in events.to_dict("records"):
        named = mentions(ev.get("title") or "", codes)
        for lvl, found in named.items():
            own = {p: ev.get(level_column(p)) for (c, p) in lookup if c == lvl}
            own = {p: v for p, v in own.items() if isinstance(v, str) and v and v != "None"}
            kept = _inside_own(found, lvl, own, lookup)
            for code in found:
                if code not in kept:
                    out.append(
                        {
                            "dataset": ev["dataset"],
                            "event_id": ev["event_id"],
                            "title": ev.get("title"),
                            "level": lvl,
                            "named": code,
                            "reason": "outside the event's " + ", ".join(f"{p} {v}" for p, v in own.items()),
                        }
                    )
    return pd.DataFrame(out, columns=["dataset", "event_id", "title", "level", "named", "reason"])


# -- from the store -------------------------------------------------------------


def area_codes(store) -> dict[str, set[str]]:
    """level -> codes of the loaded boundary layers."""
    if "boundaries" not in store.tables():
        return {}
    frame = store.query("SELECT level, code FROM boundaries")
    return {lvl: set(g["code"]) for lvl, g in frame.groupby("level", sort=False)}


def parent_table(store) -> pd.DataFrame:
    if "boundary_parents" not in store.tables():
        return pd.DataFrame(columns=["level", "code", "parent_level", "parent_code"])
    return store.query("SELECT level, code, parent_level, parent_code FROM boundary_parents")
