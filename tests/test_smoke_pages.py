"""Every page renders through AppTest on the embedded data, with no exception."""

import pytest

PAGES = ["pages/overview.py", "pages/data.py", "pages/about.py", "pages/engagement.py", "pages/event_log.py",
         "pages/impact.py"]


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_without_exception(run_page, page):
    at = run_page(page)
    assert not at.exception, [e.value for e in at.exception]
    assert at.title, "every page has a title"
