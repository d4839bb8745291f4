"""What the statistics derive from one update, without keeping a trail: pure, no I/O.

Storage keeps three small facts beside each session (its `Mark`): the day whose end is not
yet counted, the tree of the current visit and the funnel stages that visit has reached.
From the mark before, the events of this update and the content, `tally` gives the mark
after and the counter rows to add:

- `session`: the first screen a person is shown on a day (one per person-day, by language);
- `ended`: the screen a person was on when their day ended, counted for that day when they
  are next seen on a later day, or by the daily job for everyone idle since yesterday;
- `funnel`: for each visit to a tree (consecutive screens in it), whether it showed the
  tree's first screen, a question past it, an answer, and a "helpful" vote, once each.

Nothing in a mark names a past screen: it is overwritten as the person moves on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from types import MappingProxyType

from bot.events import Event, Helpful, ScreenShown, Vote
from bot.tree.model import ROOT, Tree

Row = tuple[str, str, str, str, str]  # day, kind, node, lang, extra: as counters


class Derived(StrEnum):
    """Counter kinds the statistics add beside the events of bot/events.py."""

    SESSION = "session"
    ENDED = "ended"
    FUNNEL = "funnel"


class Stage:
    """Funnel stages as bits of one small integer (plain ints: this runs on every update)."""

    START = 1
    QUESTION = 2
    ANSWER = 4
    HELPFUL = 8


STAGE_NAMES: Mapping[int, str] = MappingProxyType({
    Stage.START: "start", Stage.QUESTION: "question", Stage.ANSWER: "answer",
    Stage.HELPFUL: "helpful",
})


@dataclass(frozen=True, slots=True)
class Mark:
    open_day: date | None = None  # a day with screens shown whose end is not counted yet
    node: str | None = None  # the session's current screen (the session's own column)
    lang: str | None = None
    visit_tree: str | None = None
    visit_stages: int = 0


@dataclass(frozen=True)
class Roles:
    """Each node's tree and what it is in its funnel; built once per content tree."""

    tree_of: Mapping[str, str] = field(default_factory=dict)
    stages: Mapping[str, int] = field(default_factory=dict)
    funnel_trees: frozenset[str] = frozenset()

    @classmethod
    def of(cls, tree: Tree) -> Roles:
        starts = {info.start for info in tree.trees}
        funnel_trees = frozenset(info.id for info in tree.trees if info.start != ROOT)
        stages: dict[str, int] = {}
        for node in tree.nodes.values():
            stage = 0
            if node.id in starts:
                stage |= Stage.START
            elif node.choices:
                stage |= Stage.QUESTION
            if node.is_answer:
                stage |= Stage.ANSWER
            stages[node.id] = stage
        return cls({n.id: n.tree for n in tree.nodes.values()}, stages, funnel_trees)


NO_ROLES = Roles()
_held: list[tuple[Tree, Roles]] = []


def roles_of(tree: Tree | None) -> Roles:
    """Roles for this tree, made once per tree (a reload brings a new one)."""
    if tree is None:
        return NO_ROLES
    if not _held or _held[0][0] is not tree:
        _held[:] = [(tree, Roles.of(tree))]
    return _held[0][1]


def tally(before: Mark, after_node: str | None, after_lang: str | None, events: Iterable[Event],
          today: date, roles: Roles = NO_ROLES) -> tuple[Mark, list[Row]]:
    """The mark to keep (with the session's node and language after this update) and the
    rows to count."""
    rows: list[Row] = []
    day = today.isoformat()
    open_day = before.open_day
    if open_day is not None and open_day < today:
        rows.append(_ended(open_day, before))
        open_day = None
    visit_tree, stages = before.visit_tree, before.visit_stages
    for event in events:
        if isinstance(event, ScreenShown):
            if open_day is None:
                open_day = today
                rows.append((day, Derived.SESSION, "", event.lang, ""))
            tree_id = roles.tree_of.get(event.node)
            if tree_id != visit_tree:
                visit_tree, stages = tree_id, 0
            if tree_id in roles.funnel_trees:
                reached = roles.stages.get(event.node, 0) & ~stages
                stages |= reached
                if reached:
                    rows.extend(_funnel(day, tree_id, event.lang, reached))
        elif isinstance(event, Helpful) and event.vote is Vote.YES:
            tree_id = roles.tree_of.get(event.node)
            if tree_id == visit_tree and tree_id in roles.funnel_trees \
                    and not stages & Stage.HELPFUL:
                stages |= Stage.HELPFUL
                rows.extend(_funnel(day, tree_id, event.lang, Stage.HELPFUL))
    mark = Mark(open_day, after_node, after_lang, visit_tree, stages)
    return mark, rows


def close_day(before: Mark, today: date) -> tuple[Mark, list[Row]]:
    """The daily job's part: a session idle since an earlier day has its end counted."""
    if before.open_day is None or before.open_day >= today:
        return before, []
    return Mark(None, before.node, before.lang, before.visit_tree, before.visit_stages), \
        [_ended(before.open_day, before)]


def _ended(day: date, mark: Mark) -> Row:
    return day.isoformat(), Derived.ENDED, mark.node or "", mark.lang or "", ""


def _funnel(day: str, tree_id: str | None, lang: str, reached: int) -> list[Row]:
    return [(day, Derived.FUNNEL, tree_id or "", lang, name)
            for stage, name in STAGE_NAMES.items() if reached & stage]


__all__ = ["NO_ROLES", "STAGE_NAMES", "Derived", "Mark", "Roles", "Stage", "close_day",
           "roles_of", "tally"]
