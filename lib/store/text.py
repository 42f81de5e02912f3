"""Text from data stays text: escaping where it is drawn, formula neutralising where it is downloaded.

A name in a boundary file, an event title or a venue is whatever the file said. Three places would
read more into it than text:

- HTML (Leaflet tooltips and popups, folium elements, Plotly labels, which read a subset of HTML and
  decode its entities): :func:`html_text`.
- Markdown (``st.markdown``: links, images, emphasis, LaTeX, colour directives): :func:`markdown_text`.
- A spreadsheet opening a CSV runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, after a
  tab or carriage return, one of those) as a formula: :func:`csv_safe` puts an apostrophe before such
  a cell, as OWASP's "CSV Injection" page recommends, unless the cell is a plain number (``-2.5``
  stays a number). :func:`csv_bytes` is the one way a frame becomes a downloaded CSV.

defusedcsv (PyPI) does the CSV part for the ``csv`` module's writers, but leaves cells starting
with a tab or carriage return alone and rewrites every ``|`` in a neutralised cell; the frames here
are written by pandas, so the rule is these few lines instead.
"""

from __future__ import annotations

import html
import re

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A plain decimal number as a spreadsheet reads one: sign, digits (thousands commas allowed), point, exponent.
_NUMBER = re.compile(r"[+-]?(?:\d[\d,]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
# Markdown that a data string could start (CommonMark, GitHub's extensions, Streamlit's own): escaped
# with a backslash, which CommonMark allows before any punctuation mark. Only where it would act, so
# ordinary text ("Source: chicago_crimes.csv, 1-4") reads, and is stored, as it was.
_MD_ALWAYS = re.compile(r"([\\`*\[\]<>|~$])")  # code, emphasis, links and images, HTML, tables, LaTeX
_MD_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")  # emphasis; inside a word it is text
_MD_COLON = re.compile(r":(?=[A-Za-z/])")  # :red[...] and :material/x: directives, :emoji:, https://
_MD_ENTITY = re.compile(r"&(?=#?\w+;)")  # &lt; and &#60; would show as another character
_MD_WWW = re.compile(r"(?i)\b(www)\.")  # a bare www.example.org becomes a link
_MD_BLOCK = re.compile(r"^(\s*)(?:([#+\-=>])|(\d+)([.)]))")  # heading, list, quote, setext line at the start


def html_text(value) -> str:
    """``value`` as HTML text: ``&``, ``<``, ``>`` and both quotes escaped (safe in an attribute too)."""
    return html.escape("" if value is None else str(value), quote=True)


def markdown_text(value) -> str:
    """``value`` as literal markdown text: what would be markup escaped, line breaks made spaces.

    For a data string inside ``st.markdown`` (and captions, headers, labels, which read markdown too):
    it shows exactly as written, never as a link, an image, emphasis, a heading, a list, LaTeX, an
    emoji or a colour directive.
    """
    text = " ".join(("" if value is None else str(value)).splitlines())
    text = _MD_ALWAYS.sub(r"\\\1", text)
    text = _MD_UNDERSCORE.sub(r"\\_", text)
    text = _MD_COLON.sub(r"\\:", text)
    text = _MD_ENTITY.sub(r"\\&", text)
    text = _MD_WWW.sub(r"\1\\.", text)
    return _MD_BLOCK.sub(lambda m: m[1] + ("\\" + m[2] if m[2] else m[3] + "\\" + m[4]), text)


def csv_cell(value):
    """One cell for a CSV download: a text cell a spreadsheet would run as a formula gets a leading ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names cannot run as spreadsheet formulas.

    Numeric columns are left as they are (a negative count is a number, and stays one); in text
    columns each cell goes through :func:`csv_cell`.
    """
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            s = s.astype(object)
        if pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s):
            out[col] = s.map(csv_cell, na_action="ignore")
    out.columns = [csv_cell(c) if isinstance(c, str) else c for c in out.columns]
    return out


def csv_bytes(frame: pd.DataFrame, **kw) -> bytes:
    """``frame`` as the UTF-8 bytes of a CSV download, through :func:`csv_safe` (``kw`` go to ``to_csv``).

    Rows end in CRLF (RFC 4180), which also makes the writer quote a cell holding a lone carriage
    return; with pandas' default ``\\n`` such a cell would split its row in two.
    """
    kw.setdefault("index", False)
    kw.setdefault("lineterminator", "\r\n")
    return csv_safe(frame).to_csv(**kw).encode("utf-8")
