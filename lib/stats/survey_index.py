"""Survey items to 0-100 indexes, as in the Police Sentiment Score, and their reliability.

Each answer is recoded in three steps:

1. "don't know" and refusal codes (e.g. 9 on a 1-5 scale) and anything off the
   scale become missing, never a score;
2. negatively worded items are reversed (on 1-5, 1 <-> 5), so that a high
   value is always the favourable end;
3. the answer is rescaled to 0-100: ``(x - low) / (high - low) * 100``.

A respondent's index is the mean of their rescaled answers when they answered
at least half of the index's items, else missing. On a 0-10 scale this is the
mean answer times 10, exactly the Sentiment Score (65 = average answer 6.5):

>>> answers = np.array([[6.0, 7.0], [9.0, 99.0], [99.0, 99.0]])
>>> index_scores(rescale(answers, 0, 10, missing_codes=[99]))
array([65., 90., nan])
"""

from __future__ import annotations

import warnings

import numpy as np


def rescale(
    answers: np.ndarray, low: float, high: float, missing_codes=(), reverse=None, high_is_favourable: bool = True
) -> np.ndarray:
    """Answers (respondents x items) on a ``low``-``high`` scale rescaled to 0-100.

    Parameters
    ----------
    answers : ndarray of float, shape (n, k)
        Raw answers; NaN where the item was not answered.
    low, high : float
        Ends of the answer scale (1 and 5, 0 and 10 ...).
    missing_codes : sequence of float
        Codes meaning "don't know" or "refused": missing, never a score.
    reverse : sequence of bool, length k, optional
        Items worded negatively ("I am afraid to walk at night"), reversed so
        that 100 is the favourable end for every item.
    high_is_favourable : bool
        False where the questionnaire puts the favourable answer at ``low``
        (1 = "very safe"): every item is then reversed.

    Returns
    -------
    ndarray of float, shape (n, k)
        0-100, NaN for missing, don't-know and off-scale answers.
    """
    x = np.asarray(answers, dtype="float64").copy()
    if x.ndim == 1:
        x = x[:, None]
    if high <= low:
        raise ValueError(f"The answer scale must run from low to high; got {low} to {high}.")
    bad = ~np.isfinite(x) | (x < low) | (x > high)
    if len(missing_codes):
        bad |= np.isin(x, np.asarray(missing_codes, dtype="float64"))
    x[bad] = np.nan
    out = (x - low) / (high - low) * 100.0
    flip = np.zeros(x.shape[1], dtype=bool) if reverse is None else np.asarray(reverse, dtype=bool)
    if not high_is_favourable:
        flip = ~flip
    out[:, flip] = 100.0 - out[:, flip]
    return out


def index_scores(rescaled: np.ndarray, min_share: float = 0.5) -> np.ndarray:
    """Mean of each respondent's rescaled answers; NaN unless at least ``min_share`` of items were answered.

    With 3 items, 2 answers are needed; with 6, 3 (half, rounded up).

    >>> index_scores(np.array([[50.0, np.nan, np.nan], [50.0, 100.0, np.nan]]))
    array([nan, 75.])
    """
    x = np.asarray(rescaled, dtype="float64")
    k = x.shape[1]
    answered = np.isfinite(x).sum(axis=1)
    with np.errstate(invalid="ignore"):
        mean = np.nansum(x, axis=1) / answered
    return np.where(answered >= np.ceil(min_share * k - 1e-9), mean, np.nan)


def cronbach_alpha(items: np.ndarray) -> tuple[float, int]:
    """Cronbach's alpha of a set of items over the respondents who answered all of them.

    Parameters
    ----------
    items : ndarray of float, shape (n, k)
        Item scores (any common scale); NaN where not answered.

    Returns
    -------
    alpha : float
        ``k / (k - 1) * (1 - sum(item variances) / variance(total))``; NaN with
        fewer than 2 items or 3 complete respondents. 0.7 or more is the usual
        sign that the items measure one thing.
    n : int
        Respondents with every item answered (listwise deletion).

    Notes
    -----
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of
    tests. *Psychometrika* 16, 297-334. Variances use n - 1.

    Examples
    --------
    >>> x = np.array([[1, 2, 2], [2, 3, 3], [3, 3, 4], [4, 5, 5]], dtype=float)
    >>> round(cronbach_alpha(x)[0], 4)
    0.9825
    """
    x = np.asarray(items, dtype="float64")
    if x.ndim != 2 or x.shape[1] < 2:
        return float("nan"), 0
    complete = x[np.isfinite(x).all(axis=1)]
    n, k = complete.shape
    if n < 3:
        return float("nan"), int(n)
    item_var = complete.var(axis=0, ddof=1).sum()
    total_var = complete.sum(axis=1).var(ddof=1)
    if total_var == 0:
        return float("nan"), int(n)
    return float(k / (k - 1) * (1 - item_var / total_var)), int(n)


def item_rest_correlations(rescaled: np.ndarray) -> np.ndarray:
    """Correlation of each item with the mean of the other items (pairwise complete).

    A negative value is the classic sign of a reversed item that was not recoded.
    """
    x = np.asarray(rescaled, dtype="float64")
    k = x.shape[1]
    out = np.full(k, np.nan)
    if k < 2:
        return out
    for j in range(k):
        rest = np.delete(x, j, axis=1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # rows with no other answer
            rest_mean = np.nanmean(rest, axis=1)
        ok = np.isfinite(x[:, j]) & np.isfinite(rest_mean)
        if ok.sum() >= 3 and x[ok, j].std() > 0 and rest_mean[ok].std() > 0:
            out[j] = float(np.corrcoef(x[ok, j], rest_mean[ok])[0, 1])
    return out
