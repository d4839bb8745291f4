"""Telegram: PTB's Application in, the pure conversation in the middle, messages out.

The only module (with __main__) that imports telegram. One handler for every update, one
place that edits or sends, one error boundary.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from datetime import date

from telegram import BotCommand, BotCommandScopeChat, LinkPreviewOptions, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler

from bot import commands
from bot.channels.delivery import (
    FLOOD_RATE,
    Keyboards,
    RetryingRequest,
    ShownScreens,
    SurplusUpdates,
    rate_limiter,
)
from bot.channels.ordering import PerChatOrder, Surplus
from bot.content import ContentSource
from bot.conversation import (
    Command,
    DeleteMessages,
    Input,
    Other,
    Press,
    Reload,
    Reply,
    Text,
    parse_command,
    respond,
)
from bot.events import CommandUsed, ErrorShown, NonTextKind
from bot.i18n import LANGUAGES, Catalogs, Translator
from bot.pseudonym import pseudonym
from bot.screens import MAX_TEXT, Screen, Show, telegram_length
from bot.session import Session
from bot.stats import StatsSettings
from bot.storage import Storage
from bot.tree.problems import Level

log = logging.getLogger(__name__)

MAX_TEXT_READ = 4096  # longer typed text is cut to this before it is read
MAX_RELOAD_ERRORS = 5
DELETE_BATCH = 100  # deleteMessages takes at most 100 ids
STATS_DAYS, MAX_STATS_DAYS = 30, 400  # /stats without a number, and the most it shows
DEFAULT_STATS = StatsSettings()
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


class TelegramChannel:
    def __init__(self, content: ContentSource, storage: Storage, secret: bytes,
                 today: Callable[[], date] = date.today,
                 admin_ids: frozenset[int] = frozenset(),
                 clock: Callable[[], float] = time.time,
                 stats_settings: StatsSettings = DEFAULT_STATS) -> None:
        self.content = content
        self.storage = storage
        self.secret = secret
        self.today = today
        self.admin_ids = admin_ids
        self.clock = clock  # when a message was seen, so ids past 48 hours are dropped
        self.stats_settings = stats_settings
        self.keyboards = Keyboards()
        # Several instances (PostgreSQL) edit the same messages: no instance may trust its
        # own memory of what a message shows.
        self.shown = ShownScreens() if storage.engine == "sqlite" else ShownScreens(size=0)
        self.surplus = SurplusUpdates(storage, today)

    def build(self, token: str, base_url: str | None = None,
              send_rate: int = FLOOD_RATE) -> Application:  # type: ignore[type-arg]
        builder: ApplicationBuilder = (  # type: ignore[type-arg]
            Application.builder()
            .token(token)
            .rate_limiter(rate_limiter(send_rate))
            .request(RetryingRequest())
            .concurrent_updates(PerChatOrder(on_surplus=self._on_surplus))
        )
        if base_url:
            builder = builder.base_url(base_url)
        app = builder.build()
        app.add_handler(TypeHandler(Update, self.handle))
        app.add_error_handler(self.on_error)
        return app

    async def set_commands(self, app: Application) -> None:  # type: ignore[type-arg]
        """Command menus in each language, so Telegram's '/' list reads in the user's language."""
        async def set_menu(lang: str | None, menu: list[tuple[str, str]]) -> None:
            commands_here = [BotCommand(name, text) for name, text in menu]
            try:
                await app.bot.set_my_commands(commands_here, language_code=lang)
            except TelegramError as exc:
                log.warning("setMyCommands failed for %s: %s", lang, type(exc).__name__)

        # At once, not one after another: start-up waits one round trip, not five.
        await asyncio.gather(*(set_menu(lang, menu) for lang, menu
                               in command_menus(self.content.current.catalogs).items()))
        # Admins see their commands too, in their own chat only (a private chat's id is the
        # user's id); everyone else's menu never offers them.
        _ = Translator(self.content.current.catalogs, "en").gettext
        every = [BotCommand(spec.name, _(spec.description)) for spec in commands.COMMANDS]
        for admin in sorted(self.admin_ids):
            try:
                await app.bot.set_my_commands(every, scope=BotCommandScopeChat(admin))
            except TelegramError as exc:
                log.warning("setMyCommands failed for an admin chat: %s", type(exc).__name__)

    # -- the one handler ---------------------------------------------------------------

    async def handle(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user = update.effective_user
        chat = update.effective_chat
        if user is None or chat is None or chat.type != "private":
            return
        message = _input_of(update, admin=user.id in self.admin_ids)
        if message is None:
            return
        key = pseudonym(self.secret, user.id)
        content = self.content.current
        if isinstance(message, Command) and message.admin and message.name == "stats":
            await self._stats(context, update, key, message.arg)
            return
        # The turn holds this person on every instance until the outcome is recorded: their
        # next update waits, wherever it arrived. An update recorded before (resent after an
        # instance died before answering Telegram) is not handled twice.
        async with self.storage.turn(key, update.update_id) as turn:
            if turn.handled:
                log.info("update %d was handled before; not again", update.update_id)
                return
            today = self.today()
            now = int(self.clock())
            session = (turn.session or Session()).pruned(now)
            if update.message is not None:
                session = session.seen(update.message.message_id, now)
            reply = respond(content, session, message, today)
            # The answer and the edit travel at once: one round trip for a press, not two.
            answered = asyncio.create_task(_answer_callback(update, reply.toast)) \
                if update.callback_query is not None else None
            pressed = update.callback_query.message if update.callback_query else None
            try:
                kept = await self._carry_out(context, chat.id, reply, session, now,
                                             pressed if isinstance(pressed, Message) else None)
            finally:
                if answered is not None:
                    await answered
            await turn.record(kept, today, reply.events, tree=content.tree)

    async def _on_surplus(self, update: object, surplus: Surplus) -> None:
        await self.surplus.settle(update, surplus)

    async def _carry_out(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, reply: Reply,
                         before: Session, now: int, pressed: Message | None) -> Session | None:
        """Do what the reply says, in its order: effects first (a deletion must not wait
        behind a slow send), then the screens. Returns the session to keep."""
        session = reply.session
        for effect in reply.effects:
            if isinstance(effect, DeleteMessages):
                await delete_messages(context, chat_id, effect.ids)
            elif isinstance(effect, Reload):
                sent = await self._reload(context, chat_id, before.lang or "en")
                if session is not None:
                    session = session.seen(sent, now)
        for number, screen in enumerate(reply.screens):
            shown = await show(context, chat_id, screen, pressed if number == 0 else None,
                               self.keyboards, self.shown)
            if shown is not None and session is not None:
                session = session.shown(shown, now)
        return session

    async def _reload(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int,
                      lang: str) -> int:
        """/reload: build a new tree from disk and swap it in only if it has no errors."""
        swapped, problems = await asyncio.to_thread(self.content.reload)
        tr = Translator(self.content.current.catalogs, lang)
        errors = [p for p in problems if p.level is Level.ERROR]
        if swapped:
            try:  # the other instances (PostgreSQL) reload from their own files too
                await self.storage.announce_reload()
            except Exception as exc:
                log.warning("could not tell the other instances of the reload: %s",
                            type(exc).__name__)
            text = tr.fmt("Content reloaded: {screens} screens, {warnings} warnings.",
                          screens=len(self.content.current.tree.nodes), warnings=len(problems))
        else:
            text = tr.fmt("Reload refused: {errors} errors. People keep the previous content. "
                          "The first ones:", errors=len(errors))
            text += "\n" + "\n".join(f"• {p}" for p in errors[:MAX_RELOAD_ERRORS])
        log.info("reload requested by an admin: %s", "swapped" if swapped else "refused")
        sent = await context.bot.send_message(chat_id, _fit(text))
        return sent.message_id

    async def _stats(self, context: ContextTypes.DEFAULT_TYPE, update: Update, key: str,
                     arg: str) -> None:
        """/stats [days]: the summary, then the chart; both only from protected figures.

        The report is read before the turn: it needs connections of its own, and a turn
        holding one while waiting for more could starve a small pool."""
        from bot import chart, stats

        days = int(arg) if arg.isdigit() and 0 < int(arg) <= MAX_STATS_DAYS else STATS_DAYS
        content = self.content.current
        today = self.today()
        report = await stats.gather(self.storage, days, today, self.stats_settings.min_count,
                                    content.tree)
        assert update.message is not None and update.effective_chat is not None
        chat_id = update.effective_chat.id
        async with self.storage.turn(key, update.update_id) as turn:
            if turn.handled:
                return
            now = int(self.clock())
            session = (turn.session or Session()).pruned(now).seen(update.message.message_id,
                                                                   now)
            tr = Translator(content.catalogs, session.lang or "en")
            sent = await context.bot.send_message(chat_id, _fit(stats.text(report, tr)),
                                                  parse_mode=ParseMode.HTML)
            session = session.seen(sent.message_id, now)
            picture = await asyncio.to_thread(chart.png, report, tr)
            photo = await context.bot.send_photo(chat_id, picture, caption=tr.fmt(
                "Kömek, the last {days} days", days=days))
            log.info("statistics sent to an admin for %d days", days)
            await turn.record(session.seen(photo.message_id, now), today,
                              [CommandUsed("stats")], tree=content.tree)

    async def reload_announced(self) -> None:
        """Another instance's admin reloaded: do the same here, from this instance's files."""
        swapped, problems = await asyncio.to_thread(self.content.reload)
        errors = sum(1 for p in problems if p.level is Level.ERROR)
        if swapped:
            log.info("content reloaded, as another instance did (%d screens)",
                     len(self.content.current.tree.nodes))
        else:
            log.warning("another instance reloaded, but these files have %d errors; keeping "
                        "the previous content", errors)

    async def daily(self, day: date) -> None:
        purged = await self.storage.daily(day, self.stats_settings.retention_days,
                                          self.stats_settings.session_days)
        log.info("daily job: %d days closed; purged %d counters, %d sketches, %d sessions",
                 purged.days_closed, purged.counters, purged.sketches, purged.sessions)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The error boundary: log the class and our own ids, show a kind screen."""
        error = context.error
        kind = _update_kind(update)
        log.error("error while handling a %s update: %s", kind, type(error).__name__,
                  exc_info=(type(error), error, error.__traceback__) if error else None)
        if not isinstance(update, Update) or update.effective_chat is None \
                or update.effective_user is None:
            return
        key = pseudonym(self.secret, update.effective_user.id)
        chat_id = update.effective_chat.id
        told = False
        try:
            # In a turn of its own, so this person's next update, on any instance, waits.
            async with self.storage.turn(key, None) as turn:
                session = turn.session
                sent = await self._say_sorry(context, chat_id, session)
                told = True
                if session is not None and sent is not None:  # the safe exit deletes it too
                    session = session.seen(sent, int(self.clock()))
                await turn.record(session, self.today(), [ErrorShown()])
        except Exception as exc:
            log.warning("could not read or record the session while reporting an error: %s",
                        type(exc).__name__)
            if not told:
                await self._say_sorry(context, chat_id, None)

    async def _say_sorry(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int,
                         session: Session | None) -> int | None:
        lang = session.lang if session and session.lang else "en"
        _ = Translator(self.content.current.catalogs, lang).gettext
        text = _("Sorry, something went wrong on our side. Please try again, or send /menu.")
        try:
            sent = await context.bot.send_message(chat_id, text)
        except TelegramError:
            log.warning("could not tell the user about the error")
            return None
        return sent.message_id


async def show(context: ContextTypes.DEFAULT_TYPE, chat_id: int, screen: Screen,
               pressed: Message | None, keyboards: Keyboards | None = None,
               shown: ShownScreens | None = None) -> int | None:
    """The one place that edits or sends. Returns the id of the message showing the screen."""
    markup = (keyboards or Keyboards()).markup(screen.buttons)
    shown = shown or ShownScreens()
    look = (screen.text, screen.buttons)
    if screen.show is Show.EDIT and pressed is not None:
        if shown.already(chat_id, pressed.message_id, look):
            return pressed.message_id  # Telegram would refuse it as "not modified"
        try:
            edited = await context.bot.edit_message_text(
                _fit(screen.text), chat_id=chat_id, message_id=pressed.message_id,
                parse_mode=ParseMode.HTML, reply_markup=markup, link_preview_options=NO_PREVIEW,
            )
            shown.remember(chat_id, pressed.message_id, look)
            return edited.message_id if isinstance(edited, Message) else pressed.message_id
        except BadRequest as exc:
            reason = exc.message.lower()
            if "not modified" in reason:
                shown.remember(chat_id, pressed.message_id, look)
                return pressed.message_id
            shown.forget(chat_id, pressed.message_id)
            if not ("can't be edited" in reason or "message to edit not found" in reason):
                raise
            # Too old or deleted: the screen goes to the bottom of the chat instead.
    try:
        sent = await context.bot.send_message(
            chat_id, _fit(screen.text), parse_mode=ParseMode.HTML, reply_markup=markup,
            link_preview_options=NO_PREVIEW,
        )
    except Forbidden:
        log.info("the user has blocked the bot; nothing sent")
        return None
    shown.remember(chat_id, sent.message_id, look)
    return sent.message_id


async def _answer_callback(update: Update, toast: str | None) -> None:
    query = update.callback_query
    if query is None:
        return
    try:
        await query.answer(toast)
    except BadRequest:
        log.info("callback query too old to answer")  # the screen still follows


def _input_of(update: Update, admin: bool) -> Input | None:
    if update.callback_query is not None:
        query = update.callback_query
        message_id = query.message.message_id if query.message is not None else None
        return Press(query.data or "", message_id)
    message = update.message
    if message is None:
        return None
    if message.text is not None:
        text = message.text[:MAX_TEXT_READ]
        command = parse_command(text)
        if command is not None:
            return Command(command.name, command.arg, admin=admin)
        return Text(text)
    return Other(_message_kind(message))


def _message_kind(message: Message) -> NonTextKind:
    """What the message held, by kind only; a location or contact is never read further."""
    for kind in NonTextKind:
        if kind is not NonTextKind.OTHER and getattr(message, kind.value, None):
            return kind
    return NonTextKind.OTHER


def command_menus(catalogs: Catalogs) -> dict[str | None, list[tuple[str, str]]]:
    """Telegram's '/' menu per language code (None: every other language), from the registry;
    admin commands are left out, so people never see them offered."""
    menus: dict[str | None, list[tuple[str, str]]] = {}
    for lang in (None, *LANGUAGES):
        _ = Translator(catalogs, lang or "en").gettext
        menus[lang] = [(spec.name, _(spec.description)) for spec in commands.public()]
    return menus


async def delete_messages(context: ContextTypes.DEFAULT_TYPE, chat_id: int,
                          ids: Sequence[int]) -> None:
    """Delete what Telegram lets a bot delete; messages already gone or too old are skipped.

    deleteMessages takes 100 ids a call and skips the ones it cannot delete; if a batch is
    refused whole, each id is tried alone. A person who blocked the bot ends it quietly.
    """
    unique = sorted(set(ids))
    for start in range(0, len(unique), DELETE_BATCH):
        batch = unique[start:start + DELETE_BATCH]
        try:
            await context.bot.delete_messages(chat_id, batch)
            continue
        except Forbidden:
            log.info("the user has blocked the bot; nothing deleted")
            return
        except TelegramError as exc:
            log.info("deleteMessages refused a batch (%s); deleting one by one",
                     type(exc).__name__)
        for message_id in batch:
            try:
                await context.bot.delete_message(chat_id, message_id)
            except Forbidden:
                return
            except TelegramError:
                continue  # already deleted, or older than 48 hours


def _fit(text: str) -> str:
    """Cut to what one message may hold, counted as Telegram does (UTF-16 units). Screens are
    checked to fit; this only guards text we did not measure, like a list of problems."""
    if telegram_length(text) <= MAX_TEXT:
        return text
    encoded = text.encode("utf-16-le")[:2 * (MAX_TEXT - 1)]
    return encoded.decode("utf-16-le", "ignore") + "…"


def _update_kind(update: object) -> str:
    if isinstance(update, Update):
        if update.callback_query is not None:
            return "callback_query"
        if update.message is not None:
            return "message"
        return "other"
    return type(update).__name__


__all__ = ["TelegramChannel", "command_menus", "delete_messages", "show"]
