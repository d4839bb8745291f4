"""Logging that cannot leak people: our own lines carry ids of ours, never theirs.

Libraries below WARNING are silenced because at DEBUG and INFO they print whole updates
(with Telegram ids and typed text) and request URLs (with the bot token).
"""

from __future__ import annotations

import logging
import sys

CHATTY = ("telegram", "httpx", "httpcore", "aiosqlite", "tornado", "asyncio")


def configure(level: int = logging.INFO) -> None:
    logging.basicConfig(level=level, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name in CHATTY:
        logging.getLogger(name).setLevel(logging.WARNING)
