"""A simulated month through the real conversation and storage: the report tells the truth,
hides what is small, and the database holds no user id and nothing anyone typed."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot import stats
from bot.actions import Back, Go, Rate, SetLanguage
from bot.content import Content, ContentSource
from bot.conversation import Command, Press, Text, respond
from bot.events import AnswerReached, Helpful, HelpfulWithdrawn, ScreenShown, Searched
from bot.pseudonym import pseudonym
from bot.session import Session
from bot.sketch import Period, period_start
from bot.storage import open_storage
from bot.suppress import Mark
from bot.tree.model import ROOT
from tests.conftest import TODAY, scratch_database, stored_bytes

SECRET = b"month-secret"
DAYS = 30
FIRST = TODAY - timedelta(days=DAYS - 1)
PEOPLE = 700
FIRST_ID = 9_100_000_000  # ten digits starting with 9: no timestamp or message id looks so
LANG_WEIGHTS = (("ru", 5), ("uz", 3), ("kk", 2), ("en", 1))
TYPED = ["мой паспорт у бригадира", "qochib ketdim pasport", "убежище срочно помогите",
         "ish haqi bermayapti", "депортация завтра"]
K = 5


class Truth:
    """What the simulation generated, counted here, independently of storage and tally."""

    def __init__(self) -> None:
        self.sessions: Counter[str] = Counter()  # lang → person-days with a screen
        self.answers: Counter[str] = Counter()
        self.ended: Counter[str] = Counter()
        self.helpful: Counter[tuple[str, str]] = Counter()
        self.searches = 0
        self.people_day: dict[date, set[int]] = defaultdict(set)
        self.people_week: dict[date, set[int]] = defaultdict(set)
        self.starts: Counter[tuple[str, str]] = Counter()  # (tree, lang) visits at its start
        self.visit: dict[int, str | None] = {}
        self.visit_started: dict[int, bool] = {}


def simulate_day(content: Content, truth: Truth, sessions: dict[int, Session], day: date,
                 rng: random.Random) -> list[tuple[str, Session | None, list[object]]]:
    """The day's updates as (pseudonym, session to keep, events), in order."""
    updates: list[tuple[str, Session | None, list[object]]] = []
    starts = {info.start for info in content.tree.trees if info.start != ROOT}
    for person in rng.sample(range(PEOPLE), rng.randint(40, 60)):
        uid = FIRST_ID + person
        key = pseudonym(SECRET, uid)
        session = sessions.get(uid, Session())
        lang = rng.choices([x for x, _ in LANG_WEIGHTS], [w for _, w in LANG_WEIGHTS])[0]
        message: object = Command("start")
        shown_today: str | None = None
        for _ in range(rng.randint(2, 7)):
            reply = respond(content, session, message, day)  # type: ignore[arg-type]
            assert reply.session is not None
            session = reply.session
            events = list(reply.events)
            updates.append((key, session, events))
            truth.people_day[day].add(uid)
            truth.people_week[period_start(Period.WEEK, day)].add(uid)
            for event in events:
                if isinstance(event, ScreenShown):
                    if shown_today is None:
                        shown_today = event.lang
                        truth.sessions[event.lang] += 1
                    tree_id = content.tree.nodes[event.node].tree
                    if truth.visit.get(uid) != tree_id:  # a new visit: a run in one tree
                        truth.visit[uid] = tree_id
                        truth.visit_started[uid] = False
                    if event.node in starts and not truth.visit_started[uid]:
                        truth.visit_started[uid] = True
                        truth.starts[(tree_id, event.lang)] += 1
                elif isinstance(event, AnswerReached):
                    truth.answers[event.node] += 1
                elif isinstance(event, Helpful):
                    truth.helpful[(event.node, event.vote.value)] += 1
                elif isinstance(event, HelpfulWithdrawn):
                    truth.helpful[(event.node, event.vote.value)] -= 1
                elif isinstance(event, Searched):
                    truth.searches += 1
            buttons = [b for screen in reply.screens for b in screen.buttons_flat()
                       if isinstance(b.action, Go | Back | Rate | SetLanguage)]
            if session.lang is None:
                buttons = [b for b in buttons if isinstance(b.action, SetLanguage)
                           and b.action.lang == lang]
            if session.lang is not None and rng.random() < 0.12:
                message = Text(rng.choice(TYPED))
            elif buttons:
                message = Press(rng.choice(buttons).data, session.screen_message)
            else:
                message = Command("menu")
        sessions[uid] = session
        if shown_today is not None:
            truth.ended[session.node or ""] += 1
    return updates


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def month(request: pytest.FixtureRequest,
          tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Truth, Content]:
    import asyncio

    source, _ = ContentSource.load(Path(__file__).resolve().parent.parent / "content",
                                   Path(__file__).resolve().parent.parent / "locales")
    assert source is not None
    content = source.current
    url = scratch_database(request, tmp_path_factory.mktemp("month"))
    truth = Truth()
    rng = random.Random(20261128)

    async def run() -> None:
        sessions: dict[int, Session] = {}
        async with open_storage(url) as storage:
            for number in range(DAYS):
                day = FIRST + timedelta(days=number)
                await storage.daily(day, 400, 90)
                for key, session, events in simulate_day(content, truth, sessions, day, rng):
                    await storage.record(key, session, day, events,  # type: ignore[arg-type]
                                         tree=content.tree)
            await storage.daily(TODAY + timedelta(days=1), 400, 90)

    asyncio.run(run())
    return url, truth, content


async def report_of(url: str, content: Content) -> stats.Report:
    async with open_storage(url) as storage:
        return await stats.gather(storage, DAYS, TODAY, K, content.tree)


def agrees(figure: stats.Figure, expected: int) -> bool:
    if figure.mark is Mark.SMALL:
        return 0 < expected < K
    if figure.mark is Mark.HIDDEN:
        return True
    return figure.value == expected


async def test_the_month_has_thousands_of_sessions_and_the_report_agrees(month):
    url, truth, content = month
    report = await report_of(url, content)
    assert sum(truth.sessions.values()) > 1400
    for lang, n in truth.sessions.items():
        assert agrees(report.get("session", lang=lang), n), lang
    assert report.get("session").value == sum(truth.sessions.values())
    published = 0
    for node, n in truth.answers.items():
        figure = report.get("answer", node=node)
        assert agrees(figure, n), (node, figure, n)
        published += figure.published
    assert published >= 10
    for node, n in truth.ended.items():
        assert agrees(report.get("ended", node=node), n), node
    for (node, vote), n in truth.helpful.items():
        assert agrees(report.get(f"helpful:{vote}", node=node), n), (node, vote)
    assert agrees(report.get("search"), truth.searches)
    for (tree_id, lang), n in truth.starts.items():
        assert agrees(report.get("funnel:start", node=tree_id, lang=lang), n), (tree_id, lang)


async def test_people_per_day_and_week_are_close_to_the_truth(month):
    url, truth, content = month
    report = await report_of(url, content)
    # The sketch keys are random, so the error is too: these bounds are over six standard
    # errors of linear counting at these sizes (about 1 for 50 people, 3 for 300).
    for day, people in truth.people_day.items():
        figure = report.people[(Period.DAY, day, stats.ALL)]
        assert figure.published and abs(figure.value - len(people)) <= 6, day
    for monday, people in truth.people_week.items():
        figure = report.people[(Period.WEEK, monday, stats.ALL)]
        assert abs(figure.value - len(people)) <= max(6, 0.07 * len(people)), monday
    weekly = max(len(p) for p in truth.people_week.values())
    daily = max(len(p) for p in truth.people_day.values())
    assert weekly > 2 * daily  # weeks count people once, not a sum of days


async def test_no_small_number_is_printed_anywhere(month):
    url, _, content = month
    report = await report_of(url, content)
    from bot.i18n import Translator

    text = stats.text(report, Translator(content.catalogs, "en"))
    smalls = {c for c, f in report.cube.items() if f.mark is Mark.SMALL}
    assert smalls and "&lt;5" in text
    assert len(text) < 4096  # one Telegram message
    for line in stats.csv_text(report).splitlines()[1:]:
        count = line.rsplit(",", 1)[1]
        assert count in ("<5", "x") or int(count) >= K, line


async def test_the_database_holds_no_user_id_and_nothing_typed(month, request):
    url, _, _ = month
    stored = stored_bytes(request, url)
    assert stored
    for person in range(PEOPLE):
        assert str(FIRST_ID + person).encode() not in stored
    for typed in TYPED:
        assert typed.encode() not in stored
        for word in typed.split():
            if len(word) > 5:
                assert word.encode() not in stored, word

