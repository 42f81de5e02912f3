"""Public text in English and Spanish (lib/public/i18n.py): complete catalogs, placeholders that match, the URL switch."""

import re

import pytest

from lib.public import i18n


def test_every_key_is_in_every_catalog_with_the_same_placeholders():
    en, es = i18n.catalog("en"), i18n.catalog("es")
    assert set(en) == set(es)
    for key in en:
        assert set(re.findall(r"{(\w+)}", en[key])) == set(re.findall(r"{(\w+)}", es[key])), key
        assert es[key].strip(), key


def test_spanish_texts_are_translated():
    en, es = i18n.catalog("en"), i18n.catalog("es")
    same = [k for k in en if en[k] == es[k] and len(en[k]) > 12]
    assert same == []


@pytest.mark.parametrize(
    "query, lang",
    [
        ({"lang": "es"}, "es"),
        ({"lang": "ES"}, "es"),
        ({"lang": "fr"}, "en"),
        ({}, "en"),
        ({"lang": ["es"]}, "es"),
        ({"lang": "es-MX"}, "es"),
    ],
)
def test_language_from_the_url(query, lang):
    assert i18n.lang_from(query) == lang


def test_numbers_and_dates_in_each_language():
    assert i18n.number(12345.6, "en", 1) == "12,345.6"
    assert i18n.number(12345.6, "es", 1) == "12.345,6"
    assert i18n.date_text("2019-09-22", "es") == "22 de septiembre de 2019"
    assert i18n.month_text("2019-09-01", "en") == "September 2019"


def test_a_missing_key_fails_loudly():
    with pytest.raises(KeyError):
        i18n.t("no.such.key", "es")
