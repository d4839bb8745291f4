"""Telegram: PTB's Application in, the pure conversation in the middle, messages out.

The only module (with __main__) that imports telegram. One handler for every update, one
place that edits or sends, one error boundary.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import date

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, TypeHandler

from bot.channels.ordering import PerChatOrder
from bot.content import ContentSource, watch
from bot.conversation import Command, Input, Other, Press, Text, parse_command, respond
from bot.i18n import LANGUAGES, Translator
from bot.pseudonym import pseudonym
from bot.screens import Screen, Show
from bot.session import Session
from bot.storage import Storage
from bot.tree.problems import Level

log = logging.getLogger(__name__)

MAX_TEXT_READ = 4096  # longer typed text is not even looked at
ADMIN_COMMANDS = ("reload",)
MAX_RELOAD_ERRORS = 5


class TelegramChannel:
    def __init__(self, content: ContentSource, storage: Storage, secret: bytes,
                 today: Callable[[], date] = date.today,
                 admin_ids: frozenset[int] = frozenset()) -> None:
        self.content = content
        self.storage = storage
        self.secret = secret
        self.today = today
        self.admin_ids = admin_ids

    def build(self, token: str, base_url: str | None = None) -> Application:  # type: ignore[type-arg]
        builder: ApplicationBuilder = (  # type: ignore[type-arg]
            Application.builder()
            .token(token)
            .rate_limiter(AIORateLimiter(max_retries=2))
            .concurrent_updates(PerChatOrder())
        )
        if base_url:
            builder = builder.base_url(base_url)
        app = builder.build()
        app.add_handler(TypeHandler(Update, self.handle))
        app.add_error_handler(self.on_error)
        return app

    async def set_commands(self, app: Application) -> None:  # type: ignore[type-arg]
        """Command menus in each language, so Telegram's '/' list reads in the user's language."""
        catalogs = self.content.current.catalogs
        for lang in (None, *LANGUAGES):  # None: the menu for every other Telegram language
            _ = Translator(catalogs, lang or "en").gettext
            commands = [
                BotCommand("menu", _("main menu")),
                BotCommand("urgent", _("urgent help: if you may be sent back")),
                BotCommand("language", _("change the language")),
                BotCommand("help", _("this help")),
            ]
            try:
                await app.bot.set_my_commands(commands, language_code=lang)
            except TelegramError as exc:
                log.warning("setMyCommands failed for %s: %s", lang, type(exc).__name__)

    # -- the one handler ---------------------------------------------------------------

    async def handle(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user = update.effective_user
        chat = update.effective_chat
        if user is None or chat is None or chat.type != "private":
            return
        message = _input_of(update)
        if message is None:
            return
        key = pseudonym(self.secret, user.id)
        today = self.today()
        session = await self.storage.load_session(key) or Session()
        if isinstance(message, Command) and message.name in ADMIN_COMMANDS \
                and user.id in self.admin_ids:
            await self._admin(context, chat.id, message, session.lang or "en")
            return
        if update.message is not None:
            session = session.received(update.message.message_id)
        content = self.content.current
        reply = respond(content.tree, content.catalogs, session, message, today)
        if update.callback_query is not None:
            await _answer_callback(update, reply.toast)
        session = reply.session
        for screen in reply.screens:
            target = update.callback_query.message if update.callback_query else None
            shown = await show(context, chat.id, screen,
                               target if isinstance(target, Message) else None)
            if shown is not None:
                session = session.shown(shown)
        await self.storage.record(key, session, today, [(e.kind, e.key) for e in reply.events])

    async def _admin(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, command: Command,
                     lang: str) -> None:
        """/reload: build a new tree from disk and swap it in only if it has no errors."""
        swapped, problems = await asyncio.to_thread(self.content.reload)
        tr = Translator(self.content.current.catalogs, lang)
        errors = [p for p in problems if p.level is Level.ERROR]
        if swapped:
            text = tr.fmt("Content reloaded: {screens} screens, {warnings} warnings.",
                          screens=len(self.content.current.tree.nodes), warnings=len(problems))
        else:
            text = tr.fmt("Reload refused: {errors} errors. People keep the previous content. "
                          "The first ones:", errors=len(errors))
            text += "\n" + "\n".join(f"• {p}" for p in errors[:MAX_RELOAD_ERRORS])
        log.info("reload requested by an admin: %s", "swapped" if swapped else "refused")
        await context.bot.send_message(chat_id, text[:4096])

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The error boundary: log the class and our own ids, show a kind screen."""
        error = context.error
        kind = _update_kind(update)
        log.error("error while handling a %s update: %s", kind, type(error).__name__,
                  exc_info=(type(error), error, error.__traceback__) if error else None)
        if not isinstance(update, Update) or update.effective_chat is None \
                or update.effective_user is None:
            return
        lang = "en"
        try:
            session = await self.storage.load_session(pseudonym(self.secret,
                                                                update.effective_user.id))
            lang = session.lang if session and session.lang else "en"
        except Exception:
            log.warning("could not read the session while reporting an error")
        _ = Translator(self.content.current.catalogs, lang).gettext
        text = _("Sorry, something went wrong on our side. Please try again, or send /menu.")
        try:
            await context.bot.send_message(update.effective_chat.id, text)
        except TelegramError:
            log.warning("could not tell the user about the error")


async def show(context: ContextTypes.DEFAULT_TYPE, chat_id: int, screen: Screen,
               pressed: Message | None) -> int | None:
    """The one place that edits or sends. Returns the id of the message showing the screen."""
    markup = InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row]
         for row in screen.buttons]
    )
    no_preview = LinkPreviewOptions(is_disabled=True)
    if screen.show is Show.EDIT and pressed is not None:
        try:
            edited = await context.bot.edit_message_text(
                screen.text, chat_id=chat_id, message_id=pressed.message_id,
                parse_mode=ParseMode.HTML, reply_markup=markup, link_preview_options=no_preview,
            )
            return edited.message_id if isinstance(edited, Message) else pressed.message_id
        except BadRequest as exc:
            reason = exc.message.lower()
            if "not modified" in reason:
                return pressed.message_id
            if not ("can't be edited" in reason or "not found" in reason):
                raise
            # Too old or deleted: the screen goes to the bottom of the chat instead.
    try:
        sent = await context.bot.send_message(
            chat_id, screen.text, parse_mode=ParseMode.HTML, reply_markup=markup,
            link_preview_options=no_preview,
        )
    except Forbidden:
        log.info("the user has blocked the bot; nothing sent")
        return None
    return sent.message_id


async def _answer_callback(update: Update, toast: str | None) -> None:
    query = update.callback_query
    if query is None:
        return
    try:
        await query.answer(toast)
    except BadRequest:
        log.info("callback query too old to answer")  # the screen still follows


def _input_of(update: Update) -> Input | None:
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
        return command if command is not None else Text(text)
    return Other(_message_kind(message))


def _message_kind(message: Message) -> str:
    for kind in ("sticker", "voice", "video_note", "video", "photo", "document", "audio",
                 "location", "contact", "animation", "poll", "dice"):
        if getattr(message, kind, None):
            return kind
    return "other"


def _update_kind(update: object) -> str:
    if isinstance(update, Update):
        if update.callback_query is not None:
            return "callback_query"
        if update.message is not None:
            return "message"
        return "other"
    return type(update).__name__


async def serve(channel: TelegramChannel, token: str, base_url: str | None,
                stop: asyncio.Event, content_watch: bool = False) -> None:
    """Poll until stop is set (by SIGTERM or SIGINT in __main__, or by a test)."""
    app = channel.build(token, base_url)
    watcher = asyncio.create_task(watch(channel.content, stop)) if content_watch else None
    async with app:
        await channel.set_commands(app)
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(allowed_updates=["message", "callback_query"],
                                        drop_pending_updates=False)
        log.info("polling for updates")
        await stop.wait()
        await app.updater.stop()
        await app.stop()
    if watcher is not None:
        await watcher


__all__ = ["TelegramChannel", "serve", "show"]
