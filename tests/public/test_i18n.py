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


# Names a resident would not know: they may appear only in a method note, after its plain words.
TECHNICAL = re.compile(r"Getis|Gi\*|\bH3\b|false discovery|falsos descubrimientos")
AFTER = {"en": "In technical terms:", "es": "En términos técnicos:"}


def test_public_text_says_it_in_plain_words_before_any_technical_name():
    from lib.deck import text as deck_text

    for lang in ("en", "es"):
        texts = {**i18n.catalog(lang), **{f"deck.{k}": v for k, v in deck_text.TEXT[lang].items()}}
        for key, value in texts.items():
            found = TECHNICAL.search(value)
            if not found:
                continue
            assert key.endswith("method"), f"{lang} {key} names {found.group(0)} outside a method note"
            lead = value.find(AFTER[lang])
            assert 0 < lead < found.start(), f"{lang} {key}: {found.group(0)} before the plain words"
            assert "hex" in value[:lead] and ("neighbours" in value[:lead] or "vecinos" in value[:lead])
