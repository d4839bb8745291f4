from __future__ import annotations

from bot.i18n import Catalogs, Translator, language_name


def test_language_names_in_themselves():
    assert [language_name(c) for c in ("ru", "kk", "uz", "en")] == [
        "Русский", "Қазақ тілі", "O‘zbek", "English"]


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
