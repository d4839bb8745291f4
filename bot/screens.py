"""Screens: what one message shows (Telegram HTML and rows of buttons), built purely."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from html import escape, unescape

from babel.dates import format_date

from bot.actions import Action, Back, Go, Menu, PickLanguage, SetLanguage, encode
from bot.i18n import LANGUAGES, Translated, Translator, language_name
from bot.tree.model import ROOT, Contact, Node, Tree
from bot.tree.render import to_html

MAX_TEXT = 4096  # Telegram's limit for one message, after entities are parsed
_TAG = re.compile(r"<[^>]+>")


def telegram_length(html: str) -> int:
    """What Telegram counts against MAX_TEXT: the visible text, in UTF-16 code units."""
    visible = unescape(_TAG.sub("", html))
    return len(visible.encode("utf-16-le")) // 2


def html_text(text: str) -> str:
    """Escape text for Telegram HTML; quotes stay as they are outside attributes."""
    return escape(text, quote=False)


class Show(StrEnum):
    SEND = "send"  # a new message at the bottom of the chat
    EDIT = "edit"  # replace the message whose button was pressed


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    action: Action

    @property
    def data(self) -> str:
        return encode(self.action)


@dataclass(frozen=True, slots=True)
class Screen:
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    show: Show = Show.SEND
    node: str | None = None
    fallback: str | None = None  # the language shown instead of the reader's, if any

    def buttons_flat(self) -> tuple[Button, ...]:
        return tuple(b for row in self.buttons for b in row)


PICKER_TEXT = (
    "Выберите язык · Тілді таңдаңыз · Tilni tanlang · Choose your language"
)


def language_picker(show: Show) -> Screen:
    buttons = tuple(Button(language_name(code), SetLanguage(code)) for code in LANGUAGES)
    return Screen(PICKER_TEXT, (buttons[:2], buttons[2:]), show)


@dataclass
class _Parts:
    """Collects the pieces of one node screen and which languages they came in."""

    tr: Translator
    langs: set[str] = field(default_factory=set)

    def content(self, context: str, msgid: str) -> str:
        found: Translated = self.tr.content(context, msgid)
        self.langs.add(found.lang)
        return found.text


def node_screen(tree: Tree, tr: Translator, node: Node, today: date, show: Show) -> Screen:
    _ = tr.gettext
    parts = _Parts(tr)
    blocks = [to_html(parts.content(node.id, node.text))]
    if node.is_answer:
        blocks.append(_sources_block(tree, parts, node, today))
    if node.contacts:
        blocks.append(_contacts_block(tree, parts, node.contacts))
    rows: list[tuple[Button, ...]] = [
        (Button(parts.content(node.id, c.label), Go(c.target)),) for c in node.choices]
    if node.id == ROOT:
        rows.append((Button("🌐 " + _("Language"), PickLanguage()),))
    else:
        rows.append((Button("◀ " + _("Back"), Back(node.id)),
                     Button("🏠 " + _("Main menu"), Menu())))
    fallback = _fallback_lang(tr.lang, parts.langs)
    if fallback is not None:
        blocks.insert(0, "<i>" + html_text(fallback_notice(tr, fallback)) + "</i>")
    return Screen("\n\n".join(b for b in blocks if b), tuple(rows), show, node.id, fallback)


def fallback_notice(tr: Translator, shown_in: str) -> str:
    _ = tr.gettext
    if shown_in == "ru":
        return _("This part is not yet translated into your language; it is shown in Russian.")
    return _("This part is not yet translated into your language; it is shown in English.")


def _fallback_lang(wanted: str, used: set[str]) -> str | None:
    """The language furthest down the chain that this screen had to use, if not the reader's."""
    others = used - {wanted}
    if not others:
        return None
    return "en" if "en" in others else sorted(others)[0]


def _sources_block(tree: Tree, parts: _Parts, node: Node, today: date) -> str:
    _ = parts.tr.gettext
    lines = ["<b>" + html_text(_("Sources")) + "</b>"]
    for citation in node.citations:
        source = tree.sources[citation.source]
        title = html_text(parts.content(f"source:{source.id}", source.title))
        if source.url:
            title = f'<a href="{escape(source.url)}">{title}</a>'
        if citation.art:
            title += ", " + html_text(parts.tr.fmt("art. {articles}", articles=citation.art))
        lines.append("• " + title)
    if node.reviewed is not None:
        reviewed = format_date(node.reviewed, "long", locale=parts.tr.lang)
        lines.append("<i>" + html_text(parts.tr.fmt("Last reviewed: {date}", date=reviewed))
                     + "</i>")
        if node.reviewed + timedelta(days=node.review_days) < today:
            lines.append("⚠ " + html_text(_("This answer is due for a new check. Laws change: "
                                         "ask a lawyer or UNHCR before you act on it.")))
    return "\n".join(lines)


def _contacts_block(tree: Tree, parts: _Parts, ids: Iterable[str]) -> str:
    _ = parts.tr.gettext
    blocks = []
    for contact_id in ids:
        blocks.append(contact_html(tree.contacts[contact_id], parts))
    return "<b>" + html_text(_("Contacts")) + "</b>\n" + "\n\n".join(blocks)


def contact_html(contact: Contact, parts: _Parts) -> str:
    _ = parts.tr.gettext
    context = f"contact:{contact.id}"
    lines = ["<b>" + html_text(parts.content(context, contact.name)) + "</b>"]
    if contact.what:
        lines.append(html_text(parts.content(context, contact.what)))
    lines.extend("☎ " + html_text(phone) for phone in contact.phones)
    if contact.address:
        lines.append("📍 " + html_text(parts.content(context, contact.address)))
    if contact.hours:
        lines.append("🕘 " + html_text(parts.content(context, contact.hours)))
    if contact.url:
        lines.append("🔗 " + html_text(contact.url))
    if contact.confirmed is not None:
        confirmed = format_date(contact.confirmed, "long", locale=parts.tr.lang)
        lines.append("<i>" + html_text(parts.tr.fmt("Confirmed by a call or visit: {date}",
                                                    date=confirmed)) + "</i>")
    elif contact.taken is not None:
        taken = format_date(contact.taken, "long", locale=parts.tr.lang)
        lines.append("<i>" + html_text(parts.tr.fmt(
            "Taken on {date} from a published source; nobody has called to confirm it yet.",
            date=taken)) + "</i>")
    return "\n".join(lines)

