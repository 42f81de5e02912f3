"""The public pages in the visitor's language: About, the navigation and the sidebar's sign-in, kept across pages."""

import json

from lib.public.i18n import LOCALES

ABOUT = "pages/public/about.py"


def test_about_in_spanish(run_page):
    at = run_page(ABOUT, as_role=None, lang="es")
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Acerca de este panel"
    assert [h.value for h in at.header] == [
        "Datos cargados ahora",
        "Los datos incluidos",
        "Advertencias que valen para todo",
    ]
    assert "no significa que una cause lo otro" in at.markdown[-1].value
    # The loaded-data table speaks Spanish too; the embedded sources' own descriptions are said to be as published.
    loaded = at.dataframe[0].value
    assert "filas cargadas" in loaded.columns
    # Its kinds in Spanish, its sources by publisher and title (the file names are the publishers' words).
    assert set(loaded["tipo"]) == {
        "Límites de áreas",
        "Estaciones de policía",
        "Denuncias de delitos",
        "Puntuaciones de confianza y seguridad",
        "Eventos comunitarios",
        "Encuesta a residentes",
        "Quejas sobre la policía",
        "Alegaciones de quejas",
        "Reconocimientos a la policía",
    }
    assert "City of Raleigh, City of Raleigh 2018 Community Survey, respondent file" in set(loaded["fuente"])
    assert not loaded["fuente"].str.contains(r"\.(csv|gz|geojson)", regex=True).any()
    assert any("tal como las escribieron" in c.value for c in at.caption)
    # The sidebar's sign-in, in Spanish.
    assert [e.label for e in at.sidebar.expander] == ["Acceso del personal"]
    assert [b.label for b in at.sidebar.get("form_submit_button")] == ["Entrar"]


def test_about_in_english_by_default(run_page):
    at = run_page(ABOUT, as_role=None)
    assert at.title[0].value == "About this dashboard"
    assert [e.label for e in at.sidebar.expander] == ["Staff sign-in"]


def test_the_language_stays_when_the_navigation_drops_the_url(run_page):
    at = run_page(ABOUT, as_role=None, lang="es")
    del at.query_params["lang"]  # what a click in the navigation does to the URL
    at.switch_page("pages/public/transparency.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    es = json.loads((LOCALES / "es.json").read_text(encoding="utf-8"))
    assert at.title[0].value == es["page.title"]


def test_sign_in_messages_in_spanish(run_page):
    at = run_page(ABOUT, as_role=None, lang="es")
    form = at.sidebar
    form.text_input(key="sidebar_sign_in_name").input("nadie")
    form.text_input(key="sidebar_sign_in_password").input("una contraseña equivocada")
    at.sidebar.get("form_submit_button")[0].click()
    at.run()
    assert any("Nombre o contraseña incorrectos" in e.value for e in at.error)
