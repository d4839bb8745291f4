"""Docs that drift from the code fail here."""

from __future__ import annotations

import re

from bot.__main__ import _parser
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text()
GUIDE = (ROOT / "content" / "README.md").read_text()


def test_every_environment_variable_is_in_the_readme_table():
    names = set(re.findall(r'env\.get\("([A-Z_]+)"', (ROOT / "bot" / "config.py").read_text()))
    assert {"BOT_TOKEN", "DATABASE_URL", "PSEUDONYM_SECRET"} <= names
    for name in names:
        assert f"`{name}`" in README, name


def test_every_command_line_subcommand_is_documented():
    parser = _parser()
    (subparsers,) = [a for a in parser._actions if a.dest == "==SUPPRESS==" or a.choices]
    for name in subparsers.choices:
        assert f"| `{name}" in README, name


def test_the_readme_gives_the_two_setup_commands():
    assert "make run" in README and "make test" in README
    makefile = (ROOT / "Makefile").read_text()
    assert "\nrun:" in makefile and "\ntest:" in makefile


def test_the_moderators_guide_names_every_node_key():
    from bot.tree.load import NODE_KEYS

    for key in NODE_KEYS:
        assert f"`{key}`" in GUIDE, key
