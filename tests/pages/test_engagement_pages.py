"""The Engagement, Event log and Programme impact pages: AppTest interaction tests and a real browser."""

import datetime as dt

from tests.conftest import screenshot, sign_in


def metrics(at) -> dict:
    return {m.label: m.value for m in at.metric}


# -- Engagement -----------------------------------------------------------------


def test_engagement_shows_2016_2018_by_district(run_page):
    at = run_page("pages/staff/engagement.py", eng_level="district", eng_view="By area")
    assert not at.exception, [e.value for e in at.exception]
    m = metrics(at)
    assert m["Events held"] == "6,192" and m["Districts reached"].endswith("of 23")
    assert m["Attendance (not recorded)"] == "–"
    assert any("Jan 1, 2016 to Dec 31, 2018" in c.value for c in at.caption)
    table = at.dataframe[0].value.set_index("district")
    assert len(table) == 23 and table.loc["8", "events"] > 200 and table.loc["31", "events"] == 0
    assert "attendance" not in table.columns, "no empty attendance column for a calendar without it"
    assert at.get("plotly_chart"), "the map is drawn"


def test_engagement_by_beat_within_a_district(run_page):
    at = run_page("pages/staff/engagement.py", eng_level="beat", eng_view="By area", eng_within="8")
    assert not at.exception
    table = at.dataframe[0].value
    assert set(table["beat"]) == {
        "811",
        "812",
        "813",
        "814",
        "815",
        "821",
        "822",
        "823",
        "824",
        "825",
        "831",
        "832",
        "833",
        "834",
        "835",
    }
    assert (table["events"] > 0).all()
    assert len(at.get("plotly_chart")) == 2, "map and the beat-by-quarter heat map"


def test_engagement_over_time_and_period(run_page):
    at = run_page("pages/staff/engagement.py", eng_from="2017-01-01", eng_to="2017-12-31", eng_step="quarter")
    assert not at.exception
    assert any("Jan 1, 2017 to Dec 31, 2017" in c.value for c in at.caption)
    assert int(metrics(at)["Events held"].replace(",", "")) < 6192


def test_engagement_says_attendance_is_not_recorded(run_page):
    at = run_page("pages/staff/engagement.py", eng_view="Attendance")
    assert not at.exception
    assert any("Attendance is not recorded" in i.value for i in at.info)


def test_engagement_coverage_gaps_and_joined_view(run_page):
    at = run_page("pages/staff/engagement.py", eng_level="district", eng_view="Coverage gaps")
    assert not at.exception
    gaps = at.dataframe[0].value
    assert gaps["gap"].is_monotonic_decreasing and "trust" in gaps
    assert any("scores from Nov 2017 to Dec 2018" in c.value for c in at.caption), "the months trust covers"
    at = run_page("pages/staff/engagement.py", eng_level="district", eng_view="Area by month")
    joined = at.dataframe[0].value
    assert len(joined) == 23 * 36 and {"events", "incidents", "TRUST", "SAFETY"} <= set(joined.columns)
    assert any(b.label == "Download district by month (CSV)" for b in at.get("download_button"))


def test_engagement_rejects_a_backwards_period(run_page):
    at = run_page("pages/staff/engagement.py", eng_from="2018-06-01", eng_to="2018-01-01")
    assert not at.exception
    assert any("ends before it starts" in e.value for e in at.error)


# -- Event log --------------------------------------------------------------------


def _count(app_env, sql):
    """Ask the store the app itself has open (DuckDB allows one process-wide connection per file)."""
    from lib.app import cached

    return cached.store().scalar(sql)


def test_event_log_refuses_bad_input_and_saves_nothing(run_page, app_env):
    at = run_page("pages/staff/event_log.py")
    before = _count(app_env, "SELECT count(*) FROM events")
    at.time_input(key="log_new_start").set_value(dt.time(19, 0))
    at.time_input(key="log_new_end").set_value(dt.time(18, 0))  # ends before it starts
    at.number_input(key="log_new_attendance").set_value(250_000)
    at.get("form_submit_button")[0].click().run()
    assert not at.exception
    error = at.error[0].value
    for reason in ("Give your name", "end time must be after", "Say where it was held", "Attendance must be"):
        assert reason in error
    assert "nothing was written" in error
    assert _count(app_env, "SELECT count(*) FROM events") == before


def test_event_log_records_then_edits_with_history(run_page, app_env):
    at = run_page("pages/staff/event_log.py")
    at.selectbox(key="log_new_level").select("beat").run()
    at.selectbox(key="log_new_area_beat").select("1133")
    at.selectbox(key="log_new_type").select("Coffee with a Cop")
    at.date_input(key="log_new_date").set_value(dt.date(2018, 7, 14))
    at.time_input(key="log_new_start").set_value(dt.time(9, 0))
    at.time_input(key="log_new_end").set_value(dt.time(11, 0))
    at.number_input(key="log_new_attendance").set_value(18)
    at.text_input(key="log_new_editor").input("Sgt. Ruiz")
    at.get("form_submit_button")[0].click().run()
    assert not at.exception and not at.error
    assert at.success[0].value.startswith("Saved as log-")
    event_id = at.success[0].value.split()[2].rstrip(".")
    assert _count(app_env, "SELECT count(*) FROM events WHERE dataset = 'Staff event log'") == 1

    at.segmented_control(key="log_task").set_value("Edit or remove").run()
    prefix = f"log_edit_{event_id}"
    assert at.number_input(key=f"{prefix}_attendance").value == 18
    at.number_input(key=f"{prefix}_attendance").set_value(23)
    at.text_input(key=f"{prefix}_editor").input("Lt. Boyd")
    at.text_input(key=f"log_edit_reason_{event_id}").input("late sign-ins")
    at.get("form_submit_button")[0].click().run()
    assert not at.exception and not at.error
    history = at.dataframe[-1].value
    assert history["action"].tolist() == ["edited", "created"]
    assert history.iloc[0]["changes"] == "attendance: 18 -> 23" and history.iloc[0]["editor"] == "Lt. Boyd"

    at = run_page("pages/staff/engagement.py", eng_level="beat", eng_view="By area", eng_within="11")
    table = at.dataframe[0].value.set_index("beat")
    assert table.loc["1133", "attendance"] == 23, "the logged event counts on the Engagement page"


def test_type_rules_editor_previews_the_types(run_page):
    at = run_page("pages/staff/event_log.py", log_task="Type rules")
    assert not at.exception
    preview = next(d.value for d in at.dataframe if "events" in d.value.columns)
    assert preview["events"].sum() == 6202, "the preview types every stored event"
    assert preview.set_index("type").loc["Beat meeting", "events"] > 3500
    assert any("In force: the defaults" in c.value for c in at.caption)


# -- Programme impact ------------------------------------------------------------------


def test_impact_page_gives_an_estimate_with_its_interval(run_page):
    at = run_page("pages/staff/impact.py", imp_level="district")
    assert not at.exception, [e.value for e in at.exception]
    metric = at.metric[0]
    assert metric.value.endswith("%") and "95% CI" in metric.delta
    assert any("Association is not causation" in m.value for m in at.markdown)
    headers = [h.value for h in at.header]
    assert headers == ["Difference-in-differences", "Weighted displacement difference", "Interrupted time series"]


def test_impact_refuses_trust_without_enough_months_before(run_page):
    at = run_page("pages/staff/impact.py", imp_level="district")
    at.selectbox(key="imp_outcome").select("TRUST").run()
    assert not at.exception
    warnings = " ".join(w.value for w in at.warning)
    assert "Too little data before the start" in warnings
    assert "Weighted displacement difference" not in [h.value for h in at.header], "WDD is for counts only"


# -- a real browser ------------------------------------------------------------------------


def _open(page, url, role="viewer"):
    sign_in(page, url, role)  # a deep link: the router serves it (tests/test_router.py) once signed in
    page.wait_for_selector('[data-testid="stAppViewContainer"]', timeout=60_000)


def test_browser_engagement_by_district(served_app, page):
    _open(page, f"{served_app}/engagement?eng_level=district&eng_view=By+area")
    page.wait_for_selector("text=Districts reached", timeout=90_000)
    page.wait_for_selector(".js-plotly-plot", timeout=60_000)
    page.wait_for_timeout(1500)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator(".js-plotly-plot path.js-fill, .js-plotly-plot .scatterlayer path").count() > 20
    screenshot(page, "engagement_by_district")


def test_browser_event_log_refuses_then_saves(served_app, page):
    _open(page, f"{served_app}/event-log", "analyst")
    page.wait_for_selector("text=Save event", timeout=90_000)
    page.get_by_role("button", name="Save event").click()
    page.wait_for_selector("text=Not saved: nothing was written.", timeout=60_000)
    body = page.locator('[data-testid="stAlert"]').inner_text()
    assert "Give your name" in body and "Say where it was held" in body
    screenshot(page, "event_log_refused")

    page.get_by_role("textbox", name="Location (venue and address)").fill(
        "Garfield Park Fieldhouse, 100 N Central Park Ave"
    )
    page.get_by_role("spinbutton", name="hour, Start time").click()
    page.keyboard.type("18")
    page.get_by_role("spinbutton", name="minute, Start time").click()
    page.keyboard.type("30")
    page.get_by_role("textbox", name="Recorded by").fill("Officer Diaz")
    page.get_by_role("button", name="Save event").click()
    page.wait_for_selector("text=It now counts on the Engagement page", timeout=60_000)
    screenshot(page, "event_log_saved")

    _open(page, f"{served_app}/event-log?log_task=History", "analyst")
    page.wait_for_selector("text=Every creation, edit and removal", timeout=60_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, "event_log_history")


def test_browser_programme_impact(served_app, page):
    _open(page, f"{served_app}/impact?imp_level=district")
    page.wait_for_selector("text=Interrupted time series", timeout=120_000)
    page.wait_for_selector("text=95% CI", timeout=60_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, "programme_impact")
