"""Every page renders through AppTest on the embedded data, with no exception."""

import pytest

PAGES = [
    "pages/public/transparency.py",
    "pages/staff/overview.py",
    "pages/staff/data.py",
    "pages/public/about.py",
    "pages/staff/trust.py",
    "pages/staff/engagement.py",
    "pages/staff/event_log.py",
    "pages/staff/impact.py",
    "pages/staff/map.py",
    "pages/staff/accountability.py",
]


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_without_exception(run_page, page):
    at = run_page(page)
    assert not at.exception, [e.value for e in at.exception]
    assert at.title, "every page has a title"
