"""The Dockerfile, read statically (no Docker engine here): it must agree with the code."""

from __future__ import annotations

import fnmatch
import json
import re
import tomllib

import pytest

from bot.__main__ import _parser
from bot.config import Config, database_path
from tests.conftest import ROOT

SECRETS = ("BOT_TOKEN", "PSEUDONYM_SECRET", "WEBHOOK_SECRET")


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, with continuation lines joined and comments gone."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    result = []
    for line in joined.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            result.append((word.upper(), rest.strip()))
    return result


def _all(name: str) -> list[str]:
    return [rest for word, rest in _instructions() if word == name]


def _env() -> dict[str, str]:
    pairs: dict[str, str] = {}
    for rest in _all("ENV"):
        pairs.update(re.findall(r"([A-Z_]+)=(\S+)", rest))
    return pairs


def _ignored() -> list[str]:
    text = (ROOT / ".dockerignore").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines()
            if line.strip() and not line.startswith("#")]


def _subcommands() -> set[str]:
    (action,) = [a for a in _parser()._actions if a.choices]
    assert isinstance(action.choices, dict)
    return set(action.choices)


def test_the_base_is_python_311_slim_by_tag_not_digest():
    (base,) = _all("FROM")
    assert re.fullmatch(r"python:3\.11(\.\d+)?-slim(-\w+)?", base), base


def test_every_copied_path_exists_and_is_not_ignored():
    copies = _all("COPY")
    assert copies
    for rest in copies:
        *sources, _ = rest.split()
        for source in sources:
            assert not source.startswith("--"), f"COPY {rest}: no --from/--chown expected"
            assert (ROOT / source).exists(), f"COPY {source}: no such file in the repository"
            for pattern in _ignored():
                assert not fnmatch.fnmatch(source.rstrip("/"), pattern.rstrip("/")), \
                    f"COPY {source} is excluded by .dockerignore ({pattern})"


def test_content_is_baked_in_and_checked_at_build_time():
    steps = _instructions()
    copied = [i for i, (w, rest) in enumerate(steps) if w == "COPY"
              and rest.split()[0] in ("content", "locales")]
    checked = [i for i, (w, rest) in enumerate(steps) if w == "RUN" and "bot check" in rest]
    assert len(copied) == 2 and checked and min(checked) > max(copied)


def test_the_bot_runs_as_a_user_who_is_not_root():
    users = _all("USER")
    assert users and users[-1].split(":")[0] not in ("root", "0")
    steps = _instructions()
    last_user = max(i for i, (w, _) in enumerate(steps) if w == "USER")
    assert all(i > last_user for i, (w, _) in enumerate(steps) if w in ("CMD", "HEALTHCHECK"))


def test_the_command_and_health_check_are_komek_subcommands():
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["komek"] == "bot.__main__:main"
    (cmd,) = _all("CMD")
    assert json.loads(cmd) == ["komek", "run"]
    (health,) = _all("HEALTHCHECK")
    exec_form = json.loads(health[health.index("CMD ") + 4:])
    assert exec_form[0] == "komek" and exec_form[1:] == ["health"]
    assert {"run", "health"} <= _subcommands()


def test_the_exposed_port_is_the_default_port():
    (exposed,) = _all("EXPOSE")
    assert int(exposed) == Config().port == Config.from_env(_env()).port


def test_the_database_lives_on_the_volume():
    (volume,) = _all("VOLUME")
    (mount,) = json.loads(volume)
    path = database_path(_env()["DATABASE_URL"])
    assert path.is_absolute() and path.parent.as_posix() == mount


@pytest.mark.parametrize("name", SECRETS)
def test_no_secret_is_baked_into_the_image(name: str):
    for word in ("ENV", "ARG", "LABEL"):
        for rest in _all(word):
            assert name not in rest, f"{word} {rest}"


@pytest.mark.parametrize("pattern", [".env", "data", "*.sqlite3*", "**/pseudonym.secret",
                                     ".git", ".venv", "tests"])
def test_dockerignore_keeps_secrets_data_and_development_files_out(pattern: str):
    assert pattern in _ignored()
