"""Finding codes of allegations, and the share sustained with its Wilson interval.

The codes are those of the Chicago complaint register (its README: SU sustained, NS not sustained, UN
unfounded, EX exonerated, NAF no affidavit); another department's words ("Sustained", "Not
Sustained") are read through the same table. A code the table does not know is shown as written and
counts as decided but not sustained.

>>> label("SU"), label("Not sustained"), is_sustained(pd.Series(["SU", "sustained", "NS", None])).tolist()
('Sustained', 'Not sustained', [True, True, False, False])
"""

from __future__ import annotations

import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from lib.constants import INTERVAL_ALPHA

# code -> label; the recode table docs/accountability.md lists.
FINDINGS = {
    "SU": "Sustained",
    "NS": "Not sustained",
    "UN": "Unfounded",
    "EX": "Exonerated",
    "NAF": "No affidavit",
}
# Words other departments use, compared in upper case.
_WORDS = {label.upper(): code for code, label in FINDINGS.items()} | {
    "SUSTAINED": "SU",
    "NOT SUSTAINED": "NS",
    "UNFOUNDED": "UN",
    "EXONERATED": "EX",
    "NO AFFIDAVIT": "NAF",
}


def code(value) -> str | None:
    """The finding code of ``value`` (a code or its words); the value upper-cased when unknown."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = " ".join(str(value).split()).upper()
    if not text:
        return None
    return _WORDS.get(text, text)


def label(value) -> str:
    """What a finding is called on the page: ``"SU"`` -> ``"Sustained"``; an unknown code as written."""
    c = code(value)
    return "No finding" if c is None else FINDINGS.get(c, c)


def is_sustained(values: pd.Series) -> pd.Series:
    return values.map(code) == "SU"


def sustained_share(
    allegations: pd.DataFrame, by: list[str] | None = None, alpha: float = INTERVAL_ALPHA
) -> pd.DataFrame:
    """Allegations with a final finding, how many were sustained, the share and its Wilson interval.

    Parameters
    ----------
    allegations : DataFrame with a ``finding`` column (codes or words; empty = not yet decided).
    by : columns to group by (category, area ...); one row for all when None.
    alpha : 1 - confidence of the interval.

    Notes
    -----
    The Wilson score interval (Wilson 1927; Brown, Cai & DasGupta 2001, "Interval estimation for a
    binomial proportion") through ``statsmodels.stats.proportion.proportion_confint(method="wilson")``:
    unlike the normal approximation it stays inside [0, 1] and is usable for small groups.

    Examples
    --------
    >>> t = sustained_share(pd.DataFrame({"finding": ["SU", "NS", "UN", "SU", None]}))
    >>> t[["decided", "sustained", "share"]].to_dict("records")
    [{'decided': 4, 'sustained': 2, 'share': 0.5}]
    """
    decided = allegations[allegations["finding"].map(code).notna()].copy()
    decided["sustained"] = is_sustained(decided["finding"]).astype(int)
    keys = list(by or [])
    if keys:
        out = decided.groupby(keys, as_index=False, dropna=False).agg(
            decided=("sustained", "size"), sustained=("sustained", "sum")
        )
    else:
        out = pd.DataFrame({"decided": [len(decided)], "sustained": [int(decided["sustained"].sum())]})
    out["decided"] = out["decided"].astype(int)
    out["sustained"] = out["sustained"].astype(int)
    out["share"] = out["sustained"] / out["decided"].where(out["decided"] > 0)
    lo, hi = proportion_confint(out["sustained"], out["decided"].clip(lower=1), alpha=alpha, method="wilson")
    out["low"], out["high"] = pd.Series(lo, index=out.index), pd.Series(hi, index=out.index)
    out.loc[out["decided"] == 0, ["low", "high"]] = float("nan")
    return out


def outcomes(allegations: pd.DataFrame) -> pd.DataFrame:
    """Allegations per final finding, labelled: finding, allegations, share of all."""
    labels = allegations["finding"].map(label)
    out = labels.value_counts().rename_axis("finding").reset_index(name="allegations")
    out["share"] = out["allegations"] / max(len(allegations), 1)
    return out
