"""Changing a deadline: every place the fact appears, in four languages, with file and line."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.find import Hit, find, find_in_po, pattern
from tests.conftest import ROOT


@pytest.fixture
def site(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "content", tmp_path / "content")
    shutil.copytree(ROOT / "locales", tmp_path / "locales")
    return tmp_path


def found(site: Path, text: str) -> list[Hit]:
    return find(text, site / "content", site / "locales")


def line_of(site: Path, hit: Hit) -> str:
    path = Path(hit.place.path)
    path = path if path.is_absolute() else site / path
    return path.read_text(encoding="utf-8").splitlines()[hit.place.line - 1]


def places(hits: list[Hit]) -> set[tuple[str, str]]:
    return {(Path(h.place.path).name, h.where) for h in hits}


def test_the_asylum_deadline_in_english_text_and_keywords(site: Path):
    hits = found(site, "5 days")
    apply = [h for h in hits if h.where.startswith("asylum-apply")]
    assert [h.where for h in apply] == ["asylum-apply text", "asylum-apply text",
                                        "asylum-apply keywords (en)"]
    assert "within 5 calendar days" in line_of(site, apply[0])  # two words may stand between
    assert "Count 5 days" in line_of(site, apply[1])
    keywords = line_of(site, apply[2]).strip()
    assert keywords.startswith("en: [") and "5 days" in keywords
    for hit in hits:
        assert "5" in line_of(site, hit), hit


@pytest.mark.parametrize(("text", "lang"), [("5 дней", "ru"), ("5 kun", "uz"), ("5 күн", "kk")])
def test_the_asylum_deadline_in_each_translation_with_its_po_line(site: Path, text: str,
                                                                  lang: str):
    hits = found(site, text)
    po = [h for h in hits if h.place.path.endswith(f"{lang}/LC_MESSAGES/content.po")]
    assert [h.where.removesuffix(" (fuzzy)") for h in po if "asylum-apply" in h.where] == \
        [f"[{lang}] msgctxt 'asylum-apply'"] * 2
    for hit in po:
        written = line_of(site, hit)
        assert written.startswith('"') and "5" in written, hit
    if lang != "kk":  # the Kazakh keywords do not name the deadline
        assert (Path("asylum.yaml").name, f"asylum-apply keywords ({lang})") in places(hits)


def test_case_does_not_matter_and_a_longer_number_does_not_match(site: Path):
    assert found(site, "unhcr") == found(site, "UNHCR") != []
    assert not pattern("5 days").search("within 15 days")
    assert pattern("5 days").search("within 5 working days")
    assert not pattern("5 days").search("5 of the 30 working days")  # three words between


def test_contacts_sources_and_buttons_are_named(site: Path):
    where = places(found(site, "258 45 98"))
    assert ("contacts.yaml", "contact unhcr-almaty phones") in where
    assert ("return.yaml", "return text") in where
    assert ("content.po", "[ru] msgctxt 'return'") in where
    assert ("sources.yaml", "source refugee-law title") in places(found(site, "On Refugees"))
    assert ("asylum.yaml", "asylum button") in places(found(site, "How and where to apply"))
    assert ("asylum.yaml", "tree asylum title") in places(found(site, "Asylum and UNHCR"))


def test_a_changed_deadline_is_gone_everywhere_once_each_place_is_edited(site: Path):
    for hit in found(site, "5 calendar days"):
        path = site / hit.place.path
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        lines[hit.place.line - 1] = lines[hit.place.line - 1].replace("5 calendar", "7 calendar")
        path.write_text("".join(lines), encoding="utf-8")
    assert found(site, "5 calendar days") == []
    assert [h.where for h in found(site, "7 calendar days")] == ["asylum-apply text"]


PO = '''msgid ""
msgstr ""
"Language: ru\\n"

#, fuzzy
#| msgid "Old 5 days"
msgctxt "asylum-apply"
msgid "Apply within 5 days."
msgstr ""
"Подайте в течение 5 "
"календарных дней."

msgctxt "work"
msgid "Work"
msgstr "Работа 5 дней"

#~ msgctxt "gone"
#~ msgid "Gone"
#~ msgstr "Было 5 дней"
'''


def test_a_phrase_wrapped_over_po_lines_fuzzy_marked_obsolete_left_out(tmp_path: Path):
    po = tmp_path / "content.po"
    po.write_text(PO, encoding="utf-8")
    hits = list(find_in_po(po, "ru", pattern("5 календарных дней")))
    assert [(h.place.line, h.where) for h in hits] == \
        [(10, "[ru] msgctxt 'asylum-apply' (fuzzy)")]
    every = list(find_in_po(po, "ru", pattern("5 дней")))
    assert [(h.place.line, h.where) for h in every] == \
        [(10, "[ru] msgctxt 'asylum-apply' (fuzzy)"), (15, "[ru] msgctxt 'work'")]


def komek(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=site, capture_output=True,
                          text=True, timeout=120,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def test_the_command_prints_file_line_and_what_holds_it(site: Path):
    done = komek(site, "find", "5 ДНЕЙ")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert any(x.startswith("content/asylum.yaml:") and "asylum-apply keywords (ru): " in x
               and "5 дней" in x for x in lines)
    assert any(x.startswith("locales/ru/LC_MESSAGES/content.po:") and
               ": [ru] msgctxt 'asylum-apply': " in x for x in lines)
    assert lines[-1].endswith("places hold '5 ДНЕЙ'")
    as_json = json.loads(komek(site, "find", "5 kun", "--json").stdout)
    assert {"file", "line", "where", "excerpt"} == set(as_json[0])
    nothing = komek(site, "find", "no such words anywhere")
    assert nothing.returncode == 1 and "0 places hold" in nothing.stdout
