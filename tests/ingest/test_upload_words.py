"""The Data page's words for command-line errors (lib/ingest/uploads.py): no flag reaches the browser."""

from lib.ingest import uploads


def test_a_missing_boundary_level_is_asked_for_in_the_forms_words():
    said = uploads.plain_words("Boundaries need a level name: --level beat (or district, precinct ...).")
    assert "--" not in said
    assert said == 'Boundaries need a level name: type one in "Boundary level name" (beat, district, precinct ...).'


def test_the_level_name_starts_from_the_file_name():
    assert uploads.guess_level("houston_police_beats.geojson", ["OBJECTID"]) == "beat"
    assert uploads.guess_level("layer.geojson", ["OBJECTID"]) == ""  # the page then starts from "area"
