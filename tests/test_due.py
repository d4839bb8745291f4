"""A moderator plans the month's checks: what falls due, when, and where to edit it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.due import due
from bot.tree.load import load_tree
from bot.tree.model import Tree
from tests.conftest import ROOT, TODAY


@pytest.fixture
def site(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "content", tmp_path / "content")
    shutil.copytree(ROOT / "locales", tmp_path / "locales")
    return tmp_path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def loaded(site: Path) -> Tree:
    result = load_tree(site / "content")
    assert result.tree is not None, [str(p) for p in result.problems]
    return result.tree


def test_every_answer_and_contact_is_listed_oldest_first(site: Path):
    tree = loaded(site)
    items = due(tree, TODAY)
    answers = [n for n in tree.nodes.values() if n.reviewed is not None]
    assert len(items) == len(answers) + len(tree.contacts)
    assert [i.on for i in items] == sorted(i.on for i in items)
    for item in items:
        if item.kind == "answer":
            node = tree.nodes[item.id]
            assert item.on == node.reviewed + timedelta(days=node.review_days)
            assert item.place == node.place


def test_an_old_answer_and_an_old_contact_come_first_with_their_lines(site: Path):
    contacts = site / "content" / "contacts.yaml"
    edit(site / "content" / "asylum.yaml",
         "    contacts: [dept-employment, unhcr-almaty]\n    reviewed: 2026-11-28",
         "    contacts: [dept-employment, unhcr-almaty]\n    reviewed: 2025-10-01")
    edit(contacts, "    source: unhcr-kazakhstan-page\n    taken: 2026-11-28\n",
         "    source: unhcr-kazakhstan-page\n    taken: 2026-01-10\n    confirmed: 2026-05-01\n")
    items = due(loaded(site), TODAY)
    first, second = items[0], items[1]
    assert (first.kind, first.id, first.on) == ("answer", "asylum-apply", date(2026, 10, 1))
    assert first.why == "reviewed 2025-10-01, every 365 days"
    assert first.days_left(TODAY) == -58
    line = (site / "content" / "asylum.yaml").read_text().splitlines()[first.place.line - 1]
    assert line.strip() == "- id: asylum-apply"
    assert (second.kind, second.id, second.on) == ("contact", "unhcr-almaty", date(2026, 10, 28))
    assert second.why == "confirmed 2026-05-01, every 180 days"
    assert contacts.read_text().splitlines()[second.place.line - 1].strip() == \
        "- id: unhcr-almaty"


def test_a_contact_nobody_confirmed_is_due_now(site: Path):
    tree = loaded(site)
    never = [i for i in due(tree, TODAY) if i.kind == "contact" and i.checked is None]
    assert {i.id for i in never} == {c.id for c in tree.contacts.values() if c.confirmed is None}
    unhcr = next(i for i in never if i.id == "unhcr-almaty")
    assert unhcr.on == TODAY and unhcr.days_left(TODAY) == 0
    assert unhcr.why == "never confirmed, taken from unhcr-kazakhstan-page on 2026-11-28"


def test_within_keeps_what_falls_due_by_then(site: Path):
    edit(site / "content" / "work.yaml", "reviewed: 2026-11-28", "reviewed: 2025-12-10")
    tree = loaded(site)
    soon = due(tree, TODAY, within=30)
    assert soon and all(i.on <= TODAY + timedelta(days=30) for i in soon)
    assert any(i.kind == "answer" and i.on == date(2026, 12, 10) for i in soon)
    assert not any(i.on == date(2027, 11, 28) for i in soon)  # the rest, a year away
    assert due(tree, TODAY, within=0) == [i for i in soon if i.on <= TODAY]
    assert len(due(tree, TODAY, within=400)) == len(due(tree, TODAY))


def komek(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=site, capture_output=True,
                          text=True, timeout=120,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def test_the_command_prints_date_place_and_why(site: Path):
    done = komek(site, "due")
    assert done.returncode == 0, done.stderr
    # A contact nobody confirmed is due whatever day the test runs.
    line = next(x for x in done.stdout.splitlines() if "'unhcr-almaty'" in x)
    assert line.split()[1] == "now"
    at = (site / "content" / "contacts.yaml").read_text().splitlines() \
        .index("  - id: unhcr-almaty") + 1
    assert line.endswith(f"content/contacts.yaml:{at}: contact 'unhcr-almaty': never "
                         "confirmed, taken from unhcr-kazakhstan-page on 2026-11-28")
    assert "contacts never confirmed" in done.stdout.splitlines()[-1]
    listed = json.loads(komek(site, "due", "--within", "0", "--json").stdout)
    assert {"due", "days_left", "kind", "id", "file", "line", "why"} <= set(listed[0])
    assert all(item["days_left"] <= 0 for item in listed)
    assert any(item["id"] == "unhcr-almaty" and item["file"] == "content/contacts.yaml"
               for item in listed)
    bad = komek(site, "due", "--within", "a month")
    assert bad.returncode == 2 and "is not a number of days" in bad.stderr
