"""The presenter deck's own words, in English and Spanish.

Figure titles, periods, sources and the "fewer than 5" label come from
lib/i18n through lib/public_figures; this table holds only what the deck adds
around them (slide messages, speaker-note phrases, the closing slide). Every
key is in both languages (tests/test_deck.py checks).
"""

from __future__ import annotations

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "deck_title": "Community policing: {area}",
        "city": "the whole city",
        "period": "Period: {start} to {end}",
        "slide_of": "{n} / {total}",
        "source": "Source: {source}",
        # trust and safety
        "trust_title": "Trust and safety",
        "trust_up": "{measure} rose from {first} to {last} (0-100 scale).",
        "trust_down": "{measure} fell from {first} to {last} (0-100 scale).",
        "trust_flat": "{measure} held steady at about {last} (0-100 scale).",
        "trust_change_noise": "The change is within the margin of error: it could be noise.",
        "trust_change_real": "The change is larger than the margin of error.",
        "trust_none": "No trust or safety scores are published for this area and period.",
        "trust_no_interval": "The publisher gives no respondent counts, so no margin of error can be shown.",
        "trust_interval": "The band is the 95% interval.",
        "trust_scale": "Scores are mean answers times 10: 65 means an average answer of 6.5, not 65%.",
        # crime
        "crime_title": "Crime compared with last year",
        "crime_down": "{total}, {pct}% fewer than the same months last year ({previous}).",
        "crime_up": "{total}, {pct}% more than the same months last year ({previous}).",
        "crime_same": "{total}, about the same as the same months last year ({previous}).",
        "crime_none": "No public incident figures for this area and period.",
        "calendar_ends": "The event calendar ends on {day}: that month is only partly covered.",
        "sample_note": "Sampled counts ({dataset}): a sample of the incidents, not their total.",
        "crime_signal": "Two-count test p = {p}: {signal}.",
        "signal_real": "a change larger than chance",
        "signal_watch": "worth watching, could be chance",
        "signal_none": "no clear change, within what chance produces",
        "this_year": "This period",
        "last_year": "Same months a year earlier",
        "incidents": "Incidents",
        "crime_suppressed": 'Hidden counts: "fewer than {min}" where a count is under {min} (but not zero); "not shown" '
        "where a second count is hidden so that the first cannot be worked out from a total.",
        "crime_quarters": "Counted by whole quarter: too many months were hidden to show them one by one.",
        "crime_no_prior": "{total}. There is no earlier data to compare with.",
        "crime_no_prior_note": "There is no earlier data to compare with: the public figures do not reach back to the "
        "same months a year earlier.",
        "crime_versus": "{total}; the same months last year: {previous}.",
        "crime_span": "{start} to {end}",
        "crime_whole_months": "Whole months: {period}",
        "crime_whole_quarters": "Whole quarters: {period}",
        "crime_trimmed": "The chosen period starts or ends part way through a month: that part month is left out, "
        "as the public figures count whole months only.",
        "crime_trimmed_quarters": "The chosen period starts or ends part way through a quarter: that part quarter is "
        "left out, as the slide counts whole quarters only.",
        "crime_no_whole": "No whole month of public figures falls in this period (they end with the last complete "
        "month before the publication lag).",
        "crime_unreleased": "The public figures for this dataset did not pass their privacy check, so none are shown.",
        "hidden_total": "not shown (it includes a hidden count)",
        "crime_n": "{n} incidents",
        "crime_n_small": "fewer than {min} incidents",
        "crime_n_not_shown": "a number of incidents not shown (hidden so that a small count cannot be worked out)",
        "crime_n_contains": "a total not shown, as it includes a hidden count,",
        "no_data": "no data",
        "crime_public_rules": "Public figures: sensitive offenses left out, the newest {lag} days held back, "
        "counts under {min} suppressed.",
        "crime_method": "Incidents reported in the dataset, counted by the calendar month they happened in, as the "
        "public release gives them (the same numbers as the public transparency page): the whole months of "
        "the chosen period, up to the last complete month before the last {lag} days, against the same "
        "months a year earlier where the release has them. Every incident counts, sensitive ones included: "
        'a monthly area total locates no one. Counts from 1 to {min_minus} show "fewer than {min}"; where '
        'a total would let a hidden count be worked out, more counts are hidden ("not shown"), chosen '
        "over every published table at once. The change is judged by the exact test for two counts, only "
        "when both totals are shown: a real change where chance alone would give one as large less than 1 "
        "time in 100 (p < 0.01), worth watching under 1 time in 20 (p < 0.05).",
        # hot spots
        "hotspot_title": "Where incidents concentrate",
        "hotspot_message": "{hot} hexagons are hot spots at 90% confidence or more.",
        "hotspot_message_one": "1 hexagon is a hot spot at 90% confidence or more.",
        "hotspot_none": "No hot spots stand out from chance in this area and period.",
        "hotspot_refused": "Not enough public data for a hot spot map: {reason}",
        "hotspot_method": "Hot spots are hexagons of {km2} km2 that, together with their six neighbours, have "
        "many more incidents in the period than the area's average: more than chance would give "
        "(90, 95 or 99% confidence), even allowing for the many hexagons compared at once. Cold "
        "spots have many fewer. Sexual offenses, domestic incidents and those involving children "
        "are left out, and shown only as area totals. No location finer than a hexagon is shown. "
        "In technical terms: Getis-Ord Gi* on H3 hexagons (resolution {res}), false discovery "
        "rate corrected.",
        "station": "Police station",
        "hexagon": "hexagon",
        "hexagons": "hexagons",
        # engagement
        "engagement_title": "Community engagement",
        "engagement_message": "{events} community events held.",
        "engagement_attendance": "{events} community events held; {attendance} people attended where counted.",
        "engagement_none": "No community events are recorded in this area and period.",
        "events": "Events held",
        "attendance_unknown": "Attendance is not recorded for these events.",
        "attendance_known": "Attendance recorded for {known} of {events} events.",
        # concerns
        "concerns_title": "You said, we did",
        "concerns_message": "What residents raised at meetings, and where each concern stands.",
        "concerns_more": "And {k} more on the public page.",
        "concerns_none": "No concern raised in this area and period has been approved for publication.",
        "concerns_dates": "raised {raised}; last update {updated}",
        "concerns_since": "since {raised}",
        "concerns_method": "Concerns raised at community meetings and logged by staff (Event log). Only those a "
        "police analyst approved for publication are shown, with their category, status and dates, open ones "
        "first: never who raised them or their words.",
        "concerns_source": "Staff log of community concerns",
        # upcoming
        "upcoming_title": "Upcoming events",
        "upcoming_message": "{n} events in the next {days} days.",
        "upcoming_none": "No events on the calendar for the next {days} days.",
        # closing
        "closing_title": "Find these figures online",
        "closing_message": "{url}",
        "closing_no_url": "On the department's public transparency page.",
        "closing_notes": "The same figures, with their sources and methods, are on the public page. "
        'Counts under {min} are shown as "fewer than {min}" everywhere.',
        # free text
        "text_title": "You said, we did",
        "notes_figures": "Figures:",
        "notes_caveats": "Caveats:",
        "notes_method": "Method:",
        "suppressed": "fewer than {min}",
        "not_shown": "not shown",
    },
    "es": {
        "deck_title": "Policía comunitaria: {area}",
        "city": "toda la ciudad",
        "period": "Período: del {start} al {end}",
        "slide_of": "{n} / {total}",
        "source": "Fuente: {source}",
        "trust_title": "Confianza y seguridad",
        "trust_up": "{measure} subió de {first} a {last} (escala 0-100).",
        "trust_down": "{measure} bajó de {first} a {last} (escala 0-100).",
        "trust_flat": "{measure} se mantuvo en torno a {last} (escala 0-100).",
        "trust_change_noise": "El cambio está dentro del margen de error: podría ser ruido.",
        "trust_change_real": "El cambio es mayor que el margen de error.",
        "trust_none": "No hay puntuaciones de confianza o seguridad publicadas para esta zona y período.",
        "trust_no_interval": "La fuente no da el número de encuestados, así que no se puede mostrar un margen de error.",
        "trust_interval": "La banda es el intervalo del 95%.",
        "trust_scale": "Las puntuaciones son la respuesta media por 10: 65 significa una respuesta media de 6,5, "
        "no el 65%.",
        "crime_title": "Delitos comparados con el año pasado",
        "crime_down": "{total}, un {pct}% menos que los mismos meses del año pasado ({previous}).",
        "crime_up": "{total}, un {pct}% más que los mismos meses del año pasado ({previous}).",
        "crime_same": "{total}, casi igual que los mismos meses del año pasado ({previous}).",
        "crime_none": "No hay cifras públicas de incidentes para esta zona y período.",
        "calendar_ends": "El calendario de eventos termina el {day}: ese mes solo está cubierto en parte.",
        "sample_note": "Recuentos de una muestra ({dataset}): una parte de los incidentes, no su total.",
        "crime_signal": "Prueba de dos conteos p = {p}: {signal}.",
        "signal_real": "un cambio mayor que el azar",
        "signal_watch": "a vigilar, podría ser azar",
        "signal_none": "sin cambio claro, dentro de lo que produce el azar",
        "this_year": "Este período",
        "last_year": "Mismos meses un año antes",
        "incidents": "Incidentes",
        "crime_suppressed": 'Recuentos ocultos: "menos de {min}" donde un recuento es menor de {min} (pero no cero); "no se '
        'muestra" donde se oculta un segundo recuento para que el primero no se pueda deducir de un total.',
        "crime_quarters": "Contado por trimestres completos: había demasiados meses ocultos para mostrarlos uno a uno.",
        "crime_no_prior": "{total}. No hay datos anteriores con que comparar.",
        "crime_no_prior_note": "No hay datos anteriores con que comparar: las cifras públicas no llegan a los mismos "
        "meses del año anterior.",
        "crime_versus": "{total}; los mismos meses del año pasado: {previous}.",
        "crime_span": "Del {start} al {end}",
        "crime_whole_months": "Meses completos: {period}",
        "crime_whole_quarters": "Trimestres completos: {period}",
        "crime_trimmed": "El período elegido empieza o termina a mitad de un mes: ese mes incompleto se deja fuera, "
        "porque las cifras públicas solo cuentan meses completos.",
        "crime_trimmed_quarters": "El período elegido empieza o termina a mitad de un trimestre: ese trimestre "
        "incompleto se deja fuera, porque la diapositiva solo cuenta trimestres completos.",
        "crime_no_whole": "Ningún mes completo de cifras públicas cae en este período (terminan con el último mes "
        "completo antes del retraso de publicación).",
        "crime_unreleased": "Las cifras públicas de este conjunto de datos no superaron su control de privacidad, así "
        "que no se muestra ninguna.",
        "hidden_total": "no se muestra (incluye un recuento oculto)",
        "crime_n": "{n} incidentes",
        "crime_n_small": "menos de {min} incidentes",
        "crime_n_not_shown": "un número de incidentes que no se muestra (oculto para que no se deduzca un recuento "
        "pequeño)",
        "crime_n_contains": "un total que no se muestra, porque incluye un recuento oculto,",
        "no_data": "sin datos",
        "crime_public_rules": "Cifras públicas: sin delitos sensibles, sin los últimos {lag} días, "
        "recuentos menores de {min} suprimidos.",
        "crime_method": "Incidentes registrados, contados por el mes en que ocurrieron, tal como los da la publicación "
        "pública (las mismas cifras que la página pública de transparencia): los meses completos del "
        "período elegido, hasta el último mes completo antes de los últimos {lag} días, frente a los mismos "
        "meses un año antes donde la publicación los tiene. Cuentan todos los incidentes, también los "
        "sensibles: un total mensual por zona no ubica a nadie. Los recuentos de 1 a {min_minus} muestran "
        '"menos de {min}"; donde un total permitiría deducir un recuento oculto, se ocultan otros ("no se '
        'muestra"), elegidos sobre todas las tablas publicadas a la vez. El cambio se juzga con la prueba '
        "exacta para dos conteos, solo cuando ambos totales se muestran: un cambio real cuando el azar solo "
        "daría uno tan grande menos de 1 vez de cada 100 (p < 0,01); a vigilar, menos de 1 de cada 20 "
        "(p < 0,05).",
        "hotspot_title": "Dónde se concentran los incidentes",
        "hotspot_message": "{hot} hexágonos son puntos calientes con 90% de confianza o más.",
        "hotspot_message_one": "1 hexágono es un punto caliente con 90% de confianza o más.",
        "hotspot_none": "Ningún punto caliente se distingue del azar en esta zona y período.",
        "hotspot_refused": "No hay suficientes datos públicos para un mapa de puntos calientes: {reason}",
        "hotspot_method": "Los puntos calientes son hexágonos de {km2} km2 que, junto con sus seis vecinos, "
        "tienen muchos más incidentes en el período que el promedio de la zona: más de lo que "
        "daría el azar (confianza del 90, 95 o 99%), aun teniendo en cuenta que se comparan "
        "muchos hexágonos a la vez. Los puntos fríos tienen muchos menos. Los delitos sexuales, "
        "los incidentes domésticos y los que involucran a menores se dejan fuera y solo se "
        "muestran como totales por zona. No se muestra ninguna ubicación más fina que un hexágono. "
        "En términos técnicos: Gi* de Getis-Ord sobre hexágonos H3 (resolución {res}), corregido "
        "por tasa de falsos descubrimientos.",
        "station": "Estación de policía",
        "hexagon": "hexágono",
        "hexagons": "hexágonos",
        "engagement_title": "Participación comunitaria",
        "engagement_message": "{events} eventos comunitarios realizados.",
        "engagement_attendance": "{events} eventos comunitarios realizados; asistieron {attendance} personas "
        "donde se contó.",
        "engagement_none": "No hay eventos comunitarios registrados en esta zona y período.",
        "events": "Eventos realizados",
        "attendance_unknown": "No se registra la asistencia de estos eventos.",
        "attendance_known": "Asistencia registrada en {known} de {events} eventos.",
        "concerns_title": "Ustedes dijeron, nosotros hicimos",
        "concerns_message": "Lo que plantearon los vecinos y en qué punto está cada asunto.",
        "concerns_more": "Y {k} más en la página pública.",
        "concerns_none": "Ninguna preocupación planteada en esta zona y período ha sido aprobada para su publicación.",
        "concerns_dates": "planteada en {raised}; última actualización: {updated}",
        "concerns_since": "desde {raised}",
        "concerns_method": "Preocupaciones planteadas en reuniones comunitarias y registradas por el personal "
        "(registro de eventos). Solo se muestran las que un analista de la policía aprobó para su publicación, con "
        "su categoría, estado y fechas, primero las abiertas: nunca quién las planteó ni sus palabras.",
        "concerns_source": "Registro del personal de preocupaciones de la comunidad",
        "upcoming_title": "Próximos eventos",
        "upcoming_message": "{n} eventos en los próximos {days} días.",
        "upcoming_none": "No hay eventos en el calendario para los próximos {days} días.",
        "closing_title": "Estas cifras en internet",
        "closing_message": "{url}",
        "closing_no_url": "En la página pública de transparencia del departamento.",
        "closing_notes": "Las mismas cifras, con sus fuentes y métodos, están en la página pública. "
        'Los recuentos menores de {min} se muestran como "menos de {min}" en todas partes.',
        "text_title": "Ustedes dijeron, nosotros hicimos",
        "notes_figures": "Cifras:",
        "notes_caveats": "Advertencias:",
        "notes_method": "Método:",
        "suppressed": "menos de {min}",
        "not_shown": "no se muestra",
    },
}

LANGS = tuple(TEXT)


def tr(key: str, lang: str, **fmt) -> str:
    """The deck's text ``key`` in ``lang`` (English where the language is unknown), formatted."""
    table = TEXT.get(lang, TEXT["en"])
    return table[key].format(**fmt) if fmt else table[key]


def number(value, lang: str, digits: int = 0) -> str:
    """A number in the reader's convention (lib.public.i18n.number): 12,345.6 in English, 12.345,6 in Spanish."""
    from lib.public.i18n import number as fmt

    return fmt(value, lang, digits)
