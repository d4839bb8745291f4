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
from pathlib import Path

from bot.catalogs import extract, status, update
from bot.config import Config
from bot.content import ContentSource
from bot.conversation import Command, Input, Press
from bot.errors import KomekError
from bot.i18n import LANGUAGES
from bot.session import Session
from bot.tree.problems import Level, Problem

log = logging.getLogger("bot")
CODE_DIR = Path(__file__).resolve().parent


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its lines carry the bot token
    _load_dotenv()
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
    i18n.set_defaults(func=cmd_i18n)
    return parser


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
    from bot.channels.telegram import TelegramChannel, serve
    from bot.pseudonym import SECRET_FILE, load_or_create_secret
    from bot.storage import Storage

    assert config.bot_token is not None
    content = _content(config)
    secret = config.pseudonym_secret or load_or_create_secret(
        config.database_path.parent / SECRET_FILE)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with Storage.open(config.database_path) as storage:
        channel = TelegramChannel(content, storage, secret)
        await serve(channel, config.bot_token, config.bot_api_url, stop)
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
        first = Press(f"1:go:{args.node}")
        session = Session(lang=args.lang or "en")
    elif args.lang:
        first = Command("menu")
    ConsoleChat(content, sys.stdout, session).run(sys.stdin, first)
    return 0


def cmd_check(args: argparse.Namespace, config: Config) -> int:
    from bot.content import build

    started = time.perf_counter()
    content, problems = build(config.content_dir, config.locales_dir)
    elapsed = time.perf_counter() - started
    failing = [p for p in problems if p.level is Level.ERROR or args.strict]
    if args.json:
        print(json.dumps([_as_json(p) for p in problems], ensure_ascii=False, indent=2))
    else:
        for problem in problems:
            print(problem)
        _summary(config, content, problems, elapsed)
    return 1 if failing else 0


def _as_json(problem: Problem) -> dict[str, object]:
    return {"file": problem.place.path, "line": problem.place.line,
            "level": problem.level.value, "message": problem.message}


def _summary(config: Config, content: object, problems: Sequence[Problem],
             elapsed: float) -> None:
    errors = sum(p.level is Level.ERROR for p in problems)
    warnings = len(problems) - errors
    from bot.content import Content

    if isinstance(content, Content):
        print(f"\n{'language':<10}{'screens':>9}{'translated':>12}{'fuzzy':>7}{'missing':>9}")
        for row in status(config.locales_dir, content.tree, CODE_DIR):
            if row.domain == "content":
                print(f"{row.lang:<10}{len(content.tree.nodes):>9}{row.translated:>12}"
                      f"{row.fuzzy:>7}{row.missing:>9}")
    print(f"\n{errors} errors, {warnings} warnings in {elapsed:.2f} s")


def cmd_i18n(args: argparse.Namespace, config: Config) -> int:
    from bot.tree.load import load_tree

    result = load_tree(config.content_dir)
    if result.tree is None:
        for problem in result.problems:
            print(problem, file=sys.stderr)
        return 1
    if args.action == "extract":
        for domain, path in extract(result.tree, CODE_DIR, config.locales_dir).items():
            print(f"{domain}: {path}")
    elif args.action == "update":
        for path in update(config.locales_dir):
            print(f"updated {path}")
    else:
        print(f"{'language':<10}{'domain':<9}{'total':>7}{'done':>7}{'fuzzy':>7}{'missing':>9}"
              f"{'review':>8}")
        for row in status(config.locales_dir, result.tree, CODE_DIR):
            print(f"{row.lang:<10}{row.domain:<9}{row.total:>7}{row.translated:>7}"
                  f"{row.fuzzy:>7}{row.missing:>9}{row.needs_review:>8}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
