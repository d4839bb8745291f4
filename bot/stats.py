"""The counters turned into reports a programme manager can hand to anyone.

Pure but for `gather`, which reads the counters through storage.

One `Report` holds every figure any format prints (text for /stats, CSV, JSON, the chart),
each already protected by bot/suppress.py, so no two formats can be set against each other
to work out a small count.

The cube: one figure per day × language × node × event, plus its sums over days, languages
and nodes (ALL). An event is a counter kind, with its detail where the detail is a closed
set (helpful:yes, funnel:answer, command:help…).
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property
from html import escape
from typing import Protocol

from bot.events import Kind
from bot.i18n import LANGUAGES, Translator
from bot.sketch import EVERYONE, Period, Sketch
from bot.suppress import Line, Mark, protect, shown
from bot.tally import STAGE_NAMES, Derived
from bot.tree.model import Tree

ALL = EVERYONE  # a sum over days, languages or nodes: "*"
NO_LANG = ""  # before a language was chosen, or an event that has none
Cell = tuple[str, str, str, str]  # day, lang, node, event
CounterRow = tuple[str, str, str, str, str, int]  # day, kind, node, lang, extra, n
SketchRow = tuple[Period, date, str, Sketch, int]  # period, start, lang, sketch, keys

# Kinds whose detail is a closed set worth telling apart; a choice's detail (where it led)
# is already counted as that screen being shown.
DETAILED = frozenset({Kind.HELPFUL, Kind.FALLBACK, Kind.CONTACTS_OPENED, Kind.COMMAND,
                      Kind.NON_TEXT, Derived.FUNNEL})
HELPFUL_YES = f"{Kind.HELPFUL}:yes"
HELPFUL_NO = f"{Kind.HELPFUL}:no"
TOP = 8
WEEKS = 8  # weeks listed in the text summary (CSV and JSON have them all)
HEAD = "\x00"  # marks a heading line of the text report


@dataclass(frozen=True, slots=True)
class StatsSettings:
    """From Config: STATS_MIN_COUNT, STATS_RETENTION_DAYS, SESSION_RETENTION_DAYS."""

    min_count: int = 5
    retention_days: int = 400
    session_days: int = 90


@dataclass(frozen=True, slots=True)
class Figure:
    value: int
    mark: Mark = Mark.SHOWN

    @property
    def published(self) -> bool:
        return self.mark is Mark.SHOWN

    def text(self, k: int) -> str:
        return shown(self.value, self.mark, k)

    def json(self) -> int | str:
        return self.value if self.published else self.mark.value


ZERO = Figure(0)


@dataclass(frozen=True)
class Report:
    first: date
    last: date
    k: int
    cube: Mapping[Cell, Figure]
    people: Mapping[tuple[Period, date, str], Figure]  # lang ALL: everyone
    people_days: Mapping[str, Figure]  # per language, the sum of daily people (for the mean)
    restarted: bool  # a period's sketch was fed by more than one key: it may count twice
    stale: tuple[int, int] | None  # screens past review, contacts never confirmed

    @cached_property
    def sorted_cells(self) -> list[tuple[Cell, Figure]]:
        """The cube in cell order, sorted once for every format that lists it."""
        return sorted(self.cube.items(), key=_cell_of)

    def get(self, event: str, *, day: str = ALL, lang: str = ALL, node: str = ALL) -> Figure:
        return self.cube.get((day, lang, node, event), ZERO)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def nodes(self, event: str) -> list[str]:
        """Nodes with a published total for event, largest first."""
        found = self._node_totals.get(event, [])
        return [node for _, node in sorted(found, key=lambda t: (-t[0], t[1]))]

    @cached_property
    def _node_totals(self) -> dict[str, list[tuple[int, str]]]:
        totals: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for (day, lang, node, event), figure in self.cube.items():
            if day == ALL and lang == ALL and node != ALL and figure.published:
                totals[event].append((figure.value, node))
        return totals

    def langs(self) -> list[str]:
        return self._langs

    @cached_property
    def _langs(self) -> list[str]:
        present = {c[1] for c in self.cube if c[0] == ALL and c[1] != ALL}
        return [lang for lang in (*LANGUAGES, NO_LANG) if lang in present]

    @cached_property
    def trees(self) -> list[str]:
        """Trees with funnel counts."""
        return sorted({c[2] for c in self.cube if c[0] == ALL and c[2] != ALL
                       and c[3].startswith(Derived.FUNNEL + ":")})


def _cell_of(item: tuple[Cell, Figure]) -> Cell:
    return item[0]


class Source(Protocol):
    """What a report reads: Storage has these."""

    async def counters_between(self, first: date, last: date) -> list[CounterRow]: ...

    async def sketches_between(self, first: date, last: date) -> list[SketchRow]: ...


def period(days: int, last: date) -> tuple[date, date]:
    """The `days` days that end with last."""
    return last - timedelta(days=max(days, 1) - 1), last


async def gather(source: Source, days: int, last: date, k: int,
                 tree: Tree | None = None) -> Report:
    """The report over the `days` days ending with last, read from storage."""
    first, last = period(days, last)
    rows = await source.counters_between(first, last)
    sketches = await source.sketches_between(first, last)
    # A year's cube takes seconds to protect: off the event loop, so people are not kept waiting.
    return await asyncio.to_thread(build, rows, sketches, first, last, k, tree, last)


def build(rows: Iterable[CounterRow], sketches: Iterable[SketchRow], first: date, last: date,
          k: int, tree: Tree | None = None, today: date | None = None) -> Report:
    fine: dict[Cell, int] = defaultdict(int)
    since, until = first.isoformat(), last.isoformat()
    for day, kind, node, lang, extra, n in rows:
        if not since <= day <= until:
            continue
        if kind == Kind.HELPFUL_WITHDRAWN:  # a vote taken back no longer stands
            kind, n = Kind.HELPFUL, -n
        event = f"{kind}:{extra}" if kind in DETAILED and extra else kind
        fine[(day, lang, node, event)] += n
    cube = _protected_cube({c: max(n, 0) for c, n in fine.items() if n > 0}, k)
    people, people_days, restarted = _people(sketches, first, last, k)
    stale = _stale(tree, today or last) if tree is not None else None
    return Report(first, last, k, cube, people, people_days, restarted, stale)


def _protected_cube(fine: Mapping[Cell, int], k: int) -> dict[Cell, Figure]:
    """The cube with its sums, protected as one: every sum is the whole of a line."""
    values: dict[Cell, int] = dict(fine)
    lines: dict[tuple[str, Cell], list[Cell]] = defaultdict(list)  # (which sum, whole) → parts
    for cell, n in fine.items():
        _, lang, node, event = cell
        period = (ALL, lang, node, event)
        if period not in values:
            values[period] = 0
            langs = (ALL, ALL, node, event)
            nodes = (ALL, lang, ALL, event)
            lines[("langs", langs)].append(period)
            lines[("nodes", nodes)].append(period)
        values[period] += n
        lines[("days", period)].append(cell)
    for (which, whole), parts in list(lines.items()):
        if which == "days":
            continue
        values[whole] = sum(values[p] for p in parts)
        event = whole[3]
        if which == "langs":
            lines[("all-nodes", (ALL, ALL, ALL, event))].append(whole)
        else:
            lines[("all-langs", (ALL, ALL, ALL, event))].append(whole)
    for (which, whole), parts in lines.items():
        if which == "all-nodes":
            values[whole] = sum(values[p] for p in parts)
    marks = protect(values, [Line(whole, tuple(parts)) for (_, whole), parts in lines.items()],
                    k)
    # Figures are immutable and most share a value and mark: one object each, not 400,000.
    figures: dict[tuple[int, Mark], Figure] = {}
    cube = {}
    for cell, n in values.items():
        mark = marks[cell]
        figure = figures.get((n, mark))
        if figure is None:
            figure = figures[(n, mark)] = Figure(n, mark)
        cube[cell] = figure
    return cube


def _people(sketches: Iterable[SketchRow], first: date, last: date, k: int
            ) -> tuple[dict[tuple[Period, date, str], Figure], dict[str, Figure], bool]:
    """Estimates per period and language (ALL: everyone), and per language the sum over
    the report's days (so the mean per day is protected like the rest)."""
    estimates: dict[tuple[Period, date, str], int] = {}
    restarted = False
    for period, start, lang, sketch, keys in sketches:
        if start > last or (period is Period.DAY and start < first):
            continue
        restarted = restarted or keys > 1
        estimates[(period, start, lang)] = sketch.estimate()
    # One key type for protect: (period, start, lang), with start "days" for the day sums.
    values: dict[tuple[str, str, str], int] = {
        (p.value, s.isoformat(), lang): n for (p, s, lang), n in estimates.items()}
    lines: list[Line[tuple[str, str, str]]] = []
    parts_of: dict[tuple[str, str, str], list[tuple[str, str, str]]] = defaultdict(list)
    for key in list(values):
        period_name, start_day, lang_code = key
        if lang_code != ALL:
            parts_of[(period_name, start_day, ALL)].append(key)
        if period_name == Period.DAY:
            whole = (period_name, "days", lang_code)
            values[whole] = values.get(whole, 0) + values[key]
            parts_of[whole].append(key)
    lines = [Line(whole, tuple(parts)) for whole, parts in parts_of.items()]
    marks = protect(values, lines, k)
    people = {(p, date.fromisoformat(s), lang): Figure(values[(p.value, s, lang)],
                                                      marks[(p.value, s, lang)])
              for p, s, lang in ((p, s.isoformat(), lang) for p, s, lang in estimates)}
    sums = {key[2]: Figure(n, marks[key]) for key, n in values.items() if key[1] == "days"}
    return people, sums, restarted


def _stale(tree: Tree, today: date) -> tuple[int, int]:
    screens = sum(1 for node in tree.nodes.values() if node.reviewed is not None
                  and node.reviewed + timedelta(days=node.review_days) < today)
    contacts = sum(1 for contact in tree.contacts.values() if contact.confirmed is None)
    return screens, contacts


# -- formats --------------------------------------------------------------------------------


def text(report: Report, tr: Translator) -> str:
    """The /stats summary, in the admin's language; short enough for one Telegram message."""
    _ = tr.gettext
    k = report.k

    def f(figure: Figure) -> str:
        return figure.text(k)

    def by_lang(event: str, node: str = ALL) -> str:
        return " · ".join(f"{lang or '?'} {f(report.get(event, lang=lang, node=node))}"
                          for lang in report.langs()
                          if report.get(event, lang=lang, node=node).value)

    lines = [
        HEAD + tr.fmt("Kömek statistics, {first} – {last} ({days} days)",
                      first=report.first.isoformat(), last=report.last.isoformat(),
                      days=report.days),
        tr.fmt("Counts below {k} are shown as “<{k}”; “x” hides a count from which a small "
               "one could be worked out.", k=k),
        "",
        HEAD + _("People"),
        _people_line(report, tr),
        tr.fmt("Sessions (a person's day): {n}", n=f(report.get(Derived.SESSION)))
        + " — " + by_lang(Derived.SESSION),
        tr.fmt("Languages chosen: {langs}", langs=by_lang(Kind.LANGUAGE_SET) or "0"),
        "",
        HEAD + _("Top topics (answers reached)"),
        *_top(report, Kind.ANSWER_REACHED, by_lang),
        "",
        HEAD + _("Where people stopped (last screen of their day)"),
        *_top(report, Derived.ENDED, by_lang),
        "",
        tr.fmt("Searches: {n}, found nothing: {empty} ({langs})",
               n=f(report.get(Kind.SEARCH)), empty=f(report.get(Kind.SEARCH_EMPTY)),
               langs=by_lang(Kind.SEARCH_EMPTY) or "0"),
        tr.fmt("Helpful: yes {yes}, no {no}", yes=f(report.get(HELPFUL_YES)),
               no=f(report.get(HELPFUL_NO))),
    ]
    ranked = unhelpful(report)[:5]
    if ranked:
        lines.append(_("Least helpful answers:"))
        lines += [f"  {node}: {share:.0%} " + tr.fmt("of {n}", n=votes)
                  for node, share, votes in ranked]
    lines += ["", HEAD + _("Funnels per language (visits)"),
              _("first screen / a question / an answer / helpful")]
    lines += funnel_lines(report)
    lines.append("")
    lines.append(tr.fmt("Urgent opened: {urgent}; safe exits: {exits}; forgets: {forgets}; "
                        "errors: {errors}", urgent=f(report.get(Kind.URGENT_OPENED)),
                        exits=f(report.get(Kind.SAFE_EXIT)), forgets=f(report.get(Kind.FORGET)),
                        errors=f(report.get(Kind.ERROR))))
    if report.stale is not None:
        lines.append(tr.fmt("Stale content: {screens} screens past their review date, "
                            "{contacts} contacts never confirmed",
                            screens=report.stale[0], contacts=report.stale[1]))
    if report.restarted:
        lines.append(_("Kömek restarted within a period: its figure for people may count "
                       "some of them twice."))
    return "\n".join("<b>" + escape(line[1:], quote=False) + "</b>" if line.startswith(HEAD)
                     else escape(line, quote=False) for line in lines)


def _people_line(report: Report, tr: Translator) -> str:
    total = report.people_days.get(ALL)
    days = sorted((start, fig) for (period, start, lang), fig in report.people.items()
                  if period is Period.DAY and lang == ALL)
    if total is None or not days:
        return "0"
    mean = tr.fmt("{n} a day on average", n=str(round(total.value / report.days))
                  if total.published else total.text(report.k))
    busiest = max((fig.value, start) for start, fig in days if fig.published) \
        if any(fig.published for _, fig in days) else None
    weeks = sorted((start, fig) for (period, start, lang), fig in report.people.items()
                   if period is Period.WEEK and lang == ALL and start >= report.first)
    parts = [mean]
    if busiest is not None:
        parts.append(tr.fmt("busiest day {day}: {n}", day=busiest[1].isoformat(),
                            n=busiest[0]))
    if weeks:  # the latest ones: a year of weeks would not fit a Telegram message
        parts.append(tr.fmt("per week: {weeks}", weeks=", ".join(
            f"{start.isoformat()} {fig.text(report.k)}" for start, fig in weeks[-WEEKS:])))
    return "; ".join(parts)


def _top(report: Report, event: str, by_lang: Callable[[str, str], str]) -> list[str]:
    nodes = report.nodes(event)[:TOP]
    return [f"{n}. {node}: {report.get(event, node=node).text(report.k)} ({by_lang(event, node)})"
            for n, node in enumerate(nodes, start=1)] or ["0"]


def unhelpful(report: Report) -> list[tuple[str, float, int]]:
    """Answers by their share of "not helpful", where both counts are published."""
    ranked = []
    for node in set(report.nodes(HELPFUL_YES)) & set(report.nodes(HELPFUL_NO)):
        yes, no = report.get(HELPFUL_YES, node=node), report.get(HELPFUL_NO, node=node)
        ranked.append((node, no.value / (yes.value + no.value), yes.value + no.value))
    return sorted(ranked, key=lambda t: (-t[1], t[0]))


def funnel_lines(report: Report) -> list[str]:
    lines = []
    for tree_id in report.trees:
        cells = []
        for lang in report.langs():
            steps = [report.get(f"{Derived.FUNNEL}:{stage}", node=tree_id, lang=lang)
                     for stage in STAGE_NAMES.values()]
            if any(step.value for step in steps):
                cells.append(f"{lang or '?'} " + "/".join(s.text(report.k) for s in steps))
        lines.append(f"{tree_id}: " + " · ".join(cells))
    return lines


def csv_text(report: Report) -> str:
    """One row per day × language × node × event; "<k" and "x" in place of hidden counts."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["day", "lang", "node", "event", "count"])
    k = report.k
    texts: dict[int, str] = {}  # by id: few distinct figures, each printed once
    writer.writerows((*cell, texts.get(id(figure)) or texts.setdefault(id(figure), figure.text(k)))
                     for cell, figure in report.sorted_cells if ALL not in cell)
    return out.getvalue()


def json_text(report: Report) -> str:
    def key(cell: Cell) -> str:
        return "|".join(cell)

    cells = report.sorted_cells
    values: dict[int, int | str] = {}  # by id: few distinct figures, each turned once

    def value(figure: Figure) -> int | str:
        found = values.get(id(figure))
        if found is None:
            found = values[id(figure)] = figure.json()
        return found

    data = {
        "first": report.first.isoformat(), "last": report.last.isoformat(),
        "min_count": report.k, "hidden": {"small": f"<{report.k}", "hidden": "x"},
        "totals": {key(c): value(f) for c, f in cells if c[0] == ALL},
        "days": {key(c): value(f) for c, f in cells if c[0] != ALL},
        "people": {f"{p.value}|{s.isoformat()}|{lang}": f.json()
                   for (p, s, lang), f in sorted(report.people.items())},
        "people_day_sums": {lang: f.json() for lang, f in sorted(report.people_days.items())},
        "unhelpful": [{"node": n, "share": round(s, 3), "votes": v}
                      for n, s, v in unhelpful(report)],
        "restarted": report.restarted,
        "stale": {"screens": report.stale[0], "contacts": report.stale[1]}
        if report.stale else None,
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))  # a year is 500k cells


def daily_people(report: Report) -> dict[str, list[Figure]]:
    """Per language (ALL too), one figure per day of the report, for the chart."""
    days = [report.first + timedelta(days=n) for n in range(report.days)]
    langs = sorted({lang for (p, _, lang) in report.people if p is Period.DAY},
                   key=lambda lang: (lang == ALL, lang))
    return {lang: [report.people.get((Period.DAY, day, lang), ZERO) for day in days]
            for lang in langs}


__all__ = ["ALL", "NO_LANG", "Figure", "Report", "Source", "StatsSettings", "build", "csv_text",
           "daily_people", "funnel_lines", "gather", "json_text", "period", "text", "unhelpful"]
