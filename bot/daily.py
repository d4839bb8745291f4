"""Once a day: close the days people left open and purge what is past its retention.

The serve loop runs `every_day` beside polling; the clock is injected, so a test moves it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import date

log = logging.getLogger(__name__)

CHECK_EVERY = 600.0  # seconds between looks at the clock: the job runs soon after midnight


async def every_day(job: Callable[[date], Awaitable[object]], today: Callable[[], date],
                    stop: asyncio.Event, check_every: float = CHECK_EVERY) -> None:
    """Run job(day) at start and then whenever the day changes, until stop is set."""
    done: date | None = None
    while not stop.is_set():
        day = today()
        if day != done:
            try:
                await job(day)
            except Exception as exc:  # the bot keeps serving; tomorrow tries again
                log.error("the daily job failed: %s", type(exc).__name__)
            done = day
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=check_every)


__all__ = ["CHECK_EVERY", "every_day"]
