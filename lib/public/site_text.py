"""The published site's own words (headings, controls, notes), in English and Spanish.

The figures' titles, summaries and methods come from ``lib.public.i18n`` through
``lib.public.figures``; the page furniture of the static site (`lib/public/publish.py`)
lives in the same catalogs (``lib/public/locales/*.json``) under the ``site.`` prefix,
so a translator edits one file per language.
"""

from __future__ import annotations

from lib.public import i18n

PREFIX = "site."

# key -> {lang: text}, read from the catalogs (``tests/test_publish.py`` checks every key has both languages).
TEXT: dict[str, dict[str, str]] = {
    key[len(PREFIX) :]: {lang: i18n.catalog(lang)[key] for lang in i18n.LANGS if key in i18n.catalog(lang)}
    for key in i18n.catalog(i18n.DEFAULT)
    if key.startswith(PREFIX)
}


def text(key: str, lang: str, **fmt) -> str:
    """The site's text for ``key`` in ``lang`` (English where a language is missing), formatted."""
    entry = TEXT[key]
    value = entry.get(lang) or entry["en"]
    return value.format(**fmt) if fmt else value


def catalog(lang: str, **fmt) -> dict[str, str]:
    """Every string in ``lang``, for the page's script; ``{placeholders}`` not in ``fmt`` are left for it."""
    out = {}
    for key, entry in TEXT.items():
        value = entry.get(lang) or entry["en"]
        for name, val in fmt.items():
            value = value.replace("{" + name + "}", str(val))
        out[key] = value
    return out
