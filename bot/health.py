"""Is this instance fit to serve? The content reads and the database answers.

Docker's HEALTHCHECK runs this every half minute, so it stays light: it reads the content
and catalogs as the bot does (YAML, references, PO syntax) but leaves the full checker, which
renders every screen, to `komek check` at image build and to the bot's own start.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.errors import StorageError
from bot.i18n import CatalogFiles
from bot.tree.load import load_tree
from bot.tree.problems import Level

__all__ = ["Health", "check_health"]


@dataclass(frozen=True)
class Health:
    ok: bool
    reason: str  # one line: what is wrong, or what was found


def check_health(content_dir: Path, locales_dir: Path, database_url: str) -> Health:
    screens, problem = _content(content_dir, locales_dir)
    if problem:
        return Health(False, problem)
    version, problem = _database(database_url)
    if problem:
        return Health(False, problem)
    return Health(True, f"ok: {screens} screens, database schema {version}")


def _content(content_dir: Path, locales_dir: Path) -> tuple[int, str | None]:
    result = load_tree(content_dir)
    errors = [p for p in result.problems if p.level is Level.ERROR]
    if result.tree is None or errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        first = str(errors[0]) if errors else f"{content_dir}: the content did not load"
        return 0, f"content: {first}{more}"
    if not locales_dir.is_dir():
        return 0, f"catalogs: the locales folder {locales_dir} does not exist (LOCALES_DIR)"
    files = CatalogFiles.read(locales_dir)
    if files.errors:
        path, line, message = files.errors[0]
        return 0, f"catalogs: {path}:{line}: {message}"
    return len(result.tree.nodes), None


def _database(url: str) -> tuple[int, str | None]:
    from bot.config import database_path
    from bot.storage import engine_of, shown_url
    from bot.storage.probe import schema_at

    where = str(database_path(url)) if engine_of(url) == "sqlite" else shown_url(url)
    try:
        version = schema_at(url)
    except StorageError as exc:
        return 0, f"database: {exc}"
    if version == 0:
        return 0, f"database: {where} has no Kömek schema (the bot has not opened it yet)"
    return version, None
