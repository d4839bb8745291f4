"""Small-count suppression, the way statistical agencies do it, for every published figure.

The rule (documented in PRIVACY.md and README; tested in tests/test_stats_suppress.py):

1. Primary: a count from 1 to k−1 (k = STATS_MIN_COUNT) is shown as "<k", never as itself.
2. Secondary: a published figure is a *line*: a whole and its parts (a total and the cells
   it sums). In a line whose whole is published, hidden parts must not be recoverable by
   subtraction: there must be at least two of them, and their sum must leave every hidden
   small part the whole range 1..k−1 (knowing that a secondary cell is at least k). Until
   that holds, the smallest published part is hidden too (shown "x"); a line with no part
   left to hide has its whole hidden instead.
3. A hidden whole whose parts are all published could be summed back, so one part of it is
   hidden as well.

Lines nest (day → period → all languages → all nodes), so one call protects every format
the report prints: text, CSV, JSON and the chart show values from the same protection. Zero
is shown as zero: nobody is behind it.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)


class Mark(StrEnum):
    SHOWN = ""
    SMALL = "small"  # primary: 1..k−1
    HIDDEN = "hidden"  # secondary: hidden so that a small one cannot be worked out


@dataclass(frozen=True, slots=True)
class Line(Generic[K]):
    whole: K
    parts: tuple[K, ...]


_SHOWN, _SMALL, _HIDDEN = 0, 1, 2
_MARKS = (Mark.SHOWN, Mark.SMALL, Mark.HIDDEN)


def protect(values: Mapping[K, int], lines: Iterable[Line[K]], k: int) -> dict[K, Mark]:
    """The mark of every key in values (keys absent from values count as zero, shown)."""
    keys = list(values)
    index = {key: n for n, key in enumerate(keys)}
    counts = [values[key] for key in keys]
    marks = [_SMALL if 0 < n < k else _SHOWN for n in counts]
    if k > 1:
        _protect(counts, marks, _indexed(lines, index, counts), k)
    return {key: _MARKS[marks[n]] for n, key in enumerate(keys)}


def _indexed(lines: Iterable[Line[K]], index: Mapping[K, int], counts: list[int]
             ) -> list[tuple[int, list[int]]]:
    """Lines by position; zero parts dropped (nobody is behind them), and a whole that is not
    a value (a zero total) too, with its line."""
    out = []
    for line in lines:
        whole = index.get(line.whole)
        if whole is None:
            continue
        parts = [n for n in (index.get(p) for p in line.parts) if n is not None and counts[n] > 0]
        if parts:
            out.append((whole, parts))
    return out


def _protect(counts: list[int], marks: list[int], lines: list[tuple[int, list[int]]],
             k: int) -> None:
    touching: dict[int, list[int]] = defaultdict(list)
    for number, (whole, parts) in enumerate(lines):
        touching[whole].append(number)
        for part in parts:
            touching[part].append(number)
    pending = deque(number for number, (_, parts) in enumerate(lines)
                    if any(marks[p] for p in parts))
    queued = set(pending)
    while pending:
        number = pending.popleft()
        queued.discard(number)
        hidden = _settle(lines[number], counts, marks, k)
        if hidden is None:
            continue
        # The line may need more, and every line the newly hidden figure is in is re-read.
        for again in (number, *touching[hidden]):
            if again not in queued:
                queued.add(again)
                pending.append(again)


def _settle(line: tuple[int, list[int]], counts: list[int], marks: list[int],
            k: int) -> int | None:
    """Hide one more figure if this line still gives a small one away; the one hidden."""
    whole, parts = line
    hidden = [p for p in parts if marks[p]]
    if marks[whole]:
        if hidden:
            return None
        return _hide(min(parts, key=counts.__getitem__), marks)
    if not hidden or _safe(hidden, counts, marks, k):
        return None
    shown = [p for p in parts if not marks[p]]
    return _hide(min(shown, key=counts.__getitem__) if shown else whole, marks)


def _safe(hidden: list[int], counts: list[int], marks: list[int], k: int) -> bool:
    if len(hidden) < 2:
        return False
    small = sum(1 for p in hidden if marks[p] == _SMALL)
    large = len(hidden) - small
    if small == 0:
        return True
    total = sum(counts[p] for p in hidden)
    # What a reader can work out about one small part: the rest are at least 1 (small) or
    # at least k (hidden); if none is large, the rest are at most k−1 each.
    highest = total - (small - 1) - large * k
    lowest = total - (small - 1) * (k - 1) if large == 0 else 1
    return highest >= k - 1 and lowest <= 1


def _hide(position: int, marks: list[int]) -> int:
    if not marks[position]:
        marks[position] = _HIDDEN
    return position


def shown(value: int, mark: Mark, k: int) -> str:
    """How a figure is printed: the number, "<k" or "x"."""
    if mark is Mark.SMALL:
        return f"<{k}"
    if mark is Mark.HIDDEN:
        return "x"
    return str(value)


__all__ = ["Line", "Mark", "protect", "shown"]
