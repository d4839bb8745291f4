"""The repository carries the documents its readers need, and no link leads out of it."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from scripts import sync_docs
from tests.conftest import ROOT

SKIP_DIRS = {".git", ".venv", ".pytest_cache", ".mypy_cache", ".ruff_cache", "node_modules"}
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^\s*\[[^\]]+\]:\s*(\S+)", re.MULTILINE)
CODE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)


def markdown_files() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.md")
                  if not SKIP_DIRS & set(p.relative_to(ROOT).parts))


def links(text: str) -> list[str]:
    prose = re.sub(r"`[^`\n]*`", "", CODE.sub("", text))  # examples in code are not links
    return LINK.findall(prose) + REFERENCE.findall(prose)


def test_the_documents_readers_need_are_in_the_repository():
    for copy in sync_docs.COPIES:
        assert (ROOT / copy).is_file(), copy
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    guide = (ROOT / "content" / "README.md").read_text(encoding="utf-8")
    for target in ("docs/DESIGN.md", "docs/glossary.md", "docs/legal-facts.md"):
        assert f"]({target})" in readme, target
    for target in ("../docs/glossary.md", "../docs/legal-facts.md"):
        assert f"]({target})" in guide, target


def test_every_research_id_of_a_source_is_in_the_legal_facts():
    import yaml

    facts = (ROOT / "docs" / "legal-facts.md").read_text(encoding="utf-8")
    sources = yaml.safe_load((ROOT / "content" / "sources.yaml").read_text(encoding="utf-8"))
    ids = {s["research"] for s in sources["sources"] if "research" in s}
    assert ids
    for research in sorted(ids):
        for part in re.split(r"[,;/ ]+", str(research)):
            if part:
                assert re.search(rf"\*\*{re.escape(part)}(\*\*|\.)", facts), research


def test_no_markdown_document_links_outside_the_repository():
    files = markdown_files()
    assert {"README.md", "CHANGELOG.md", "content/README.md", "docs/DESIGN.md"} <= \
        {p.relative_to(ROOT).as_posix() for p in files}
    for path in files:
        text = path.read_text(encoding="utf-8")
        where = path.relative_to(ROOT)
        assert "../shared" not in text, f"{where} points at ../shared, outside the repository"
        for link in links(text):
            if re.match(r"^[a-z][a-z0-9+.-]*:", link) or link.startswith("#"):
                continue  # a web address or a place in the same page
            target = (path.parent / link.split("#")[0]).resolve()
            assert target.is_relative_to(ROOT), f"{where}: {link} leaves the repository"
            assert target.exists(), f"{where}: {link} names a file that does not exist"


def test_the_link_check_sees_what_it_must():
    text = "See [a](../../x.md), [b](https://e.org), `[c](nope.md)`,\n```\n[d](gone.md)\n```\n"
    assert links(text) == ["../../x.md", "https://e.org"]


def shared_folder() -> Path:
    """The shared folder beside the repository, as CI lays it (SHARED_DIR may point to it)."""
    shared = Path(os.environ.get("SHARED_DIR", sync_docs.SHARED))
    if not shared.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"CI lays the shared folder beside the clone, but {shared} is missing")
        pytest.skip(f"no shared folder at {shared} (set SHARED_DIR to check the copies)")
    return shared


def test_the_copies_in_docs_are_in_step_with_the_shared_folder():
    shared = shared_folder()
    assert sync_docs.stale(shared) == [], "run: python scripts/sync_docs.py"
    for copy, text in sync_docs.rendered(shared).items():
        assert (ROOT / copy).read_text(encoding="utf-8") == text, copy
