"""Distinct people per day, week and month, without anything that links a person to a count.

A HyperLogLog sketch keeps, for each of 4,096 registers, the longest run of leading zero
bits seen among the hashes that fell into it. The hash is an HMAC whose key lives only in
this process's memory and belongs to one period (one day, one ISO week, one month): once the
period is over the key is dropped, and the registers left in the database can no longer be
matched to anyone, even by someone who holds the pseudonym secret and a suspect's user id.

Registers of two sketches can be merged (register-wise max) only when both were fed with
the same key; that is why weeks and months have sketches of their own instead of merging
days. Languages share their period's key; everyone together has a sketch of its own, fed
with the same hash, so a report needs no merging.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import zlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

PRECISION = 12
REGISTERS = 1 << PRECISION
_REST_BITS = 64 - PRECISION


class Period(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


def period_start(period: Period, day: date) -> date:
    """The first day of the period that holds day: itself, its ISO week's Monday, the 1st."""
    if period is Period.DAY:
        return day
    if period is Period.WEEK:
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


@dataclass
class Sketch:
    registers: bytearray = field(default_factory=lambda: bytearray(REGISTERS))

    def add_hash(self, value: int) -> bool:
        """Fold one 64-bit hash in; True if a register grew (the sketch must be saved)."""
        index = value >> _REST_BITS
        rest = value & ((1 << _REST_BITS) - 1)
        rank = _REST_BITS - rest.bit_length() + 1
        if rank > self.registers[index]:
            self.registers[index] = rank
            return True
        return False

    def merge(self, other: Sketch) -> Sketch:
        return Sketch(bytearray(max(a, b) for a, b in zip(self.registers, other.registers,
                                                         strict=True)))

    def estimate(self) -> int:
        """The HyperLogLog estimate with linear counting for small numbers (Flajolet et al.)."""
        m = REGISTERS
        alpha = 0.7213 / (1 + 1.079 / m)
        counts = [self.registers.count(rank) for rank in range(_REST_BITS + 2)]
        raw = alpha * m * m / sum(n * 2.0 ** -rank for rank, n in enumerate(counts) if n)
        zeros = counts[0]
        if raw <= 2.5 * m and zeros:
            return round(m * math.log(m / zeros))
        return round(raw)

    def dump(self) -> bytes:
        return zlib.compress(bytes(self.registers), 6)

    @classmethod
    def load(cls, blob: bytes) -> Sketch:
        registers = bytearray(zlib.decompress(blob))
        if len(registers) != REGISTERS:
            raise ValueError(f"a sketch has {len(registers)} registers, not {REGISTERS}")
        return cls(registers)


class PeriodKeys:
    """One random key per period, in memory only; a key is forgotten when its period ends."""

    def __init__(self) -> None:
        self._keys: dict[tuple[Period, date], bytes] = {}

    def key(self, period: Period, day: date) -> tuple[bytes, bool]:
        """The key for the period holding day, and whether it was made just now."""
        start = period_start(period, day)
        for held in [k for k in self._keys if k[0] is period and k[1] != start]:
            del self._keys[held]  # that period is over: its key must not outlive it
        made = (period, start) not in self._keys
        if made:
            self._keys[(period, start)] = secrets.token_bytes(32)
        return self._keys[(period, start)], made

    def holds(self, period: Period, start: date) -> bool:
        return (period, start) in self._keys

    def adopt(self, period: Period, start: date, key: bytes) -> None:
        """Use a key made elsewhere (another instance, through the database)."""
        for held in [k for k in self._keys if k[0] is period and k[1] != start]:
            del self._keys[held]
        self._keys[(period, start)] = key

    def hash(self, period: Period, day: date, pseudonym: str) -> int:
        key, _ = self.key(period, day)
        digest = hmac.new(key, pseudonym.encode(), hashlib.sha256).digest()
        return int.from_bytes(digest[:8], "big")


SketchKey = tuple[Period, date, str]  # period, its first day, language ('' before a choice)
EVERYONE = "*"  # the sketch of all languages together, fed beside the language's own


class Uniques:
    """The sketches of the current periods, held while the process runs; storage loads each
    from the database on first use and saves those that grew."""

    def __init__(self) -> None:
        self.keys = PeriodKeys()
        self._sketches: dict[SketchKey, Sketch] = {}
        self._fed: set[SketchKey] = set()  # rows this process's keys have written to
        self._adopted: set[tuple[Period, date]] = set()  # periods whose key another made

    def adopt(self, period: Period, start: date, key: bytes, made: bool) -> None:
        """A period key shared through the database; `made`: this process made it. Rows
        fed with a key another process made do not count as fed by a new key."""
        self.keys.adopt(period, start, key)
        self._adopted = {held for held in self._adopted if held[0] is not period}
        if not made:
            self._adopted.add((period, start))

    def wanted(self, day: date, lang: str) -> list[SketchKey]:
        """The sketches an update on day needs that are not in memory yet."""
        return [key for key in self._keys(day, lang) if key not in self._sketches]

    @staticmethod
    def _keys(day: date, lang: str) -> list[SketchKey]:
        return [(period, period_start(period, day), code) for period in Period
                for code in (lang, EVERYONE)]

    def hold(self, key: SketchKey, sketch: Sketch) -> None:
        period, start, _ = key
        for old in [k for k in self._sketches if k[0] is period and k[1] != start]:
            del self._sketches[old]
            self._fed.discard(old)
        self._sketches[key] = sketch

    def add(self, pseudonym: str, day: date, lang: str) -> list[tuple[SketchKey, Sketch, bool]]:
        """Count one person; the sketches that grew, each with whether this process's key
        writes to that row for the first time."""
        grown = []
        for period in Period:
            start = period_start(period, day)
            value = self.keys.hash(period, day, pseudonym)  # one hash: language and everyone
            for key in ((period, start, lang), (period, start, EVERYONE)):
                if self._sketches[key].add_hash(value):
                    first = key not in self._fed and (period, start) not in self._adopted
                    self._fed.add(key)
                    grown.append((key, self._sketches[key], first))
        return grown


__all__ = ["EVERYONE", "PRECISION", "REGISTERS", "Period", "PeriodKeys", "Sketch", "SketchKey",
           "Uniques", "period_start"]
