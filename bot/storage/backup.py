"""A consistent copy of the live SQLite database, taken while the bot keeps writing.

SQLite's online backup API copies the database inside one read transaction, so the copy is
one moment of the database even while the bot commits (WAL lets the writer go on). The copy
is written beside its final name, checked, and only then renamed into place: a half-written
or broken file never takes a backup's name.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bot.errors import KomekError, StorageError

__all__ = ["Backup", "backup", "check_target", "open_read_only", "schema_version", "verify"]


@dataclass(frozen=True)
class Backup:
    path: Path
    size: int
    schema_version: int


def open_read_only(path: Path) -> sqlite3.Connection:
    """Open an existing database without the power to create or change it."""
    if not path.is_file():
        raise StorageError(f"there is no database file at {path} (DATABASE_URL); "
                           "the bot makes it when it first starts")
    try:
        return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error as exc:
        raise StorageError(f"cannot open the database {path}: {exc}") from exc


def schema_version(db: sqlite3.Connection) -> int:
    """The last migration this file has had (bot/storage/schema.py); a file from before the
    migrations table counted them in PRAGMA user_version."""
    try:
        row = db.execute("SELECT max(number) FROM schema_migrations").fetchone()
    except sqlite3.OperationalError:  # no such table: older, or not a Kömek database
        row = None
    if row and row[0] is not None:
        return int(row[0])
    legacy = db.execute("PRAGMA user_version").fetchone()
    return int(legacy[0]) if legacy else 0


def backup(database: Path, target: Path, *, force: bool = False) -> Backup:
    """Copy `database` to `target` (mode 0600), verified; refuse to replace a file unless forced."""
    try:
        return _backup(database, target, force)
    except OSError as exc:  # a folder that cannot be made or written, a full disk
        raise StorageError(f"cannot write the backup {target}: {exc.strerror or exc}") from exc


def check_target(target: Path, force: bool, example: str) -> None:
    """A backup goes to a file name, and replaces a file only when forced."""
    if target.is_dir():
        raise KomekError(f"{target} is a folder; give the backup a file name, such as "
                         f"{target / example}")
    if target.exists() and not force:
        raise KomekError(f"{target} already exists; give a new file name, or add --force "
                         "to replace it")


def _backup(database: Path, target: Path, force: bool) -> Backup:
    check_target(target, force, "komek.sqlite3")
    if target.exists() and target.resolve() == database.resolve():
        raise KomekError(f"{target} is the live database itself; give another file name")
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.closing(open_read_only(database)) as source:
        # mkstemp makes the file 0600, so the copy is never readable by others, even briefly.
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
        os.close(fd)
        temp = Path(name)
        try:
            _copy(source, temp, database)
            version = verify(temp)
            _place(temp, target, force)
        finally:
            temp.unlink(missing_ok=True)
    return Backup(target, target.stat().st_size, version)


def _copy(source: sqlite3.Connection, temp: Path, database: Path) -> None:
    try:
        with contextlib.closing(sqlite3.connect(temp)) as copy:
            source.backup(copy)  # every page in one step: one read transaction, one moment
            # The copy inherits WAL mode; a plain journal keeps it one self-contained file.
            copy.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.Error as exc:
        raise StorageError(f"cannot copy the database {database}: {exc}") from exc
    with temp.open("rb") as stream:
        os.fsync(stream.fileno())


def verify(path: Path) -> int:
    """Check a copy page by page and return its schema version; StorageError if it is broken."""
    with contextlib.closing(open_read_only(path)) as db:
        try:
            result = [str(row[0]) for row in db.execute("PRAGMA integrity_check")]
            version = schema_version(db)
        except sqlite3.Error as exc:
            raise StorageError(f"the copy {path} cannot be read back: {exc}") from exc
    if result != ["ok"]:
        raise StorageError(f"the copy {path} failed its integrity check: {'; '.join(result)}")
    return version


def _place(temp: Path, target: Path, force: bool) -> None:
    if force:
        os.replace(temp, target)
    else:
        try:  # a hard link never replaces a file that appeared since the first look
            os.link(temp, target)
        except FileExistsError as exc:
            raise KomekError(f"{target} already exists; give a new file name, or add "
                             "--force to replace it") from exc
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)  # the rename itself survives a power cut
    finally:
        os.close(directory)
