"""The schema, as numbered migrations that both backends run the same way.

Each migration runs in its own transaction and is recorded in `schema_migrations`, so a
database says which migrations it has had, whichever engine holds it. The scripts are
written once, in the SQL both engines read; `for_engine` swaps the few words that differ.
A database that has had a migration this code does not know is refused, not misread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Engine = Literal["sqlite", "postgresql"]


@dataclass(frozen=True, slots=True)
class Migration:
    number: int
    name: str
    script: str

    def for_engine(self, engine: Engine) -> str:
        if engine == "postgresql":
            return self.script.replace(" BLOB", " BYTEA")
        return self.script


MIGRATIONS_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    number INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_on TEXT NOT NULL
)
"""

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "sessions by pseudonym; counters by day, kind, key and language", """
    CREATE TABLE sessions (
        pseudonym TEXT PRIMARY KEY,
        lang TEXT,
        node TEXT,
        stack TEXT NOT NULL DEFAULT '[]',
        pending TEXT,
        screen_message INTEGER,
        recent_messages TEXT NOT NULL DEFAULT '[]',
        updated_on TEXT NOT NULL
    );
    CREATE TABLE counters (
        day TEXT NOT NULL,
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        lang TEXT NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (day, kind, key, lang)
    );
    """),
    # Typed events (bot/events.py) as (kind, node, lang, extra); message ids with the time
    # each was seen, for the safe exit; the vote on the current screen.
    Migration(2, "typed events; message ids with their time; the vote", """
    ALTER TABLE counters RENAME TO counters_v1;
    CREATE TABLE counters (
        day TEXT NOT NULL,
        kind TEXT NOT NULL,
        node TEXT NOT NULL,
        lang TEXT NOT NULL,
        extra TEXT NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (day, kind, node, lang, extra)
    );
    INSERT INTO counters (day, kind, node, lang, extra, n)
        SELECT day, CASE kind WHEN 'view' THEN 'screen' ELSE kind END, key,
               CASE lang WHEN 'none' THEN '' ELSE lang END, '', n FROM counters_v1;
    DROP TABLE counters_v1;
    UPDATE sessions SET recent_messages = '[]';
    ALTER TABLE sessions ADD COLUMN vote TEXT;
    ALTER TABLE sessions ADD COLUMN vote_changed INTEGER NOT NULL DEFAULT 0;
    """),
    # Statistics without a trail (bot/tally.py, bot/sketch.py): the day whose end is not
    # counted yet and the current tree visit beside each session; the counts derived from
    # them, apart from the events; distinct-people sketches.
    Migration(3, "tallies and people-sketches", """
    ALTER TABLE sessions ADD COLUMN open_day TEXT;
    ALTER TABLE sessions ADD COLUMN visit_tree TEXT;
    ALTER TABLE sessions ADD COLUMN visit_stages INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE tallies (
        day TEXT NOT NULL,
        kind TEXT NOT NULL,
        node TEXT NOT NULL,
        lang TEXT NOT NULL,
        extra TEXT NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (day, kind, node, lang, extra)
    );
    CREATE TABLE uniques (
        period TEXT NOT NULL,
        start TEXT NOT NULL,
        lang TEXT NOT NULL,
        registers BLOB NOT NULL,
        keys INTEGER NOT NULL,
        PRIMARY KEY (period, start, lang)
    );
    """),
    # Several instances: the update ids already handled (Telegram resends what a dead
    # instance did not answer), and the current periods' sketch keys, shared so that every
    # instance hashes a person alike; a key row is deleted when its period ends.
    Migration(4, "handled update ids; shared period keys", """
    CREATE TABLE handled_updates (
        update_id BIGINT PRIMARY KEY,
        day TEXT NOT NULL
    );
    CREATE TABLE period_keys (
        period TEXT NOT NULL,
        start TEXT NOT NULL,
        key BLOB NOT NULL,
        PRIMARY KEY (period, start)
    );
    """),
)

LATEST = len(MIGRATIONS)


def too_new(found: int) -> str:
    return (f"the database is at schema {found}, newer than this Kömek ({LATEST}); "
            "upgrade Kömek")


__all__ = ["LATEST", "MIGRATIONS", "MIGRATIONS_TABLE", "Engine", "Migration", "too_new"]
