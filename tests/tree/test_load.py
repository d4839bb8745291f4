from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.tree.load import load_tree
from tests.conftest import FIXTURES, ROOT


@pytest.fixture
def content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    target = tmp_path / "content"
    shutil.copytree(FIXTURES / "content", target)
    monkeypatch.chdir(tmp_path)  # problems name files as a moderator would type them
    return target


def errors(content: Path) -> list[str]:
    result = load_tree(content)
    assert result.tree is None
    return [str(p) for p in result.problems if p.level == "error"]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_the_fixture_and_the_real_content_load():
    for folder in (FIXTURES / "content", ROOT / "content"):
        result = load_tree(folder)
        assert result.tree is not None, [str(p) for p in result.problems]
        assert "main" in result.tree.nodes


def test_the_tree_is_immutable(tree):
    with pytest.raises(TypeError):
        tree.nodes["x"] = tree.nodes["main"]  # type: ignore[index]


def test_yaml_syntax_error_names_file_and_line(content: Path):
    edit(content / "topic.yaml", "    text: Is this about", "    text: [Is this about")
    found = errors(content)
    assert len(found) == 1
    assert found[0].startswith(
        "content/topic.yaml:7: error: YAML syntax: did not find expected ',' or ']'")
    assert found[0].endswith("(while parsing a flow sequence that starts on line 6)")


def test_duplicate_id(content: Path):
    edit(content / "topic.yaml", "  - id: topic-b", "  - id: topic-a")
    assert "content/topic.yaml:29: error: duplicate node id 'topic-a' " \
           "(first at content/topic.yaml:13)" in errors(content)


def test_choice_to_a_missing_node_suggests_the_near_one(content: Path):
    edit(content / "topic.yaml", "And then B\n        to: topic-b",
         "And then B\n        to: topic-bb")
    assert any(e.startswith("content/topic.yaml:26: error: choice 'And then B' goes to node "
                            "'topic-bb', which does not exist; did you mean 'topic-b'?")
               for e in errors(content))


def test_unknown_source_and_contact(content: Path):
    edit(content / "topic.yaml", "      - id: law\n", "      - id: lawz\n")
    edit(content / "topic.yaml", "contacts: [office]", "contacts: [ofice]")
    found = errors(content)
    assert any(e.startswith("content/topic.yaml:20: error: unknown source 'lawz'") for e in found)
    assert any("unknown contact 'ofice'" in e and "did you mean 'office'" in e for e in found)


def test_unknown_key_names_the_allowed_ones(content: Path):
    edit(content / "topic.yaml", "    reviewed: 2026-11-01", "    reviewd: 2026-11-01")
    found = errors(content)
    assert any(e.startswith("content/topic.yaml:23: error: unknown key 'reviewd' in a node; "
                            "allowed: id, text, choices") and "Did you mean 'reviewed'?" in e
               for e in found)


def test_wrong_type(content: Path):
    edit(content / "topic.yaml", "    reviewed: 2026-11-01", "    reviewed: soon")
    assert any("content/topic.yaml:23: error: 'reviewed' must be a date like 2026-11-28" in e
               for e in errors(content))


def test_bad_node_id(content: Path):
    edit(content / "topic.yaml", "  - id: topic-b", "  - id: Topic B")
    assert any("must be 1–40 lower-case letters" in e for e in errors(content))


def test_a_key_written_twice_is_reported(content: Path):
    edit(content / "topic.yaml", "    reviewed: 2026-11-01\n",
         "    reviewed: 2026-11-01\n    reviewed: 2026-11-02\n")
    assert any(e.startswith("content/topic.yaml:24: error: key 'reviewed' is written twice")
               for e in errors(content))


def test_a_file_that_is_not_utf8(content: Path):
    (content / "topic.yaml").write_bytes("text: привет".encode("cp1251"))
    assert errors(content) == [
        "content/topic.yaml:1: error: the file is not UTF-8 text; save it as UTF-8"]
