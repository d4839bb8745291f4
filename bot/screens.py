"""Screens: what one message shows (Telegram HTML and rows of buttons), built purely."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum
from html import escape, unescape

from babel.dates import format_date

from bot.actions import (
    Action,
    Back,
    Contacts,
    Exit,
    Forget,
    Go,
    Menu,
    PickLanguage,
    Rate,
    SetLanguage,
    encode,
)
from bot.events import Vote
from bot.i18n import LANGUAGES, Translated, Translator, language_name
from bot.tree.model import ROOT, Choice, Contact, Need, Node, Tree
from bot.tree.render import to_html

MAX_TEXT = 4096  # Telegram's limit for one message, after entities are parsed
MAX_LABEL = 30  # a search hit's button: what a cheap phone shows without cutting
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
PICKER_BUTTON = "🌐 Язык · Тіл · Til · Language"  # before a language is chosen: all four
EXIT_BUTTON = "✖ Выход · Шығу · Chiqish · Exit"


def language_picker(show: Show) -> Screen:
    buttons = tuple(Button(language_name(code), SetLanguage(code)) for code in LANGUAGES)
    return Screen(PICKER_TEXT, (buttons[:2], buttons[2:], (Button(EXIT_BUTTON, Exit()),)), show)


@dataclass
class _Parts:
    """Collects the pieces of one node screen and which languages they came in."""

    tr: Translator
    langs: set[str] = field(default_factory=set)

    def content(self, context: str, msgid: str) -> str:
        found: Translated = self.tr.content(context, msgid)
        self.langs.add(found.lang)
        return found.text


@dataclass(frozen=True, slots=True)
class Helpful:
    """The "was this helpful?" row: asked, with the vote given so far, or not at all."""

    ask: bool = True
    vote: Vote | None = None


def node_screen(tree: Tree, tr: Translator, node: Node, today: date, show: Show, *,
                notice: str | None = None, helpful: Helpful = Helpful(),
                picker: bool = False) -> Screen:
    """One node as a message. `picker` adds a way to the language picker, for a screen shown
    before a language is chosen (the urgent one)."""
    parts = _Parts(tr)
    blocks = [to_html(parts.content(node.id, node.text))]
    if node.is_answer:
        blocks.append(_sources_block(tree, parts, node, today))
    if node.contacts:
        blocks.append(_contacts_block(tree, parts, node.contacts))
    rows: list[tuple[Button, ...]] = [(Button(parts.content(node.id, c.label), Go(c.target)),)
                                      for c in _urgent_first(tree, node)]
    if node.id == ROOT and tree.urgent is not None:
        first = rows[0][0]
        rows[0] = (Button("🆘 " + first.label, first.action),)
    if node.is_answer and helpful.ask:
        rows.append(helpful_row(tr, node.id, helpful.vote))
    if picker:
        rows.append((Button(PICKER_BUTTON, PickLanguage()),))
    rows.append(menu_row(tr, node.id))
    fallback = _fallback_lang(tr.lang, parts.langs)
    if fallback is not None:
        blocks.insert(0, "<i>" + html_text(fallback_notice(tr, fallback)) + "</i>")
    if notice is not None:
        blocks.insert(0, "<i>" + html_text(notice) + "</i>")
    return Screen("\n\n".join(b for b in blocks if b), tuple(rows), show, node.id, fallback)


def _urgent_first(tree: Tree, node: Node) -> list[Choice]:
    """On the main menu the urgent screen is always the first choice, whatever the file says."""
    choices = list(node.choices)
    urgent = tree.urgent
    if node.id != ROOT or urgent is None:
        return choices
    leading = [c for c in choices if c.target == urgent]
    if not leading:
        label = tree.nodes[urgent].text.strip().splitlines()[0].strip("*# ")
        leading = [Choice(label, urgent, node.place)]
    return leading + [c for c in choices if c.target != urgent]


def menu_row(tr: Translator, node_id: str | None) -> tuple[Button, ...]:
    """The last row of every screen: the ways out, with the safe exit always there."""
    _ = tr.gettext
    leave = Button("✖ " + _("Exit"), Exit())
    if node_id == ROOT:
        return Button("🌐 " + _("Language"), PickLanguage()), leave
    back = (Button("◀ " + _("Back"), Back(node_id)),) if node_id is not None else ()
    return *back, Button("🏠 " + _("Main menu"), Menu()), leave


def helpful_row(tr: Translator, node_id: str, vote: Vote | None) -> tuple[Button, ...]:
    _ = tr.gettext
    yes, no = "👍 " + _("Helpful"), "👎 " + _("Not helpful")
    if vote is Vote.YES:
        yes = "✓ " + yes
    elif vote is Vote.NO:
        no = "✓ " + no
    return Button(yes, Rate(node_id, Vote.YES)), Button(no, Rate(node_id, Vote.NO))


def headline(tree: Tree, tr: Translator, node_id: str) -> str:
    """A short name for a screen, in the reader's language: the label of the button that
    leads to it, or else its first line; at most MAX_LABEL characters, cut at a word."""
    parent = tree.parent(node_id)
    if parent is not None:
        for choice in tree.nodes[parent].choices:
            if choice.target == node_id:
                return shorten(tr.content(parent, choice.label).text)
    node = tree.nodes[node_id]
    text = tr.content(node.id, node.text).text.strip()
    return shorten(text.splitlines()[0].replace("**", "").strip("#*_ ") if text else node_id)


def shorten(label: str, limit: int = MAX_LABEL) -> str:
    if len(label) <= limit:
        return label
    cut = label[:limit - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:—-") + "…"


def needs_screen(tr: Translator, show: Show) -> Screen:
    _ = tr.gettext
    labels = {
        Need.ASYLUM: _("Asylum and refugees"),
        Need.WORK: _("Work and stay"),
        Need.ABUSE: _("Abuse, exploitation, police"),
        Need.LEGAL: _("A lawyer, legal aid"),
    }
    rows = [(Button(labels[need], Contacts(need)),) for need in Need]
    text = "<b>" + html_text(_("Organisations that help")) + "</b>\n" + html_text(
        _("What do you need help with?"))
    return Screen(text, (*rows, menu_row(tr, None)), show)


def contacts_screens(tree: Tree, tr: Translator, need: Need, show: Show) -> tuple[Screen, ...]:
    """The contacts that serve this need and can be reached; more than one message if long."""
    _ = tr.gettext
    parts = _Parts(tr)
    blocks = [contact_html(c, parts) for c in tree.contacts.values()
              if need in c.needs and c.reachable]
    if not blocks:
        blocks = [html_text(_("We have no checked contact for this yet. Try the other lists, "
                              "or ask UNHCR or a lawyer."))]
    head = "<b>" + html_text(_("Organisations that help")) + "</b>"
    texts = [head]
    for block in blocks:
        joined = texts[-1] + "\n\n" + block
        if telegram_length(joined) <= MAX_TEXT:
            texts[-1] = joined
        else:
            texts.append(block)
    rows = ((Button("◀ " + _("Back"), Contacts()),), menu_row(tr, None))
    screens = [Screen(text, (), Show.SEND) for text in texts]
    screens[0] = replace(screens[0], show=show)
    screens[-1] = replace(screens[-1], buttons=rows)
    return tuple(screens)


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
            "Taken from a published source on {date}; nobody has called to confirm it yet.",
            date=taken)) + "</i>")
    return "\n".join(lines)



def forget_question(tr: Translator, show: Show) -> Screen:
    _ = tr.gettext
    text = "<b>" + html_text(_("Delete everything Kömek keeps about you?")) + "</b>\n" + \
        html_text(_("That is your language, where you are in the menus, and the numbers of "
                    "recent messages in this chat (kept for 48 hours so that Exit can delete "
                    "them). Counts with no names in them stay."))
    rows = ((Button("✓ " + _("Yes, delete"), Forget(True)),
             Button(_("No, keep"), Forget(False))),)
    return Screen(text, rows, show)


def forgotten(tr: Translator, show: Show) -> Screen:
    _ = tr.gettext
    text = "<b>" + html_text(_("Deleted.")) + "</b>\n" + html_text(
        _("Kömek no longer knows your language, where you were in the menus, or any message "
          "numbers. Messages you can see in this chat stay until you delete them; Exit "
          "deletes them for you. Send /start to begin again."))
    return Screen(text, ((Button(PICKER_BUTTON, PickLanguage()),),), show)


def neutral(tr: Translator) -> Screen:
    """What the safe exit leaves: says nothing about what the bot is for, has no buttons."""
    _ = tr.gettext
    text = html_text(_("Done.")) + "\n\n" + html_text(
        _("Tip: to clear a chat completely, press and hold it in the chat list, choose "
          "Delete, and tick “Also delete for the other side”; or open the chat’s menu and "
          "choose Clear history."))
    return Screen(text, (), Show.SEND)


def search_results(tree: Tree, tr: Translator, hits: Iterable[str], show: Show) -> Screen:
    _ = tr.gettext
    rows: list[tuple[Button, ...]] = [(Button(headline(tree, tr, node), Go(node)),)
                                      for node in hits]
    if rows:
        text = html_text(_("Here is what I found. Choose one:"))
    else:
        text = html_text(_("I did not find an answer to that. Try other words, or choose from "
                           "the menu. If someone may be sent back or is detained now, press "
                           "Urgent help."))
    if tree.urgent is not None:
        rows.append((Button("🆘 " + _("Urgent help"), Go(tree.urgent)),))
    rows.append(menu_row(tr, None))
    return Screen(text, tuple(rows), show)


def note(tr: Translator, text: str, show: Show) -> Screen:
    """A short message on its own, with the main menu: for a notice too long to sit atop."""
    return Screen("<i>" + html_text(text) + "</i>", (menu_row(tr, None),), show)
