"""A moderator's day: change a sentence, update catalogs, preview, draw, reload."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from importlib.metadata import entry_points
from io import BytesIO
from pathlib import Path

import pytest

from bot.actions import Go, encode
from bot.content import ContentSource
from bot.conversation import Press, respond
from bot.events import Fallback
from bot.session import Session
from tests.conftest import ROOT, TODAY, require_tool


@pytest.fixture
def site(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "content", tmp_path / "content")
    shutil.copytree(ROOT / "locales", tmp_path / "locales")
    return tmp_path


def komek(site: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    # A guard against a hang, not a timing: after a content pass, and until the catalogs are
    # updated once, Babel fuzzy-matches every changed English text and `i18n update` takes
    # a minute or two on a busy machine.
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=site, input=stdin,
                          capture_output=True, text=True, timeout=600,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def test_a_changed_english_sentence_goes_fuzzy_and_the_bot_falls_back(site: Path):
    work = site / "content" / "work.yaml"
    source = ContentSource.load(site / "content", site / "locales")[0]
    assert source is not None
    node = source.current.tree.nodes["work"]
    first_line = node.text.splitlines()[0]
    work.write_text(work.read_text().replace(first_line, first_line + " Read on.", 1))
    assert komek(site, "i18n", "extract").returncode == 0
    assert komek(site, "i18n", "update").returncode == 0
    po = (site / "locales" / "kk" / "LC_MESSAGES" / "content.po").read_text()
    assert "#, fuzzy" in po and "Read on." in po
    status = komek(site, "i18n", "status").stdout
    assert "kk        content" in status
    swapped, _ = source.reload()
    assert swapped
    current = source.current
    for lang, notice in (("kk", "орыс"), ("uz", "rus"), ("ru", "англ")):
        reply = respond(current, Session(lang=lang, node="main"),
                        Press("1:go:work"), TODAY)
        screen = reply.screens[0]
        assert "Read on." in screen.text  # English: every translation of it is fuzzy
        assert screen.fallback == "en"
        assert Fallback("work", lang, "en") in reply.events
        assert screen.text.startswith("<i>"), notice  # the one-line notice comes first
    check = komek(site, "check", "--strict")
    assert check.returncode == 0 and "pending: [kk] translation is fuzzy" in check.stdout


def assert_msgfmt_accepts(site: Path) -> None:
    msgfmt = require_tool("msgfmt")
    for po in sorted((site / "locales").glob("*/LC_MESSAGES/*.po")):
        done = subprocess.run([msgfmt, "--check", "-o", "/dev/null", str(po)],
                              capture_output=True, text=True)
        assert done.returncode == 0, (po, done.stderr)
        assert "warning" not in done.stderr, (po, done.stderr)


def test_every_catalog_passes_msgfmt_check():
    assert_msgfmt_accepts(ROOT)


def test_the_guide_an_urgent_fix_ships_while_one_language_is_pending(site: Path):
    """content/README.md, "An urgent fix": the English and two languages now, Uzbek later."""
    from babel.messages.pofile import read_po, write_po

    asylum = site / "content" / "asylum.yaml"
    asylum.write_text(asylum.read_text().replace("      - Count 5 days from your arrival",
                                                 "      - Count 7 days from your arrival", 1))
    assert komek(site, "i18n", "extract", "--domain", "content").returncode == 0
    assert sorted(p.name for p in (site / "locales").glob("*.pot")) == ["bot.pot", "content.pot"]
    assert komek(site, "i18n", "update", "--domain", "content").returncode == 0
    assert_msgfmt_accepts(site)
    for lang, days in (("ru", "7 дней"), ("kk", "7 күн")):  # the translators do theirs
        path = site / "locales" / lang / "LC_MESSAGES" / "content.po"
        with path.open("rb") as stream:
            catalog = read_po(stream, locale=lang)
        for message in catalog:
            if message.context == "asylum-apply" and message.fuzzy:
                assert isinstance(message.string, str)
                message.string = re.sub(r"5 (дней|күн)", days, message.string, count=1)
                message.flags.discard("fuzzy")
        with path.open("wb") as stream:
            write_po(stream, catalog, width=100)
    strict = komek(site, "check", "--strict")  # what CI runs
    assert strict.returncode == 0, strict.stdout
    pending = [line for line in strict.stdout.splitlines() if "translation is fuzzy" in line]
    assert len(pending) == 1 and pending[0].startswith("locales/uz/LC_MESSAGES/content.po:")
    assert "pending: [uz] translation is fuzzy: the English changed: \"- Count 5\" is now " \
           "\"- Count 7\"" in pending[0]
    source = ContentSource.load(site / "content", site / "locales")[0]
    assert source is not None
    reply = respond(source.current, Session(lang="uz", node="asylum"),
                    Press(encode(Go("asylum-apply"))), TODAY)
    assert "7 дней" in reply.screens[0].text and reply.screens[0].fallback == "ru"


def test_a_missing_review_date_is_an_error_and_reload_refuses_it(site: Path):
    source = ContentSource.load(site / "content", site / "locales")[0]
    assert source is not None
    before = source.current
    asylum = site / "content" / "asylum.yaml"
    lines = asylum.read_text().splitlines(keepends=True)
    node = lines.index("  - id: asylum-apply\n")
    reviewed = next(n for n in range(node, len(lines)) if lines[n].startswith("    reviewed:"))
    del lines[reviewed]
    asylum.write_text("".join(lines))
    check = komek(site, "check")
    assert check.returncode == 1
    assert f"content/asylum.yaml:{node + 1}: error: answer 'asylum-apply' has sources but no " \
           "'reviewed' date; add 'reviewed:' with the day a person checked it against them" \
        in check.stdout.splitlines()
    swapped, problems = source.reload()
    assert not swapped and source.current is before
    assert any("no 'reviewed' date" in str(p) for p in problems)


def test_the_babel_extractor_entry_point():
    (point,) = [e for e in entry_points(group="babel.extractors") if e.name == "komek_content"]
    extract = point.load()
    data = (ROOT / "content" / "return.yaml").read_bytes()
    stream = BytesIO(data)
    stream.name = "return.yaml"  # type: ignore[attr-defined]
    found = list(extract(stream, {}, [], {}))
    assert found[0][1] == "pgettext"
    contexts = {context for _, _, (context, _), _ in found}
    assert {"tree:return", "return", "return-now"} <= contexts


def test_preview_in_a_language_at_a_node_leaves_nothing_behind(site: Path):
    done = komek(site, "chat", "--lang", "kk", "--node", "return-now", stdin="")
    assert done.returncode == 0, done.stderr
    assert "Бүгін" in done.stdout or "бүгін" in done.stdout
    assert sorted(p.name for p in site.iterdir()) == ["content", "locales"]
    bad = komek(site, "chat", "--node", "no-such-node")
    assert bad.returncode == 2 and "there is no node 'no-such-node'" in bad.stderr


def test_graph_mermaid_for_one_tree_in_kazakh(site: Path):
    done = komek(site, "graph", "asylum", "--lang", "kk", "--format", "mermaid")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "flowchart TD"
    assert any(line.startswith("  n_asylum[") or line.startswith("  n_asylum(")
               for line in lines)
    assert any("-->|" in line for line in lines)
    assert "пана" in done.stdout.lower()
    assert any(line.startswith("  class ") and line.endswith(" answer") for line in lines)


def test_graph_dot_passes_graphviz_and_svg_is_written(site: Path):
    dot = require_tool("dot")
    done = komek(site, "graph", "--format", "dot")
    assert done.returncode == 0
    rendered = subprocess.run([dot, "-Tsvg"], input=done.stdout, capture_output=True,
                              text=True, timeout=60)
    assert rendered.returncode == 0, rendered.stderr
    assert komek(site, "graph", "work", "--format", "svg", "-o", "work.svg").returncode == 0
    assert (site / "work.svg").read_text().lstrip().startswith("<?xml")


def test_graph_of_an_unknown_tree(site: Path):
    done = komek(site, "graph", "nope")
    assert done.returncode == 2 and "the trees are: abuse, asylum, main, return, work" \
        in done.stderr


def test_reload_swaps_a_good_tree_and_refuses_a_broken_one(site: Path):
    source = ContentSource.load(site / "content", site / "locales")[0]
    assert source is not None
    before = source.current
    work = site / "content" / "work.yaml"
    original = work.read_text()
    work.write_text(original.replace("    to: ", "    to: nowhere-", 1))
    swapped, problems = source.reload()
    assert not swapped and source.current is before
    assert any("nowhere-" in str(p) for p in problems)
    work.write_text(original)
    swapped, problems = source.reload()
    assert swapped and source.current is not before
    assert not [p for p in problems if p.level == "error"]


def test_the_guide_adding_a_node_from_yaml_to_a_kazakh_preview(site: Path):
    """content/README.md, steps 1–7, for a new screen."""
    from babel.messages.pofile import read_po, write_po

    work = site / "content" / "work.yaml"
    text = work.read_text()
    text = text.replace("    choices:\n", "    choices:\n      - label: A new screen\n"
                                         "        to: work-new\n", 1)
    text += ("\n  - id: work-new\n    text: |\n      **Keep your passport.** Nobody may take "
             "it.\n    sources:\n      - id: migration-law\n        art: \"5\"\n"
             "    reviewed: 2026-11-28\n")
    work.write_text(text)
    first = komek(site, "check")
    label_line = text.splitlines().index("      - label: A new screen") + 1
    assert first.returncode == 0  # step 2
    assert f"content/work.yaml:{label_line}: pending: [kk] not in " \
           "locales/kk/LC_MESSAGES/content.po yet: shown in en (A new screen); run i18n " \
           "extract, then i18n update" in first.stdout.splitlines()
    assert komek(site, "check", "--strict").returncode == 0  # pending translations never block
    before = komek(site, "i18n", "status").stdout
    assert komek(site, "i18n", "extract").returncode == 0  # step 3
    assert komek(site, "i18n", "update").returncode == 0
    assert_msgfmt_accepts(site)
    waiting = komek(site, "check").stdout.splitlines()
    kk_po = site / "locales" / "kk" / "LC_MESSAGES" / "content.po"
    new_at = kk_po.read_text().splitlines().index('msgid "A new screen"') + 2
    assert f"locales/kk/LC_MESSAGES/content.po:{new_at}: pending: [kk] not translated: shown in " \
           f"en (A new screen) (English at content/work.yaml:{label_line})" in waiting
    translations = {
        "ru": ("Новый экран", "**Храните свой паспорт.** Никто не может его забрать."),
        "kk": ("Жаңа экран", "**Төлқұжатыңызды сақтаңыз.** Оны ешкім ала алмайды."),
        "uz": ("Yangi ekran", "**Pasportingizni saqlang.** Uni hech kim ololmaydi."),
    }
    for lang, (label, body) in translations.items():  # step 4, as Poedit would
        path = site / "locales" / lang / "LC_MESSAGES" / "content.po"
        with path.open("rb") as stream:
            catalog = read_po(stream, locale=lang)
        catalog.get("A new screen", context="work").string = label  # type: ignore[union-attr]
        entry = catalog.get("**Keep your passport.** Nobody may take it.", context="work-new")
        assert entry is not None
        entry.string = body
        with path.open("wb") as stream:
            write_po(stream, catalog)
    assert komek(site, "check", "--strict").returncode == 0  # clean again
    assert_msgfmt_accepts(site)
    review_column = {row.split()[0]: int(row.split()[-1])
                     for row in before.splitlines() if " content " in row}
    after = komek(site, "i18n", "status").stdout  # step 5: the drafts wait for a reviewer
    for row in after.splitlines():
        if " content " in row:
            assert int(row.split()[-1]) == review_column[row.split()[0]] + 2, row
    preview = komek(site, "chat", "--lang", "kk", "--node", "work-new")  # step 6
    assert "Төлқұжатыңызды сақтаңыз." in preview.stdout
    assert "Дереккөздер" in preview.stdout
    graph = komek(site, "graph", "work", "--format", "mermaid")  # step 7
    assert 'n_work_new("work-new<br/>Keep your passport. Nobody may<br/>take it.")' in graph.stdout
