"""The published site's own words (headings, controls, notes), in English and Spanish.

The figures' titles, summaries and methods come from ``lib.i18n`` through
``lib.public_figures``; these are only the page furniture of the static site
(`lib/publish.py`), kept here so the public-page catalogs stay theirs.
``tests/test_publish.py`` checks that every key has both languages.
"""

from __future__ import annotations

TEXT: dict[str, dict[str, str]] = {
    "site_title": {"en": "Community safety in public figures", "es": "La seguridad comunitaria en cifras públicas"},
    "skip": {"en": "Skip to the figures", "es": "Ir a las cifras"},
    "language": {"en": "Language", "es": "Idioma"},
    "other_language": {"en": "Español", "es": "English"},
    "intro": {
        "en": "Crime, trust in the police and community events, for the whole city or one area. "
              "Every number here is published under privacy rules: no victim can be located and no "
              "count below {min_count} is shown.",
        "es": "Delitos, confianza en la policía y eventos comunitarios, para toda la ciudad o un área. "
              "Cada cifra se publica con reglas de privacidad: no se puede ubicar a ninguna víctima y no "
              "se muestra ningún conteo menor que {min_count}.",
    },
    "whole_city": {"en": "Whole city", "es": "Toda la ciudad"},
    "find_heading": {"en": "Find your area", "es": "Busque su área"},
    "area_label": {"en": "Area ({level})", "es": "Área ({level})"},
    "show": {"en": "Show", "es": "Mostrar"},
    "street_label": {"en": "Or type a street", "es": "O escriba una calle"},
    "street_hint": {"en": "For example: 1700 W Howard St", "es": "Por ejemplo: 1700 W Howard St"},
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
    "showing": {"en": "Showing: {name}", "es": "Mostrando: {name}"},
    "map_heading": {"en": "Map", "es": "Mapa"},
    "map_label": {"en": "Map of {name}: areas shaded by incidents, hot spot hexagons on top. "
                        "The same figures are in the tables below.",
                  "es": "Mapa de {name}: áreas sombreadas por incidentes y hexágonos de puntos calientes. "
                        "Las mismas cifras están en las tablas de abajo."},
    "map_areas": {"en": "Areas by incidents", "es": "Áreas por incidentes"},
    "map_hotspots": {"en": "Hot spots", "es": "Puntos calientes"},
    "map_none": {"en": "No hot spot hexagons to draw for this area.",
                 "es": "No hay hexágonos de puntos calientes para esta área."},
    "table": {"en": "Table", "es": "Tabla"},
    "show_table": {"en": "Show the table", "es": "Ver la tabla"},
    "period": {"en": "Period", "es": "Periodo"},
    "source": {"en": "Source", "es": "Fuente"},
    "method": {"en": "How it is computed", "es": "Cómo se calcula"},
    "unit": {"en": "Unit", "es": "Unidad"},
    "download": {"en": "Download", "es": "Descargar"},
    "download_csv": {"en": "CSV", "es": "CSV"},
    "download_json": {"en": "JSON", "es": "JSON"},
    "unavailable": {"en": "Not available here: {reason}", "es": "No disponible aquí: {reason}"},
    "no_rows": {"en": "Nothing to show for this period.", "es": "Nada que mostrar en este periodo."},
    "fewer_than": {"en": "fewer than {min_count}", "es": "menos de {min_count}"},
    "caution": {"en": "use with caution", "es": "usar con cautela"},
    "loading": {"en": "Loading the figures\u2026", "es": "Cargando las cifras\u2026"},
    "load_failed": {"en": "The figures could not be loaded ({detail}). Reload the page; if it persists, "
                          "the site may be being republished.",
                    "es": "No se pudieron cargar las cifras ({detail}). Vuelva a cargar la página; si "
                          "continúa, el sitio puede estar en republicación."},
    "noscript": {"en": "This page needs JavaScript to draw its charts and tables. The same figures "
                       "can be downloaded as CSV files from the data/ folder (see manifest.json).",
                 "es": "Esta página necesita JavaScript para dibujar sus gráficos y tablas. Las mismas "
                       "cifras se pueden descargar como CSV desde la carpeta data/ (vea manifest.json)."},
    "privacy_heading": {"en": "How these figures protect privacy", "es": "Cómo protegen la privacidad estas cifras"},
    "privacy_1": {"en": "Counts from 1 to {max_hidden} are shown as \u201cfewer than {min_count}\u201d; where a "
                        "total would give a hidden count away, a second count is hidden too.",
                  "es": "Los conteos de 1 a {max_hidden} se muestran como \u00abmenos de {min_count}\u00bb; "
                        "donde un total revelaría un conteo oculto, se oculta también un segundo conteo."},
    "privacy_2": {"en": "Sexual offenses, domestic incidents and incidents involving children are "
                        "counted in area totals only, never placed on the map.",
                  "es": "Los delitos sexuales, los incidentes domésticos y los que involucran a menores "
                        "solo se cuentan en los totales por área, nunca se ubican en el mapa."},
    "privacy_3": {"en": "Places are hexagons of at least {hex_km2} km\u00b2; no address or point is published.",
                  "es": "Los lugares son hexágonos de al menos {hex_km2} km\u00b2; no se publica ninguna "
                        "dirección ni punto."},
    "privacy_4": {"en": "The newest {lag_days} days are not published.",
                  "es": "Los {lag_days} días más recientes no se publican."},
    "privacy_5": {"en": "Survey estimates from fewer than {min_n} effective respondents are not shown.",
                  "es": "No se muestran estimaciones de encuestas con menos de {min_n} encuestados efectivos."},
    "about_heading": {"en": "About this page", "es": "Acerca de esta página"},
    "generated": {"en": "Published {when}.", "es": "Publicado el {when}."},
    "sources_heading": {"en": "Sources", "es": "Fuentes"},
    "manifest_link": {"en": "Everything this page publishes (manifest.json)",
                      "es": "Todo lo que publica esta página (manifest.json)"},
    "city": {"en": "the whole city", "es": "toda la ciudad"},
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
