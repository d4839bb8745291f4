"""The translation workflow on a copy of the real content and catalogs: a changed English
sentence, a second update, a new node, a new source, a moderator's edit and a reviewer's mark.

Every catalog `update` writes must pass both GNU `msgfmt --check` and our own `check`.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from babel.messages.catalog import Message

from bot.__main__ import CODE_DIR
from bot.catalogs import content_template, coverage, extract, is_reviewed, update
from bot.i18n import CatalogFiles, read_catalog
from bot.tree.check import check
from bot.tree.load import load_tree
from bot.tree.messages import REVIEW_NOTE
from tests.conftest import TODAY, require_tool

LANGS = ("ru", "kk", "uz")
OLD_SENTENCE = "- Count 5 days from your arrival, or from the day you learned you are in danger."
NEW_SENTENCE = "- Count 7 days from your arrival, or from the day you learned you are in danger."


def refresh(site: Path) -> None:
    """`i18n extract` then `i18n update`, as a moderator runs them."""
    result = load_tree(site / "content")
    assert result.tree is not None, [str(p) for p in result.problems]
    extract(result.tree, CODE_DIR, site / "locales")
    update(site / "locales")


def problems(site: Path) -> list[str]:
    result = load_tree(site / "content")
    assert result.tree is not None
    return [str(p) for p in check(result.tree, CatalogFiles.read(site / "locales"),
                                  site / "locales", TODAY)]


def blocking(site: Path) -> list[str]:
    return [p for p in problems(site) if ": pending: " not in p]


def msgfmt_refusals(site: Path) -> list[str]:
    msgfmt = require_tool("msgfmt")
    refused = []
    for po in sorted((site / "locales").glob("*/LC_MESSAGES/*.po")):
        done = subprocess.run([msgfmt, "--check", "-o", "/dev/null", str(po)],
                              capture_output=True, text=True)
        if done.returncode != 0 or done.stderr:
            refused.append(f"{po}: {done.stderr}")
    return refused


def po(site: Path, lang: str) -> Path:
    return site / "locales" / lang / "LC_MESSAGES" / "content.po"


def entry(site: Path, lang: str, context: str, msgid: str) -> Message:
    found = read_catalog(po(site, lang), lang).get(msgid, context=context)
    assert found is not None, (lang, context, msgid)
    return found


def asylum_apply_text(site: Path) -> str:
    result = load_tree(site / "content")
    assert result.tree is not None
    return result.tree.nodes["asylum-apply"].text


def change_sentence(site: Path) -> tuple[str, str]:
    before = asylum_apply_text(site)
    asylum = site / "content" / "asylum.yaml"
    asylum.write_text(asylum.read_text().replace(OLD_SENTENCE, NEW_SENTENCE, 1))
    return before, asylum_apply_text(site)


def msgstr_line(path: Path, context: str) -> int:
    lines = path.read_text().splitlines()
    start = lines.index(f'msgctxt "{context}"')
    return next(n for n in range(start, len(lines)) if lines[n].startswith("msgstr ")) + 1


def test_a_changed_sentence_keeps_valid_catalogs_through_two_updates(site: Path):
    assert msgfmt_refusals(site) == [] and blocking(site) == []
    before, after = change_sentence(site)
    # the English each translation was made for: an entry already fuzzy keeps its older one
    made_for = {lang: entry(site, lang, "asylum-apply", before).previous_id or [before]
                for lang in LANGS}
    old = {lang: entry(site, lang, "asylum-apply", before).string for lang in LANGS}
    refresh(site)
    assert msgfmt_refusals(site) == []
    assert blocking(site) == []
    for lang in LANGS:
        changed = entry(site, lang, "asylum-apply", after)
        assert changed.fuzzy and changed.string  # the old translation, never shown as current
        assert changed.previous_id == made_for[lang]  # as `#| msgid`
        assert changed.string == old[lang]  # its own language's translation, never another's
    text = po(site, "uz").read_text()
    assert '#| msgid ""\n#| "**Apply in writing' in text
    assert "\n#| " + '"- Count 5 days from your arrival' in text
    first = {lang: po(site, lang).read_text() for lang in LANGS}
    refresh(site)  # a second update changes nothing, and garbles nothing
    assert {lang: po(site, lang).read_text() for lang in LANGS} == first
    assert msgfmt_refusals(site) == [] and blocking(site) == []


def test_the_fuzzy_message_points_at_the_po_line_and_says_what_changed(site: Path):
    change_sentence(site)
    refresh(site)
    line = msgstr_line(po(site, "ru"), "asylum-apply")
    english_at = (site / "content" / "asylum.yaml").read_text().splitlines() \
        .index("  - id: asylum-apply") + 2
    assert f"locales/ru/LC_MESSAGES/content.po:{line}: pending: [ru] translation is fuzzy: " \
           "the English changed: \"- Count 5\" is now \"- Count 7\"; the old English is its " \
           "'#| msgid'. Shown in en until you update the translation and remove '#, fuzzy' " \
           f"(English at content/asylum.yaml:{english_at})" in problems(site)


def test_a_new_node_arrives_empty_and_the_catalogs_stay_valid(site: Path):
    work = site / "content" / "work.yaml"
    text = work.read_text().replace("    choices:\n", "    choices:\n      - label: Keep it\n"
                                                    "        to: work-passport\n", 1)
    text += ("\n  - id: work-passport\n    text: |\n      **Keep your passport.** Nobody may "
             "take it.\n    sources:\n      - id: migration-law\n        art: \"5\"\n"
             "    reviewed: 2026-11-28\n")
    work.write_text(text)
    obsolete = {lang: po(site, lang).read_text().count("\n#~ msgid ") for lang in LANGS}
    refresh(site)
    assert msgfmt_refusals(site) == [] and blocking(site) == []
    for lang in LANGS:
        body = entry(site, lang, "work-passport", "**Keep your passport.** Nobody may take it.")
        label = entry(site, lang, "work", "Keep it")
        for new in (body, label):
            assert new.string == "" and not new.fuzzy and not new.previous_id
        # nothing was displaced: no translation went obsolete to make room
        assert po(site, lang).read_text().count("\n#~ msgid ") == obsolete[lang]


def test_a_new_source_is_never_prefilled_with_another_sources_title(site: Path):
    """The moderator's trial: a new art. 33 title arrived with art. 68's Russian, as fuzzy."""
    sources = site / "content" / "sources.yaml"
    sources.write_text(sources.read_text().replace(
        "  - id: criminal-code\n",
        "  - id: labour-code-33\n    title: Labour Code of Kazakhstan No. 414-V of 23 November "
        "2015, art. 33 (zakonpravo.kz copy; version date not shown)\n    date: 2015-11-23\n"
        "    research: S88\n\n  - id: criminal-code\n", 1))
    abuse = site / "content" / "abuse.yaml"
    abuse.write_text(abuse.read_text().replace("      - id: labour-code\n",
                                               "      - id: labour-code\n"
                                               "      - id: labour-code-33\n", 1))
    refresh(site)
    title = ("Labour Code of Kazakhstan No. 414-V of 23 November 2015, art. 33 (zakonpravo.kz "
             "copy; version date not shown)")
    for lang in LANGS:
        new = entry(site, lang, "source:labour-code-33", title)
        assert new.string == "" and not new.fuzzy and not new.previous_id
    assert msgfmt_refusals(site) == [] and blocking(site) == []


def test_a_label_keeps_its_translation_only_for_the_same_button(site: Path):
    refresh(site)  # the first update names each label's target in its comment
    work = site / "content" / "work.yaml"
    work.write_text(work.read_text()
                    .replace("      - label: Registration\n", "      - label: Registering\n", 1)
                    .replace("      - label: I stayed too long\n        to: work-overstay\n",
                             "      - label: Overstayed\n        to: work-change-employer\n"
                             "      - label: I stayed too long\n        to: work-overstay\n", 1))
    refresh(site)
    renamed = entry(site, "ru", "work", "Registering")
    assert renamed.fuzzy and renamed.previous_id == ["Registration"] and renamed.string
    added = entry(site, "ru", "work", "Overstayed")  # same node, another button: no guess
    assert added.string == "" and not added.fuzzy
    assert msgfmt_refusals(site) == [] and blocking(site) == []


def test_the_first_update_carries_a_renamed_label_from_an_old_catalog(site: Path):
    """Catalogs from before labels named their target: one label renamed in a node is that
    button; with two new labels in the node nothing says which, so both arrive empty."""
    work = site / "content" / "work.yaml"
    original = work.read_text()
    work.write_text(original.replace("      - label: Registration\n",
                                     "      - label: Registering\n", 1))
    refresh(site)
    renamed = entry(site, "kk", "work", "Registering")
    assert renamed.fuzzy and renamed.previous_id == ["Registration"] and renamed.string
    assert msgfmt_refusals(site) == []


def test_a_moderators_translation_counts_as_unreviewed_until_a_reviewer_marks_it(site: Path):
    work = site / "content" / "work.yaml"
    work.write_text(work.read_text().replace(
        "      - label: Registration\n",
        "      - label: Registration\n        to: work-registration\n      - label: Sign up\n", 1))
    refresh(site)
    path = po(site, "ru")

    def to_review() -> int:
        result = load_tree(site / "content")
        assert result.tree is not None
        return coverage(content_template(result.tree), read_catalog(path, "ru"), "ru",
                        "content").needs_review

    start = to_review()
    text = path.read_text()
    anchor = 'msgctxt "work"\nmsgid "Sign up"\nmsgstr ""'
    assert anchor in text
    path.write_text(text.replace(anchor, 'msgctxt "work"\nmsgid "Sign up"\nmsgstr "Записаться"'))
    assert to_review() == start + 1  # a new translation with no mark is not reviewed
    path.write_text(path.read_text().replace(
        anchor.replace('msgstr ""', 'msgstr "Записаться"'),
        "# reviewed-by: Aigerim 2026-11-28\n"
        + anchor.replace('msgstr ""', 'msgstr "Записаться"')))
    assert to_review() == start
    refresh(site)  # update seals the mark with the text it was given for
    sealed = entry(site, "ru", "work", "Sign up")
    assert is_reviewed(sealed)
    assert any(c.startswith("reviewed-by: Aigerim 2026-11-28 text:") for c in sealed.user_comments)
    path.write_text(path.read_text().replace('msgstr "Записаться"', 'msgstr "Зарегистрироваться"'))
    assert to_review() == start + 1  # edited after its review: unreviewed again
    assert any(p.startswith("locales/ru/LC_MESSAGES/content.po:") and
               ": pending: [ru] translation changed after Aigerim on 2026-11-28 reviewed it: "
               "counted as unreviewed until a reviewer marks it again" in p
               for p in problems(site))


def test_the_existing_needs_review_notes_still_count(site: Path):
    catalog = read_catalog(po(site, "kk"), "kk")
    noted = [m for m in catalog if m.id and any(REVIEW_NOTE in c for c in m.user_comments)]
    assert noted and not any(is_reviewed(m) for m in noted)
    marked = noted[0]
    marked.user_comments = ["reviewed-by: Aigerim 2026-11-28", *marked.user_comments]
    assert not is_reviewed(marked)  # the note wins until the reviewer removes it
    marked.user_comments = ["reviewed-by: Aigerim 2026-11-28"]
    assert is_reviewed(marked)


def test_a_text_removed_then_restored_gets_its_translation_back_without_a_duplicate(site: Path):
    work = site / "content" / "work.yaml"
    original = work.read_text()
    kept = entry(site, "ru", "work", "Registration").string
    work.write_text(original.replace("      - label: Registration\n        to: work-registration\n",
                                     "", 1))
    refresh(site)
    assert '#~ msgid "Registration"' in po(site, "ru").read_text()
    assert msgfmt_refusals(site) == []
    work.write_text(original)
    refresh(site)
    back = entry(site, "ru", "work", "Registration")
    assert back.string == kept and not back.fuzzy
    assert '#~ msgid "Registration"' not in po(site, "ru").read_text()
    assert msgfmt_refusals(site) == [] and blocking(site) == []
