"""`komek backup FILE` on PostgreSQL: pg_dump's custom format, checked, then put in place.

pg_dump reads in one snapshot (a consistent moment) while the instances go on writing. The
dump is written beside FILE, readable only by its owner, listed back with `pg_restore
--list` to prove it is whole, and only then renamed. Restoring is `pg_restore`, with the
instances stopped (README, "Several instances on PostgreSQL"). A managed PostgreSQL's own
point-in-time recovery comes first; this is the copy you keep yourself.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from bot.errors import KomekError, StorageError
from bot.storage.backup import Backup, check_target
from bot.storage.probe import schema_at

TIMEOUT = 3600  # seconds: a year of statistics dumps in a few seconds; a slow link, longer


def dump(url: str, target: Path, *, force: bool = False) -> Backup:
    pg_dump, pg_restore = _program("pg_dump"), _program("pg_restore")
    check_target(target, force, "komek.pgdump")
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    os.close(fd)
    temp = Path(name)
    try:
        _run([pg_dump, "--format=custom", "--no-owner", "--file", str(temp), url],
             "pg_dump")
        listing = _run([pg_restore, "--list", str(temp)], "pg_restore --list")
        if "TABLE DATA public sessions" not in listing:
            raise StorageError(f"the dump {target} holds no sessions table; is this "
                               "Kömek's database?")
        version = schema_at(url)  # read from the database the dump was taken of
        if force:
            os.replace(temp, target)
        else:
            os.link(temp, target)
    except FileExistsError as exc:
        raise KomekError(f"{target} appeared while the backup ran; nothing replaced") from exc
    finally:
        temp.unlink(missing_ok=True)
    return Backup(target, target.stat().st_size, version)


def _program(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise KomekError(f"{name} is not installed here (Debian: apt-get install "
                         "postgresql-client); or run it where the database is, as the README "
                         "shows")
    return found


def _run(command: list[str], what: str) -> str:
    try:
        result = subprocess.run(command, capture_output=True, text=True,  # noqa: S603
                                timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired as exc:
        raise StorageError(f"{what} took longer than {TIMEOUT} s") from exc
    if result.returncode != 0:
        message = result.stderr.strip().splitlines()[-1:] or ["no message"]
        raise StorageError(f"{what} failed: {message[0]}")
    return result.stdout


__all__ = ["dump"]
