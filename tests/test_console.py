from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def chat(stdin: str, *args: str, cwd: Path) -> str:
    env = {"PATH": "/usr/bin:/bin", "CONTENT_DIR": str(ROOT / "content"),
           "LOCALES_DIR": str(ROOT / "locales"), "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, text=True,
                          capture_output=True, cwd=cwd, env=env, timeout=60, check=True)
    return done.stdout


def test_piped_chat_walks_from_the_picker_to_a_sourced_answer(tmp_path: Path):
    out = chat("4\n2\n1\n1\n1\n", "chat", cwd=tmp_path)
    assert "Choose your language" in out and "[4] English" in out
    assert "Sources" in out and "Last reviewed:" in out
    assert "Traceback" not in out
    assert list(tmp_path.iterdir()) == []  # the preview leaves no database behind


def test_run_without_a_token_opens_the_terminal_chat(tmp_path: Path):
    out = chat("1\n", "run", cwd=tmp_path)
    assert "[1] Русский" in out and "🌐" in out


def test_each_language_in_the_terminal(tmp_path: Path):
    for number in ("1", "2", "3", "4"):
        out = chat(f"{number}\n1\n1\n", "chat", cwd=tmp_path)
        assert out.count("────") >= 3


def test_typing_junk_in_the_terminal(tmp_path: Path):
    out = chat("4\nhello there\n99\n/nonsense\n\n", "chat", cwd=tmp_path)
    assert "I did not find an answer" in out and "I do not know that command" in out


def test_the_terminal_exit_ends_the_preview_kindly(tmp_path: Path):
    out = chat("4\nвыход\n1\n", "chat", cwd=tmp_path)
    assert "Done." in out and "the preview ends here" in out
    assert out.rstrip().endswith("the preview ends here.)")  # the "1" after it is not read


def test_terminal_commands_match_telegram(tmp_path: Path):
    out = chat("4\n/contacts\n1\n/urgent\n/help\n/forget\n1\n", "chat", cwd=tmp_path)
    assert "UNHCR" in out and "What do you need help with?" in out
    assert "Delete everything Kömek keeps about you?" in out and "Deleted." in out
    assert "/exit — " in out
    assert "Traceback" not in out
