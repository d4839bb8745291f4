"""The report's formats: text for /stats, CSV, JSON, the chart, and `komek stats`."""

from __future__ import annotations

import csv
import io
import json
import struct
from datetime import timedelta
from pathlib import Path

import pytest

from bot import chart, stats
from bot.__main__ import main
from bot.content import ContentSource
from bot.events import AnswerReached, Helpful, ScreenShown, Searched, SearchFoundNothing, Vote
from bot.i18n import Translator
from bot.session import Session
from bot.storage import open_storage
from tests.conftest import ROOT, TODAY, scratch_database

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


async def fill(url: str, content: ContentSource) -> None:
    """Ten days: many Russian readers, a few Uzbek ones, votes on two answers."""
    tree = content.current.tree
    async with open_storage(url) as storage:
        for back in range(10):
            day = TODAY - timedelta(days=back)
            for n in range(30):
                lang = "ru" if n < 27 else "uz"
                key = f"{back}-{n}"
                for node in ("main", "asylum", "asylum-apply"):
                    events: list[object] = [ScreenShown(node, lang)]
                    if node == "asylum-apply":
                        events.append(AnswerReached(node, lang))
                    await storage.record(key, Session(lang=lang, node=node), day,
                                         events, tree=tree)  # type: ignore[arg-type]
                vote = Vote.NO if n % 3 == 0 else Vote.YES
                await storage.record(key, Session(lang=lang, node="asylum-apply"), day,
                                     [Helpful("asylum-apply", lang, vote), Searched(lang),
                                      SearchFoundNothing(lang)], tree=tree)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def filled(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> tuple[str, ContentSource]:
    """One database for the module: the tests only read it."""
    import asyncio

    source, _ = ContentSource.load(ROOT / "content", ROOT / "locales")
    assert source is not None
    url = scratch_database(request, tmp_path_factory.mktemp("report"))
    asyncio.run(fill(url, source))
    return url, source


@pytest.fixture
async def report(filled: tuple[str, ContentSource]) -> stats.Report:
    url, source = filled
    async with open_storage(url) as storage:
        return await stats.gather(storage, 30, TODAY, 5, source.current.tree)


def test_the_text_summary_names_what_timur_needs(report: stats.Report,
                                                 real_content: ContentSource):
    text = stats.text(report, Translator(real_content.current.catalogs, "en"))
    assert len(text) < 4096
    for words in ("People", "Sessions", "asylum-apply: 300", "Where people stopped",
                  "found nothing: 300", "Helpful: yes", "Least helpful answers",
                  "asylum:", "Stale content"):
        assert words in text, words
    assert "ru 270" in text and "uz 30" in text  # sessions by language
    russian = stats.text(report, Translator(real_content.current.catalogs, "ru"))
    for words in ("Пользователи", "Сеансы", "asylum-apply: 300", "Полезно: да"):
        assert words in russian, words  # in the admin's language


def test_funnels_put_languages_side_by_side(report: stats.Report):
    (line,) = [x for x in stats.funnel_lines(report) if x.startswith("asylum:")]
    assert "ru 270/270/270/180" in line
    assert "uz 30/30/30/20" in line


def test_answers_ranked_by_not_helpful_share(report: stats.Report):
    ((node, share, votes),) = stats.unhelpful(report)
    assert node == "asylum-apply" and votes == 300 and round(share, 2) == 0.33


def test_csv_has_one_row_per_day_language_node_event(report: stats.Report):
    rows = list(csv.DictReader(io.StringIO(stats.csv_text(report))))
    keys = [(r["day"], r["lang"], r["node"], r["event"]) for r in rows]
    assert len(keys) == len(set(keys))
    assert {"day": TODAY.isoformat(), "lang": "uz", "node": "asylum-apply",
            "event": "answer", "count": "<5"} in rows
    assert {"day": TODAY.isoformat(), "lang": "ru", "node": "asylum-apply",
            "event": "answer", "count": "27"} in rows


def test_json_carries_totals_people_and_marks(report: stats.Report):
    data = json.loads(stats.json_text(report))
    assert data["min_count"] == 5 and data["hidden"] == {"small": "<5", "hidden": "x"}
    assert data["totals"]["*|*|asylum-apply|answer"] == 300
    # An estimate: each period's key is random, so two of the 30 may share a register.
    assert abs(data["people"][f"day|{TODAY.isoformat()}|*"] - 30) <= 3


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_the_chart_is_a_valid_png_of_a_phone_size(report: stats.Report,
                                                  real_content: ContentSource):
    data = chart.png(report, Translator(real_content.current.catalogs, "kk"))
    assert png_size(data) == (chart.WIDTH_PX, chart.HEIGHT_PX)
    assert data.endswith(b"IEND\xaeB`\x82")


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
            filled: tuple[str, ContentSource]) -> Path:
    monkeypatch.setenv("DATABASE_URL", filled[0])
    monkeypatch.setenv("PSEUDONYM_SECRET", "test-secret")  # PostgreSQL requires one
    monkeypatch.setenv("CONTENT_DIR", str(ROOT / "content"))
    monkeypatch.setenv("LOCALES_DIR", str(ROOT / "locales"))
    return tmp_path


@pytest.mark.parametrize("fmt", ["text", "csv", "json"])
def test_the_command_line_prints_each_format(cli_env, capsys, fmt):
    assert main(["stats", "--days", "10", "--until", TODAY.isoformat(), "--format", fmt]) == 0
    out = capsys.readouterr().out
    if fmt == "text":
        assert "Kömek statistics, 2026-11-19 – 2026-11-28 (10 days)" in out
        assert "<b>" not in out and "&lt;" not in out
    elif fmt == "csv":
        assert out.startswith("day,lang,node,event,count\n")
    else:
        assert json.loads(out)["first"] == "2026-11-19"


def test_the_command_line_writes_the_chart(cli_env):
    out = cli_env / "chart.png"
    assert main(["stats", "--days", "365", "--until", TODAY.isoformat(), "--format", "png",
                 "--out", str(out)]) == 0
    assert png_size(out.read_bytes()) == (chart.WIDTH_PX, chart.HEIGHT_PX)


def test_the_command_line_says_what_is_wrong(cli_env, capsys, monkeypatch):
    assert main(["stats", "--format", "png"]) == 2
    assert "--out FILE" in capsys.readouterr().err
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{cli_env / 'none.sqlite3'}")
    assert main(["stats"]) == 2
    assert "there is no database" in capsys.readouterr().err
