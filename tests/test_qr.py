"""`komek qr NAME`: a QR code for a deep link the content names, and a refusal otherwise."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import segno

from tests.conftest import ROOT


def komek(*args: str, cwd: Path, username: str = "") -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "CONTENT_DIR": str(ROOT / "content"),
           "LOCALES_DIR": str(ROOT / "locales"), "PYTHONPATH": str(ROOT)}
    if username:
        env["BOT_USERNAME"] = username
    return subprocess.run([sys.executable, "-m", "bot", "qr", *args], text=True,
                          capture_output=True, cwd=cwd, env=env, timeout=60, check=False)


def test_a_qr_code_for_a_deep_link_in_the_content(tmp_path: Path):
    done = komek("passport", "--out", "passport.svg", cwd=tmp_path, username="@KomekBot")
    assert done.returncode == 0, done.stderr
    written = (tmp_path / "passport.svg").read_text()
    expected = io.BytesIO()
    segno.make("https://t.me/KomekBot?start=passport", error="m").save(
        expected, kind="svg", scale=10, border=4)
    assert written == expected.getvalue().decode()  # the same symbol: it encodes exactly that link

    done = komek("urgent", "--bot", "OtherBot", "--out", "u.png", cwd=tmp_path)
    assert done.returncode == 0 and (tmp_path / "u.png").read_bytes()[:4] == b"\x89PNG"
    assert "https://t.me/OtherBot?start=urgent" in done.stderr

    done = komek("lawyer", cwd=tmp_path, username="KomekBot")
    assert done.returncode == 0 and "https://t.me/KomekBot?start=lawyer" in done.stdout


def test_an_unknown_name_is_refused_with_the_valid_ones(tmp_path: Path):
    done = komek("pasport", "--bot", "KomekBot", cwd=tmp_path)
    assert done.returncode == 2
    assert "no deep link 'pasport'" in done.stderr and "passport, unhcr, urgent" in done.stderr
    done = komek("passport", cwd=tmp_path)
    assert done.returncode == 2 and "BOT_USERNAME" in done.stderr
    assert list(tmp_path.iterdir()) == []
