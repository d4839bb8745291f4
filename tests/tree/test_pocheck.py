"""`check` refuses every catalog GNU `msgfmt --check` refuses: one real catalog, broken one way
at a time, is given to both; and files from the old writer are repaired by `update`."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from babel.messages.pofile import write_po

from bot.catalogs import update
from bot.i18n import CatalogFiles, read_catalog
from bot.tree.check import check
from bot.tree.load import load_tree
from tests.conftest import TODAY, require_tool

PO = "locales/ru/LC_MESSAGES/bot.po"


def errors(site: Path) -> list[str]:
    result = load_tree(site / "content")
    assert result.tree is not None
    return [str(p) for p in check(result.tree, CatalogFiles.read(site / "locales"),
                                  site / "locales", TODAY) if p.level == "error"]


def msgfmt_accepts(path: Path) -> bool:
    done = subprocess.run([require_tool("msgfmt"), "--check", "-o", "/dev/null", str(path)],
                          capture_output=True, text=True)
    return done.returncode == 0 and not done.stderr


def first_entry(text: str) -> re.Match[str]:
    found = re.search(r'\n(#[^\n]*\n)*msgid "([^"\n]+)"\nmsgstr "([^"\n]+)"\n', text)
    assert found
    return found


def wrapped_previous(text: str) -> str:
    """What Babel's write_po made of a long `#| msgid`: a second line that is not PO."""
    entry = first_entry(text)
    return text.replace(entry[0], entry[0].replace(
        'msgid "', '#, fuzzy\n#| msgid "Some older English\n#| text that went on"\nmsgid "', 1), 1)


def duplicate_obsolete(text: str) -> str:
    entry = first_entry(text)
    return text + f'\n#~ msgid "{entry[2]}"\n#~ msgstr "{entry[3]}"\n'


def newline_mismatch(text: str) -> str:
    entry = first_entry(text)
    return text.replace(f'msgstr "{entry[3]}"', f'msgstr "{entry[3]}\\n"', 1)


def bad_escape(text: str) -> str:
    entry = first_entry(text)
    return text.replace(f'msgstr "{entry[3]}"', f'msgstr "{entry[3]}\\q"', 1)


def unterminated(text: str) -> str:
    entry = first_entry(text)
    return text.replace(f'msgstr "{entry[3]}"', f'msgstr "{entry[3]}', 1)


def lost_brace_placeholder(text: str) -> str:
    return re.sub(r'(#, python-brace-format\n(?:#.*\n)*msgid .*\nmsgstr ".*?)\{[a-z_]+\}',
                  r"\1", text, count=1)


def header_field_removed(text: str) -> str:
    return re.sub(r'"Language-Team: [^"]*"\n', "", text, count=1)


def keyword_typo(text: str) -> str:
    entry = first_entry(text)
    return text.replace(f'msgstr "{entry[3]}"', f'msgstrr "{entry[3]}"', 1)


@pytest.mark.parametrize("damage", [wrapped_previous, duplicate_obsolete, newline_mismatch,
                                    bad_escape, unterminated, lost_brace_placeholder,
                                    header_field_removed, keyword_typo])
def test_what_msgfmt_refuses_check_refuses_at_the_po_file(site: Path, damage):
    path = site / PO
    assert msgfmt_accepts(path) and errors(site) == []
    path.write_text(damage(path.read_text()))
    assert not msgfmt_accepts(path), damage.__name__
    found = errors(site)
    assert found and all(p.startswith(f"{PO}:") for p in found), found


def test_update_repairs_the_previous_english_the_old_writer_broke(site: Path):
    """Catalogs written by Babel's write_po with its wrapped `#|` lines, as `update` did."""
    asylum = site / "content" / "asylum.yaml"
    asylum.write_text(asylum.read_text().replace("      - Count 5 days from your arrival",
                                                 "      - Count 7 days from your arrival", 1))
    from bot.__main__ import CODE_DIR
    from bot.catalogs import extract

    result = load_tree(site / "content")
    assert result.tree is not None
    extract(result.tree, CODE_DIR, site / "locales")
    update(site / "locales")
    path = site / "locales" / "uz" / "LC_MESSAGES" / "content.po"
    catalog = read_catalog(path, "uz")
    with path.open("wb") as stream:  # the old way of writing
        write_po(stream, catalog, width=100, include_previous=True)
    assert not msgfmt_accepts(path)
    assert any("'#|' lines must hold the previous msgid in PO syntax" in p
               for p in errors(site))
    update(site / "locales")  # reads the broken lines as comments and drops them
    assert msgfmt_accepts(path) and errors(site) == []
