"""The exception tree: every error Kömek raises on purpose is a KomekError."""

from __future__ import annotations


class KomekError(Exception):
    """Base of every error Kömek raises on purpose."""


class ContentError(KomekError):
    """A content or catalog file is wrong at a known place."""

    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path = path
        self.line = line
        self.message = message


class ConfigError(KomekError):
    """An environment variable is missing or malformed."""

    def __init__(self, variable: str, message: str) -> None:
        super().__init__(f"{variable}: {message}")
        self.variable = variable
        self.message = message


class StorageError(KomekError):
    """The database cannot be opened or migrated."""
