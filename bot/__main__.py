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

    qr = commands.add_parser("qr", help="a QR code for a deep link (t.me/<bot>?start=NAME)")
    qr.add_argument("name", help="a deep-link name from the content (`deeplink:`)")
    qr.add_argument("--out", "-o", help="write a .png or .svg file (default: the terminal)")
    qr.add_argument("--bot", help="the bot's username (default: BOT_USERNAME)")
    qr.set_defaults(func=cmd_qr)
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
    from bot.channels.serving import serve
    from bot.channels.telegram import TelegramChannel
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
        channel = TelegramChannel(content, storage, secret, admin_ids=config.admin_ids)
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
        for domain, path in extract(result.tree, CODE_DIR, config.locales_dir).items():
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


if __name__ == "__main__":
    sys.exit(main())
