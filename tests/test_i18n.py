from __future__ import annotations

from bot.i18n import Catalogs, Translator, language_name


def test_language_names_in_themselves():
    assert [language_name(c) for c in ("ru", "kk", "uz", "en")] == [
        "Русский", "Қазақ тілі", "Oʻzbekcha", "English"]


def test_uzbek_is_written_with_the_okina_letter_not_a_quotation_mark():
    name = language_name("uz")
    assert "\u02bb" in name and "\u2018" not in name  # MODIFIER LETTER TURNED COMMA
    assert name.isalpha()  # one word: U+02BB is a letter, U+2018 is punctuation


def test_fallback_chain(catalogs: Catalogs):
    welcome = "**Welcome.** Choose a topic."
    assert catalogs.lookup("content", "kk", "main", welcome).lang == "kk"
    assert catalogs.lookup("content", "kk", "main", "Topic").text == "Тема"  # kk → ru
    assert catalogs.lookup("content", "uz", "main", "Topic").lang == "ru"  # uz → ru
    assert catalogs.lookup("content", "ru", "topic-a", "x").lang == "en"  # ru → en


def test_fuzzy_and_context_matter(catalogs: Catalogs):
    assert catalogs.lookup("content", "ru", "topic", "About B").lang == "en"  # fuzzy: skipped
    assert catalogs.lookup("content", "ru", "other-node", "About A").lang == "en"  # context


def test_bot_words(catalogs: Catalogs):
    assert Translator(catalogs, "ru").gettext("Back") == "Назад"
    assert Translator(catalogs, "kk").gettext("Back") == "Назад"
    assert Translator(catalogs, "en").gettext("Back") == "Back"
