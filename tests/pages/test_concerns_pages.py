"""Concerns ("You said, we did") through AppTest: the Event log's Concerns task and the Transparency page's list."""

import datetime as dt

import pandas as pd

from lib.engagement import concerns


def _store():
    """The store the app itself has open (DuckDB allows one process-wide connection per file)."""
    from lib.app import cached

    return cached.store()


def test_event_log_raises_updates_and_publishes_a_concern(run_page, app_env):
    at = run_page("pages/staff/event_log.py", log_task="Concerns", log_concerns_do="Raise")
    assert not at.exception, [e.value for e in at.exception]
    at.selectbox(key="log_concern_level").select("beat").run()
    at.get("form_submit_button")[0].click().run()
    error = at.error[0].value
    for reason in ("Give the date it was raised", "Say in which area", "Use one of", "Write down the concern"):
        assert reason in error
    assert "nothing was written" in error and concerns.listing(_store()).empty

    at.date_input(key="log_concern_date").set_value(dt.date(2018, 5, 2))
    at.selectbox(key="log_concern_area").select("1133")
    at.selectbox(key="log_concern_cat").select("traffic")
    at.text_area(key="log_concern_text").input("Mrs Alvarez: cars speed past the school on Kedzie")
    at.get("form_submit_button")[0].click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    concern_id = at.success[0].value.split()[2].rstrip(",")
    assert concerns.get(_store(), concern_id)["status"] == "open"

    at.segmented_control(key="log_concerns_do").set_value("Open by age").run()
    table = at.dataframe[0].value
    today = pd.Timestamp.now().normalize()
    assert table["concern_id"].tolist() == [concern_id]
    assert table["days_open"].iloc[0] == (today - pd.Timestamp("2018-05-02")).days

    at.segmented_control(key="log_concerns_do").set_value("Update").run()
    at.selectbox(key=f"log_concern_status_{concern_id}").select("not possible")
    at.get("form_submit_button")[0].click().run()
    assert "Say why it is not possible" in at.error[0].value
    at.selectbox(key=f"log_concern_status_{concern_id}").select("done")
    at.date_input(key=f"log_concern_on_{concern_id}").set_value(dt.date(2018, 6, 1))
    at.text_area(key=f"log_concern_action_{concern_id}").input("Speed camera signs and two patrols a week")
    at.get("form_submit_button")[0].click().run()
    assert not at.error and at.success[0].value == "Update saved."
    history = at.dataframe[-1].value
    assert history["kind"].tolist() == ["update", "raised"] and history["recorded_by"].iloc[0] == "analyst"

    at.segmented_control(key="log_concerns_do").set_value("Publish").run()
    at.text_input(key=f"log_concern_public_{concern_id}").input("Speeding near the Kedzie school")
    at.get("form_submit_button")[0].click().run()
    assert not at.error and at.success[0].value.startswith("Approved")
    items = concerns.public_items(_store(), "beat", area="1133")
    assert items[["status", "raised", "updated"]].values.tolist() == [["Done", "2018-05", "2018-06-01"]]


def test_event_log_import_task_says_what_the_file_needs(run_page):
    # AppTest cannot upload a file: the import itself is tested in tests/engagement and tests/test_cli.py.
    at = run_page("pages/staff/event_log.py", log_task="Concerns", log_concerns_do="Import CSV")
    assert not at.exception, [e.value for e in at.exception]
    text = " ".join(m.value for m in at.markdown)
    assert "required: raised_on, area, category, text" in text and "one bad row and nothing is imported" in text


def _rendered(at) -> str:
    parts = [x.value for x in (*at.markdown, *at.caption, *at.header, *at.subheader, *at.info, *at.success)]
    parts += [" ".join(map(str, d.value.astype(str).to_numpy().ravel())) for d in at.dataframe]
    return "\n".join(parts)


def test_transparency_lists_only_approved_concerns_in_both_languages(run_page, app_env):
    store = _store()
    said = "Mr Okafor at 4410 W Madison: cars speed past the school"
    a = concerns.raise_concern(store, concerns.Concern("2018-05-02", "beat", "1133", "traffic", said), "Sgt. Ruiz")
    b = concerns.raise_concern(
        store, concerns.Concern("2018-06-11", "beat", "1133", "youth", "Nothing for teens"), "Ruiz"
    )
    c = concerns.raise_concern(
        store, concerns.Concern("2018-07-20", "beat", "1134", "drugs", "Dealing on the corner"), "R"
    )
    concerns.update(store, a, "done", "Officer Diaz put up speed signs", "2018-06-01", "Lt. Boyd")
    concerns.approve(store, a, "analyst Kim", "Speed signs near the school")
    concerns.approve(store, c, "analyst Kim")

    at = run_page(level="beat", area="1133")
    assert not at.exception, [e.value for e in at.exception]
    assert "You said, we did" in [s.value for s in at.subheader]
    table = next(d.value for d in at.dataframe if "Concern" in d.value.columns)
    assert table.to_dict("records") == [
        {
            "Concern": "Traffic and speeding",
            "Status": "Done",
            "Raised (month)": "2018-05",
            "Last update": "2018-06-01",
            "Note": "Speed signs near the school",
        }
    ], "beat 1133's approved concern only: not the unapproved one, nor beat 1134's"
    text = _rendered(at)
    assert "Source: the police department's log of concerns" in text
    for secret in ("Okafor", "4410", "Diaz", "Ruiz", "Boyd", "Kim", "teens", said, b):
        assert secret not in text

    at = run_page(lang="es", level="beat")
    table = next(d.value for d in at.dataframe if "Preocupación" in d.value.columns)
    assert sorted(table["Estado"]) == ["Abierta", "Hecho"]
    assert set(table["Zona policial"]) == {"1133", "1134"}
    assert "Ustedes dijeron, nosotros hicimos" in [s.value for s in at.subheader]

    at = run_page(level="beat", area="1111")
    assert "No concern raised in" in _rendered(at)


def test_presenter_deck_shows_a_concern_as_soon_as_it_is_approved(run_page, app_env):
    query = {
        "deck_level": "district",
        "deck_area": "8",
        "deck_from": "2018-01-01",
        "deck_to": "2018-12-31",
        "deck_dataset": "Chicago aggravated assaults",
    }
    at = run_page("pages/staff/presenter.py", **query)
    assert "**6. You said, we did** *(hidden)*" in [m.value for m in at.markdown]
    store = _store()
    cid = concerns.raise_concern(store, concerns.Concern("2018-04-03", "beat", "823", "parking", "Mr X"), "Sgt. Ruiz")
    concerns.approve(store, cid, "analyst Kim")
    at.run()  # the same session: the deck's cache follows the approval
    assert "**6. You said, we did**" in [m.value for m in at.markdown]
