"""Translations of the public views: one JSON catalog per language in lib/public/locales/.

Every key is in every catalog (tests/test_i18n.py checks), and a missing key
raises instead of showing a key name to the public. Placeholders use
``str.format`` names:

>>> t("privacy.suppressed", "es")
'menos de 5'
>>> t("trend.summary_missing", "en", year=2019)
'No public monthly counts yet for 2019.'
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

LANGS = ("en", "es")
DEFAULT = "en"
LOCALES = Path(__file__).resolve().parent / "locales"
MONTHS = {
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "es": (
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ),
}


@cache
def catalog(lang: str) -> dict[str, str]:
    """The catalog of ``lang`` (key -> text)."""
    if lang not in LANGS:
        raise KeyError(f"No catalog for language {lang!r}; use one of {LANGS}.")
    return json.loads((LOCALES / f"{lang}.json").read_text(encoding="utf-8"))


def t(key: str, lang: str = DEFAULT, **fmt) -> str:
    """The text of ``key`` in ``lang``, with ``fmt`` filled in."""
    text = catalog(lang if lang in LANGS else DEFAULT)[key]
    return text.format(**fmt) if fmt else text


def has(key: str, lang: str = DEFAULT) -> bool:
    return key in catalog(lang if lang in LANGS else DEFAULT)


def lang_from(query_params) -> str:
    """The language asked for in the URL (``?lang=es``), English otherwise."""
    try:
        value = query_params.get("lang")
    except AttributeError:
        value = None
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    value = str(value or "").strip().lower()[:2]
    return value if value in LANGS else DEFAULT


def month_name(month: int, lang: str = DEFAULT) -> str:
    return MONTHS[lang if lang in LANGS else DEFAULT][int(month) - 1]


def date_text(when, lang: str = DEFAULT) -> str:
    """A date in words: "22 September 2019" / "22 de septiembre de 2019"."""
    import pandas as pd

    when = pd.Timestamp(when)
    if lang == "es":
        return f"{when.day} de {month_name(when.month, 'es')} de {when.year}"
    return f"{when.day} {month_name(when.month, 'en')} {when.year}"


def month_text(when, lang: str = DEFAULT) -> str:
    """A month in words: "September 2019" / "septiembre de 2019"."""
    import pandas as pd

    when = pd.Timestamp(when)
    if lang == "es":
        return f"{month_name(when.month, 'es')} de {when.year}"
    return f"{month_name(when.month, 'en')} {when.year}"


def number(value, lang: str = DEFAULT, digits: int = 0) -> str:
    """A number with the language's separators: 12,345.6 / 12.345,6."""
    text = f"{value:,.{digits}f}"
    if lang == "es":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def count_labels(lang: str = DEFAULT) -> set[str]:
    """The column headers of public tables that hold counts (``col.count.*`` keys), for privacy scans."""
    return {v for k, v in catalog(lang).items() if k.startswith("col.count.")}
