"""The command line: python -m bot run | chat | check | i18n …  (also installed as `komek`)."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from bot import logs
from bot.actions import Go, encode
from bot.catalogs import content_template, coverage, extract, status, update
from bot.config import Config
from bot.content import Built, ContentSource
from bot.conversation import Command, Input, Press
from bot.errors import KomekError
from bot.i18n import DOMAINS, LANGUAGES, SOURCE_LANG, Translator
from bot.session import Session
from bot.tree.problems import Level, Problem

log = logging.getLogger("bot")
CODE_DIR = Path(__file__).resolve().parent


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `komek check | head` ends quietly
    logs.configure()
    _load_dotenv()
    # PTB 22 warns on every RetryAfter unless this opt-in to its timedelta API is set.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    try:
        config = Config.from_env(os.environ)
        return int(args.func(args, config))
    except KomekError as exc:
        print(f"komek: {exc}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="komek", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="serve Telegram, or chat here if BOT_TOKEN is unset")
    run.set_defaults(func=cmd_run)

    chat = commands.add_parser("chat", help="talk to the bot in this terminal (a preview)")
    chat.add_argument("--lang", choices=LANGUAGES, help="start in this language")
    chat.add_argument("--node", help="start at this node id")
    chat.set_defaults(func=cmd_chat)

    check = commands.add_parser("check", help="check content and catalogs")
    check.add_argument("--json", action="store_true", help="print problems as JSON")
    check.add_argument("--strict", action="store_true", help="warnings count as errors")
    check.set_defaults(func=cmd_check)

    i18n = commands.add_parser("i18n", help="translation catalogs (Babel)")
    i18n.add_argument("action", choices=("extract", "update", "status"))
    i18n.add_argument("--domain", choices=DOMAINS, help="only this catalog (default: both)")
    i18n.set_defaults(func=cmd_i18n)

    graph = commands.add_parser("graph", help="draw a tree (Mermaid, DOT or SVG)")
    graph.add_argument("tree", nargs="?", help="the tree id (file name); default: all trees")
    graph.add_argument("--lang", choices=LANGUAGES, default="en", help="labels in this language")
    graph.add_argument("--format", choices=("mermaid", "dot", "svg"), default="mermaid")
    graph.add_argument("--output", "-o", help="write to this file instead of the screen")
    graph.set_defaults(func=cmd_graph)

    due = commands.add_parser("due", help="answers and contacts by the date their review falls due")
    due.add_argument("--within", type=_days, metavar="DAYS",
                     help="only what falls due within this many days from today")
    due.add_argument("--json", action="store_true", help="print the list as JSON")
    due.set_defaults(func=cmd_due)

    find = commands.add_parser("find", help="every place a text appears, in content and catalogs")
    find.add_argument("text", help="the words to look for (any case), e.g. \"5 days\"")
    find.add_argument("--json", action="store_true", help="print the places as JSON")
    find.set_defaults(func=cmd_find)

    backup = commands.add_parser("backup", help="copy the live database, safely while it runs")
    backup.add_argument("file", type=Path, help="where to write the copy")
    backup.add_argument("--force", action="store_true", help="replace FILE if it exists")
    backup.set_defaults(func=cmd_backup)

    move = commands.add_parser("migrate-db", help="copy sessions and statistics to another "
                               "database (e.g. SQLite to PostgreSQL)")
    move.add_argument("source", metavar="FROM", help="DATABASE_URL of the database to copy")
    move.add_argument("target", metavar="TO", help="DATABASE_URL of an empty database")
    move.set_defaults(func=cmd_migrate_db)

    health = commands.add_parser("health", help="exit 0 if content and database are fine")
    health.set_defaults(func=cmd_health)
    qr = commands.add_parser("qr", help="a QR code for a deep link (t.me/<bot>?start=NAME)")
    qr.add_argument("name", help="a deep-link name from the content (`deeplink:`)")
    qr.add_argument("--out", "-o", help="write a .png or .svg file (default: the terminal)")
    qr.add_argument("--bot", help="the bot's username (default: BOT_USERNAME)")
    qr.set_defaults(func=cmd_qr)
    stats = commands.add_parser("stats", help="anonymous statistics, small counts hidden")
    stats.add_argument("--days", type=int, default=30, help="the last N days (default 30)")
    stats.add_argument("--until", type=date.fromisoformat, help="the last day (default today)")
    stats.add_argument("--format", choices=("text", "csv", "json", "png"), default="text")
    stats.add_argument("--lang", choices=LANGUAGES, default="en", help="text and chart language")
    stats.add_argument("--out", "-o", help="write to this file instead of the screen")
    stats.set_defaults(func=cmd_stats)
    return parser


def _days(value: str) -> int:
    if not value.isdigit():
        raise argparse.ArgumentTypeError(f"'{value}' is not a number of days, like 30")
    return int(value)


def _load_dotenv() -> None:
    if Path(".env").is_file():
        from dotenv import load_dotenv

        load_dotenv(".env", override=False)


def _content(config: Config) -> ContentSource:
    source, problems = ContentSource.load(config.content_dir, config.locales_dir)
    if source is None:
        for problem in problems:
            if problem.level is Level.ERROR:
                print(problem, file=sys.stderr)
        raise KomekError("the content has errors (above); fix them or run `komek check`")
    return source


def cmd_run(args: argparse.Namespace, config: Config) -> int:
    if not config.bot_token:
        print("BOT_TOKEN is not set: opening the terminal chat. Type a number to press a "
              "button, /help for commands, Ctrl-D to leave.", file=sys.stderr)
        return cmd_chat(argparse.Namespace(lang=None, node=None), config)
    return asyncio.run(_serve(config))


async def _serve(config: Config) -> int:
    from bot.channels.serving import serve
    from bot.channels.telegram import TelegramChannel
    from bot.pseudonym import SECRET_FILE, load_or_create_secret
    from bot.stats import StatsSettings
    from bot.storage import open_storage

    assert config.bot_token is not None
    content = _content(config)
    # On PostgreSQL, Config has made sure the secret is set (every instance shares it).
    secret = config.pseudonym_secret or load_or_create_secret(
        config.database_path.parent / SECRET_FILE)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with open_storage(config.database_url, config.database_pool_size) as storage:
        settings = StatsSettings(config.stats_min_count, config.stats_retention_days,
                                 config.session_retention_days)
        channel = TelegramChannel(content, storage, secret, admin_ids=config.admin_ids,
                                  stats_settings=settings)
        await serve(channel, config, stop)
    log.info("stopped")
    return 0


def cmd_chat(args: argparse.Namespace, config: Config) -> int:
    from bot.channels.console import ConsoleChat

    content = _content(config)
    session = Session(lang=args.lang)
    first: Input | None = None
    if args.node:
        if args.node not in content.current.tree.nodes:
            raise KomekError(f"there is no node '{args.node}'")
        first = Press(encode(Go(args.node)))
        session = Session(lang=args.lang or "en")
    elif args.lang:
        first = Command("menu")
    ConsoleChat(content, sys.stdout, session).run(sys.stdin, first)
    return 0


def cmd_check(args: argparse.Namespace, config: Config) -> int:
    from bot.content import build_all

    started = time.perf_counter()
    built = build_all(config.content_dir, config.locales_dir)
    problems = built.problems
    elapsed = time.perf_counter() - started
    failing = [p for p in problems
               if p.level is Level.ERROR or (args.strict and p.level is Level.WARNING)]
    if args.json:
        print(json.dumps([_as_json(p) for p in problems], ensure_ascii=False, indent=2))
    else:
        for problem in problems:
            print(problem)
        _summary(built, elapsed)
    return 1 if failing else 0


def _as_json(problem: Problem) -> dict[str, object]:
    return {"file": problem.place.path, "line": problem.place.line,
            "level": problem.level.value, "message": problem.message}


def _summary(built: Built, elapsed: float) -> None:
    """A table per language (screens; content strings translated, fuzzy, missing)."""
    errors = sum(p.level is Level.ERROR for p in built.problems)
    warnings = sum(p.level is Level.WARNING for p in built.problems)
    waiting = len(built.problems) - errors - warnings
    if built.tree is not None and built.files is not None:
        template = content_template(built.tree)
        screens = len(built.tree.nodes)
        print(f"\n{'language':<10}{'screens':>9}{'translated':>12}{'fuzzy':>7}{'missing':>9}"
              f"{'to review':>11}")
        for lang in LANGUAGES:
            if lang == SOURCE_LANG:
                continue
            row = coverage(template, built.files.catalogs.get(("content", lang)), lang,
                           "content")
            print(f"{lang:<10}{screens:>9}{row.translated:>12}{row.fuzzy:>7}{row.missing:>9}"
                  f"{row.needs_review:>11}")
    print(f"\n{errors} errors, {warnings} warnings, {waiting} pending in {elapsed:.2f} s")


def cmd_i18n(args: argparse.Namespace, config: Config) -> int:
    from bot.tree.load import load_tree

    result = load_tree(config.content_dir)
    if result.tree is None:
        for problem in result.problems:
            print(problem, file=sys.stderr)
        return 1
    if args.action == "extract":
        only = (args.domain,) if args.domain else DOMAINS
        for domain, path in extract(result.tree, CODE_DIR, config.locales_dir, only).items():
            print(f"{domain}: {path}")
    elif args.action == "update":
        domains = (args.domain,) if args.domain else DOMAINS
        for path in update(config.locales_dir, domains=domains):
            print(f"updated {path}")
    else:
        print(f"{'language':<10}{'domain':<9}{'total':>7}{'done':>7}{'fuzzy':>7}{'missing':>9}"
              f"{'review':>8}")
        for row in status(config.locales_dir, result.tree, CODE_DIR):
            print(f"{row.lang:<10}{row.domain:<9}{row.total:>7}{row.translated:>7}"
                  f"{row.fuzzy:>7}{row.missing:>9}{row.needs_review:>8}")
    return 0


def cmd_graph(args: argparse.Namespace, config: Config) -> int:
    from bot import graph

    current = _content(config).current
    if args.tree and args.tree not in {t.id for t in current.tree.trees}:
        names = ", ".join(t.id for t in current.tree.trees)
        raise KomekError(f"there is no tree '{args.tree}'; the trees are: {names}")
    tr = Translator(current.catalogs, args.lang)
    if args.format == "mermaid":
        text = graph.mermaid(current.tree, tr, args.tree)
    else:
        text = graph.dot(current.tree, tr, args.tree)
        if args.format == "svg":
            try:
                text = graph.svg(text)
            except RuntimeError as exc:
                raise KomekError(str(exc)) from exc
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def cmd_due(args: argparse.Namespace, config: Config) -> int:
    from bot.due import due

    today = date.today()  # the only clock: bot.due takes the day as a value
    items = due(_content(config).current.tree, today, args.within)
    if args.json:
        print(json.dumps([{"due": item.on.isoformat(), "days_left": item.days_left(today),
                           "kind": item.kind, "id": item.id, "file": item.place.path,
                           "line": item.place.line,
                           "checked": item.checked.isoformat() if item.checked else None,
                           "review_days": item.review_days, "why": item.why}
                          for item in items], ensure_ascii=False, indent=2))
        return 0
    for item in items:
        left = item.days_left(today)
        when = "now" if left == 0 else f"in {left} days" if left > 0 else f"{-left} days late"
        print(f"{item.on}  {when:<14} {item.place}: {item.kind} '{item.id}': {item.why}")
    span = f" within {args.within} days" if args.within is not None else ""
    late = sum(item.on < today for item in items)
    never = sum(item.kind == "contact" and item.checked is None for item in items)
    print(f"\n{len(items)} due{span} (from {today}): {late} overdue, {never} contacts never "
          "confirmed")
    return 0


def cmd_find(args: argparse.Namespace, config: Config) -> int:
    from bot.find import find

    hits = find(args.text, config.content_dir, config.locales_dir)
    if args.json:
        print(json.dumps([{"file": hit.place.path, "line": hit.place.line, "where": hit.where,
                           "excerpt": hit.excerpt} for hit in hits],
                         ensure_ascii=False, indent=2))
    else:
        for hit in hits:
            print(hit)
        print(f"\n{len(hits)} places hold '{args.text}'")
    return 0 if hits else 1


def cmd_backup(args: argparse.Namespace, config: Config) -> int:
    from bot.pseudonym import SECRET_FILE
    from bot.storage.backup import backup

    if config.engine == "postgresql":
        from bot.storage import shown_url
        from bot.storage.pgdump import dump

        made = dump(config.database_url, args.file, force=args.force)
        print(f"backed up {shown_url(config.database_url)} to {made.path} ({made.size:,} "
              f"bytes, pg_dump custom format, schema {made.schema_version}, listed back whole)")
    else:
        made = backup(config.database_path, args.file, force=args.force)
        print(f"backed up {config.database_path} to {made.path} ({made.size:,} bytes, schema "
              f"{made.schema_version}, integrity ok)")
    secret = ("PSEUDONYM_SECRET" if config.pseudonym_secret
              else config.database_path.parent / SECRET_FILE)
    print(f"Keep the pseudonym secret ({secret}) with this backup, as safely: a restore "
          "without it forgets people's saved language, which is safe.")
    return 0


def cmd_migrate_db(args: argparse.Namespace, config: Config) -> int:
    from bot.config import database_path
    from bot.pseudonym import SECRET_FILE
    from bot.storage import engine_of, shown_url
    from bot.storage.move import move

    def progress(table: str, rows: int) -> None:
        print(f"\r{table}: {rows:,} rows", end="", file=sys.stderr, flush=True)

    moved = asyncio.run(move(args.source, args.target, progress))
    print(file=sys.stderr)
    carried = ", ".join(f"{n:,} {table}" for table, n in moved.rows.items())
    print(f"moved {carried} from {shown_url(args.source)} to {shown_url(args.target)}")
    if engine_of(args.source) == "sqlite":
        secret = database_path(args.source).parent / SECRET_FILE
        print(f"Sessions are keyed by the pseudonym secret: set PSEUDONYM_SECRET on every "
              f"new instance to the one the old bot used (PSEUDONYM_SECRET, or the contents "
              f"of {secret}), or people simply choose their language again.")
    return 0


def cmd_health(args: argparse.Namespace, config: Config) -> int:
    from bot.health import check_health

    health = check_health(config.content_dir, config.locales_dir, config.database_url)
    print(health.reason, file=sys.stdout if health.ok else sys.stderr)
    return 0 if health.ok else 1


def cmd_qr(args: argparse.Namespace, config: Config) -> int:
    import segno

    tree = _content(config).current.tree
    names = sorted(n.deeplink for n in tree.nodes.values() if n.deeplink)
    if args.name not in names:
        raise KomekError(f"there is no deep link '{args.name}'; the deep links are: "
                         f"{', '.join(names)}")
    bot = (args.bot or config.bot_username or "").lstrip("@")
    if not bot:
        raise KomekError("the bot's username is needed: set BOT_USERNAME or pass --bot NAME")
    link = f"https://t.me/{bot}?start={args.name}"
    code = segno.make(link, error="m")
    if args.out:
        if not args.out.lower().endswith((".png", ".svg")):
            raise KomekError(f"--out must end in .png or .svg, not {args.out!r}")
        code.save(args.out, scale=10, border=4)
        print(f"wrote {args.out} for {link}", file=sys.stderr)
    else:
        code.terminal(compact=True)
        print(link)
    return 0


def cmd_stats(args: argparse.Namespace, config: Config) -> int:
    from bot import stats
    from bot.storage import open_storage

    if args.days < 1:
        raise KomekError("--days must be at least 1")
    if args.format == "png" and not args.out:
        raise KomekError("a PNG goes to a file: add --out FILE")
    if config.engine == "sqlite" and not config.database_path.exists():
        raise KomekError(f"there is no database at {config.database_path}; check DATABASE_URL")
    current = _content(config).current

    async def gathered() -> stats.Report:
        async with open_storage(config.database_url, pool_size=2) as storage:
            return await stats.gather(storage, args.days, args.until or date.today(),
                                      config.stats_min_count, current.tree)

    report = asyncio.run(gathered())
    tr = Translator(current.catalogs, args.lang)
    if args.format == "png":
        from bot.chart import png

        Path(args.out).write_bytes(png(report, tr))
        print(f"wrote {args.out}", file=sys.stderr)
        return 0
    if args.format == "csv":
        output = stats.csv_text(report)
    elif args.format == "json":
        output = stats.json_text(report)
    else:
        output = _plain(stats.text(report, tr))
    if args.out:
        Path(args.out).write_text(output, encoding="utf-8")
        print(f"wrote {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(output if output.endswith("\n") else output + "\n")
    return 0


def _plain(html: str) -> str:
    """Telegram's HTML subset as terminal text."""
    import html as entities
    import re

    return entities.unescape(re.sub(r"</?b>", "", html))


if __name__ == "__main__":
    sys.exit(main())
