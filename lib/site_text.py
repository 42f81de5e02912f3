"""The published site's own words (headings, controls, notes), in English and Spanish.

The figures' titles, summaries and methods come from ``lib.i18n`` through
``lib.public_figures``; these are only the page furniture of the static site
(`lib/publish.py`), kept here so the public-page catalogs stay theirs.
``tests/test_publish.py`` checks that every key has both languages.
"""

from __future__ import annotations

TEXT: dict[str, dict[str, str]] = {
    "skip": {"en": "Skip to the figures", "es": "Ir a las cifras"},
    "map_zoom": {"en": "Drag to move the map; use the + and − buttons to zoom. The table below lists every hexagon.",
                 "es": "Arrastre para mover el mapa; use los botones + y − para acercar. La tabla de abajo lista "
                       "cada hexágono."},
    "other_language": {"en": "Español", "es": "English"},
    "show": {"en": "Show", "es": "Mostrar"},
    "street_label": {"en": "Type a street", "es": "Escriba una calle"},
    "street_hint": {"en": "For example: 1700 W Howard St.", "es": "Por ejemplo: 1700 W Howard St."},
    "find": {"en": "Find", "es": "Buscar"},
    "street_none": {"en": "No published street matches \u201c{q}\u201d. Try the street name alone, "
                          "or pick the area from the list.",
                    "es": "Ninguna calle publicada coincide con \u00ab{q}\u00bb. Pruebe solo el nombre "
                          "de la calle o elija el área en la lista."},
    "street_found": {"en": "{street} runs through:", "es": "{street} pasa por:"},
    "street_note": {"en": "Streets are listed by name only, never by block, and only where at least "
                          "{min_count} incidents were recorded.",
                    "es": "Las calles se listan solo por nombre, nunca por cuadra, y solo donde se "
                          "registraron al menos {min_count} incidentes."},
    "show_table": {"en": "Show the table", "es": "Ver la tabla"},
    "period": {"en": "Period", "es": "Periodo"},
    "source": {"en": "Source", "es": "Fuente"},
    "method": {"en": "How it is computed", "es": "Cómo se calcula"},
    "download": {"en": "Download the table", "es": "Descargar la tabla"},
    "download_csv": {"en": "CSV", "es": "CSV"},
    "download_json": {"en": "JSON", "es": "JSON"},
    "hidden_note": {"en": "Suppressed cells are empty in the CSV, with a *_suppressed column saying so.",
                    "es": "Las celdas ocultas están vacías en el CSV, con una columna *_suppressed que lo indica."},
    "unavailable": {"en": "Not available here: {reason}", "es": "No disponible aquí: {reason}"},
    "no_rows": {"en": "Nothing to show for this period.", "es": "Nada que mostrar en este periodo."},
    "loading": {"en": "Loading the figures\u2026", "es": "Cargando las cifras\u2026"},
    "load_failed": {"en": "The figures could not be loaded ({detail}). Reload the page; if it persists, "
                          "the site may be being republished.",
                    "es": "No se pudieron cargar las cifras ({detail}). Vuelva a cargar la página; si "
                          "continúa, el sitio puede estar en republicación."},
    "noscript": {"en": "This page needs JavaScript to draw its charts and tables. The city's figures in "
                       "words, each with its table as a CSV file:",
                 "es": "Esta página necesita JavaScript para dibujar sus gráficos y tablas. Las cifras de la "
                       "ciudad en palabras, cada una con su tabla en un archivo CSV:"},
    "generated": {"en": "Published {when}.", "es": "Publicado el {when}."},
    "manifest_link": {"en": "Everything this page publishes (manifest.json)",
                      "es": "Todo lo que publica esta página (manifest.json)"},
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
