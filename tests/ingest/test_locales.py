"""Exports from Spanish-language systems: semicolons, decimal commas, day-first dates, Spanish headers."""

from __future__ import annotations

from lib.ingest import load as ingest
from lib.ingest import offense_groups

# A Medellín-style export: semicolon separated, coordinates with decimal commas, day-first dates.
SPANISH = """fecha_hecho;hora;delito;latitud;longitud;barrio;cantidad
01/02/2021;08:15;HURTO A PERSONAS;6,2441;-75,5812;La Candelaria;1
15/02/2021;21:40;LESIONES PERSONALES;6,2518;-75,5636;Robledo;2
28/02/2021;23:05;Hurto de motocicletas;6,2300;-75,6000;Belén;1
"""


def test_a_spanish_semicolon_export_loads_with_its_locations(duck, tmp_path):
    path = tmp_path / "hechos.csv"
    path.write_text(SPANISH, encoding="utf-8")
    report = ingest.load(duck, "incidents", path)
    assert report.mapping == {
        "occurred_at": "fecha_hecho",
        "occurred_time": "hora",
        "offense": "delito",
        "count": "cantidad",
        "latitude": "latitud",
        "longitude": "longitud",
        "area": "barrio",
    }
    assert (report.rows_loaded, report.rows_not_geocoded, report.incidents_loaded) == (3, 0, 4)
    rows = duck.query("SELECT occurred_at, offense, latitude FROM incidents ORDER BY occurred_at")
    assert rows["occurred_at"].dt.strftime("%Y-%m-%d %H:%M").tolist() == [
        "2021-02-01 08:15",
        "2021-02-15 21:40",
        "2021-02-28 23:05",
    ]
    assert rows["latitude"].tolist() == [6.2441, 6.2518, 6.23]
    groups = [offense_groups.group_of(o) for o in rows["offense"]]
    assert groups == ["Theft", "Assault and battery", "Motor vehicle theft"]
