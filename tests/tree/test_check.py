"""Each check, proven by breaking a copy of the real content in exactly one way."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

from bot.content import build
from tests.conftest import ROOT, TODAY


def problems(site: Path, today: date = TODAY) -> list[str]:
    from bot.i18n import CatalogFiles
    from bot.tree.check import check
    from bot.tree.load import load_tree

    result = load_tree(site / "content")
    found = [str(p) for p in result.problems]
    if result.tree is not None:
        found += [str(p) for p in check(result.tree, CatalogFiles.read(site / "locales"),
                                        site / "locales", today)]
    return found


def line_of(path: Path, text: str) -> int:
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {path}")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def only(found: list[str], pattern: str) -> str:
    matching = [p for p in found if re.search(pattern, p)]
    assert len(matching) == 1, (pattern, found)
    return matching[0]


def test_the_shipped_content_is_clean(site: Path):
    assert [p for p in problems(site) if ": pending: " not in p] == []


def test_yaml_syntax(site: Path):
    work = site / "content" / "work.yaml"
    line = line_of(work, "  - id: work-")
    edit(work, "  - id: work-", "  - id: [work-")
    found = problems(site)
    assert len(found) == 1 and found[0].startswith("content/work.yaml:")
    assert "YAML syntax" in found[0]
    assert int(found[0].split(":")[1]) in (line, line + 1)


def test_unknown_key(site: Path):
    work = site / "content" / "work.yaml"
    line = line_of(work, "    text:")
    edit(work, "    text:", "    txt:")
    message = only(problems(site), "unknown key 'txt'")
    assert message.startswith(f"content/work.yaml:{line}: error: unknown key 'txt' in a node; "
                              "allowed: id, text, choices")
    assert "Did you mean 'text'?" in message


def test_wrong_type(site: Path):
    work = site / "content" / "work.yaml"
    line = line_of(work, "reviewed: 2026-11-28")
    edit(work, "reviewed: 2026-11-28", "reviewed: yesterday")
    assert only(problems(site), "must be a date").startswith(f"content/work.yaml:{line}: error:")


def test_duplicate_id(site: Path):
    abuse = site / "content" / "abuse.yaml"
    first = line_of(abuse, "  - id: abuse\n".strip())
    line = line_of(abuse, "  - id: abuse-")
    edit(abuse, "  - id: abuse-", "  - id: abuse\n    text: again\n  - id: abuse-x")
    assert only(problems(site), "duplicate node id") == (
        f"content/abuse.yaml:{line}: error: duplicate node id 'abuse' "
        f"(first at content/abuse.yaml:{first})")


def test_choice_to_a_missing_node(site: Path):
    work = site / "content" / "work.yaml"
    line = line_of(work, "    to: ")
    target = work.read_text().splitlines()[line - 1].split("to:")[1].strip()
    edit(work, f"    to: {target}\n", f"    to: {target}x\n")
    assert only(problems(site), "which does not exist").startswith(
        f"content/work.yaml:{line - 1}: error: choice")


def test_unreachable_node(site: Path):
    (site / "content" / "work.yaml").write_text(
        (site / "content" / "work.yaml").read_text()
        + "\n  - id: work-orphan\n    text: Nobody links here.\n    sources: [migration-law]\n"
          "    reviewed: 2026-11-28\n")
    line = line_of(site / "content" / "work.yaml", "id: work-orphan")
    assert only(problems(site), "cannot be reached").startswith(
        f"content/work.yaml:{line}: error: node 'work-orphan' cannot be reached")


def test_dead_end_and_cycle_with_no_exit(site: Path):
    (site / "content" / "work.yaml").write_text(
        (site / "content" / "work.yaml").read_text() + """
  - id: work-loop-a
    text: A?
    choices:
      - {label: To B, to: work-loop-b}
  - id: work-loop-b
    text: B?
    choices:
      - {label: To A, to: work-loop-a}
  - id: work-dead
    text: Nothing here.
""")
    main = site / "content" / "main.yaml"
    edit(main, "    choices:\n", "    choices:\n      - {label: Loop, to: work-loop-a}\n"
                                 "      - {label: Dead, to: work-dead}\n")
    found = problems(site)
    line = line_of(site / "content" / "work.yaml", "id: work-loop-a")
    assert only(found, "cycle with no exit").startswith(
        f"content/work.yaml:{line}: error: screens work-loop-a, work-loop-b only lead")
    assert only(found, "dead end").startswith(
        f"content/work.yaml:{line + 8}: error: screen 'work-dead' is a dead end")


def test_unknown_source_and_contact(site: Path):
    work = site / "content" / "work.yaml"
    line = line_of(work, "      - id: migration-law")
    edit(work, "      - id: migration-law", "      - id: migration-lawz")
    assert only(problems(site), "unknown source").startswith(
        f"content/work.yaml:{line}: error: unknown source 'migration-lawz', which does not "
        "exist; did you mean 'migration-law'?")


def test_unknown_contact(site: Path):
    text = (site / "content" / "return.yaml").read_text()
    contact = re.search(r"contacts: \[([a-z0-9-]+)", text)
    assert contact
    edit(site / "content" / "return.yaml", f"contacts: [{contact[1]}",
         f"contacts: [{contact[1]}zz")
    assert "unknown contact" in only(problems(site), "unknown contact")


def test_screen_too_long_for_telegram(site: Path):
    work = site / "content" / "work.yaml"
    line = line_of(work, "    text: |")
    edit(work, "    text: |\n", "    text: |\n      " + "Long words. " * 400 + "\n")
    message = only(problems(site), r"\[en\] screen .* characters")
    assert message.startswith(f"content/work.yaml:{line}: error: [en] screen 'work")
    assert "Telegram allows 4096" in message


def test_node_id_too_long_for_button_data(site: Path):
    work = site / "content" / "work.yaml"
    long_id = "work-" + "x" * 40
    edit(work, "  - id: work-", f"  - id: {long_id}\n    text: x\n  - id: work-")
    assert any("must be 1–40 lower-case letters" in p for p in problems(site))


def test_bad_deeplink(site: Path):
    work = site / "content" / "work.yaml"
    line = line_of(work, "  - id: work")
    edit(work, "  - id: work\n", "  - id: work\n    deeplink: work permit!\n")
    assert only(problems(site), "deeplink").startswith(
        f"content/work.yaml:{line}: error: deeplink 'work permit!' must be 1–64 letters")


def text_line(path: Path, node: str) -> int:
    """The line of a node's `text:` key: where the checker says its English is."""
    lines = path.read_text().splitlines()
    start = lines.index(f"  - id: {node}")
    return next(n for n in range(start, len(lines)) if lines[n].startswith("    text:")) + 1


def po_entry(po: Path, context: str, msgid_start: str) -> tuple[int, int]:
    """The lines of an entry's msgid and msgstr, found by its context and English."""
    lines = po.read_text().splitlines()
    for number, line in enumerate(lines, start=1):
        if line == f'msgctxt "{context}"' and lines[number].startswith(f'msgid "{msgid_start}'):
            msgstr = next(n for n in range(number + 1, len(lines) + 1)
                          if lines[n - 1].startswith("msgstr "))
            return number + 1, msgstr
    raise AssertionError((context, msgid_start))


def test_a_lost_bold_mark_is_an_error_at_the_po_line_with_the_english_beside(site: Path):
    po = site / "locales" / "ru" / "LC_MESSAGES" / "content.po"
    _, msgstr = po_entry(po, "asylum-apply", "")
    lines = po.read_text().splitlines(keepends=True)
    bold = next(n for n in range(msgstr - 1, len(lines)) if "**" in lines[n])
    lines[bold] = lines[bold].replace("**", "", 1)
    po.write_text("".join(lines))
    english_at = text_line(site / "content" / "asylum.yaml", "asylum-apply")
    assert only(problems(site), "unmatched") == (
        f"locales/ru/LC_MESSAGES/content.po:{msgstr}: error: [ru] an unmatched '**' would be "
        "shown as text: the English has 6, the translation 5 "
        f"(English at content/asylum.yaml:{english_at})")


def test_a_raw_html_tag_in_a_translation_is_an_error(site: Path):
    po = site / "locales" / "ru" / "LC_MESSAGES" / "content.po"
    _, msgstr = po_entry(po, "abuse", "")
    lines = po.read_text().splitlines(keepends=True)
    lines[msgstr] = lines[msgstr].replace('"**', '"<b>', 1).replace('**', '</b>', 1)
    po.write_text("".join(lines))
    english_at = text_line(site / "content" / "abuse.yaml", "abuse")
    found = [p for p in problems(site) if ": pending: " not in p]
    assert found == [
        f"locales/ru/LC_MESSAGES/content.po:{msgstr}: error: [ru] raw HTML tags <b> </b> would "
        "be shown as text: write **bold** or _italic_ as in the English "
        f"(English at content/abuse.yaml:{english_at})"]


def test_a_raw_html_tag_in_the_english_is_an_error(site: Path):
    work = site / "content" / "work.yaml"
    line = line_of(work, "    text: |")
    edit(work, "    text: |\n      ", "    text: |\n      <b>Note.</b> ")
    assert only(problems(site), "in the English") == (
        f"content/work.yaml:{line}: error: raw HTML tags <b> </b> in the English would be "
        "shown as text: write **bold**, _italic_ or [a link](https://…)")


def test_an_unmatched_bold_mark_in_the_english_is_an_error(site: Path):
    work = site / "content" / "work.yaml"
    line = line_of(work, "    text: |")
    edit(work, "    text: |\n      ", "    text: |\n      **Note. ")
    assert only(problems(site), "in the English") == (
        f"content/work.yaml:{line}: error: an unmatched '**' in the English would be shown as "
        "text: each bold or italic part needs an opening and a closing mark")


def test_a_lost_or_foreign_placeholder_names_it(site: Path):
    bot = site / "locales" / "kk" / "LC_MESSAGES" / "bot.po"
    text = bot.read_text()
    bot.write_text(re.sub(r'(msgstr ".*)\{date\}', r"\1{күні}", text, count=1))
    line = line_of(bot, "{күні}")
    found = [p for p in problems(site) if "placeholder" in p]
    assert [p.split(" (English at ")[0] for p in found] == [
        f"locales/kk/LC_MESSAGES/bot.po:{line}: error: [kk] placeholder {{date}} is missing "
        "from the translation; the bot shows the English instead",
        f"locales/kk/LC_MESSAGES/bot.po:{line}: error: [kk] placeholder {{күні}} is not in the "
        "English: keep the English's names ({date})"]
    assert all(re.search(r"\(English at bot/\w+\.py:\d+\)$", p) for p in found)


def test_other_formatting_differences_warn(site: Path):
    po = site / "locales" / "ru" / "LC_MESSAGES" / "content.po"
    _, msgstr = po_entry(po, "asylum-apply", "")
    lines = po.read_text().splitlines(keepends=True)
    item = next(n for n in range(msgstr, len(lines)) if lines[n].startswith('"- '))
    lines[item] = '"' + lines[item][3:]  # one list item less, same words
    po.write_text("".join(lines))
    found = [p for p in problems(site) if ": warning: " in p]
    english_at = text_line(site / "content" / "asylum.yaml", "asylum-apply")
    assert found == [
        f"locales/ru/LC_MESSAGES/content.po:{msgstr}: warning: [ru] formatting differs from "
        "the English: '- ' list items: 6 in the English, 5 here "
        f"(English at content/asylum.yaml:{english_at})"]


def test_po_syntax_error(site: Path):
    po = site / "locales" / "uz" / "LC_MESSAGES" / "bot.po"
    line = line_of(po, 'msgstr "')
    edit(po, 'msgstr "', 'msgstrr "')
    assert [p for p in problems(site) if ": pending: " not in p] == [
        f"locales/uz/LC_MESSAGES/bot.po:{line - 1}: error: PO file: this msgid has no msgstr",
        f"locales/uz/LC_MESSAGES/bot.po:{line}: error: PO file: unknown keyword 'msgstrr': a PO "
        "line starts with msgid, msgstr, msgctxt, '\"' or '#'"]


def test_missing_and_fuzzy_translations_are_pending_with_the_fallback(site: Path):
    work = site / "content" / "work.yaml"
    line = line_of(work, "      - label:")
    label = work.read_text().splitlines()[line - 1].split("label:")[1].strip()
    edit(work, f"      - label: {label}\n", f"      - label: {label} now\n")
    found = problems(site)
    for lang in ("kk", "ru"):
        assert f"content/work.yaml:{line}: pending: [{lang}] not in " \
               f"locales/{lang}/LC_MESSAGES/content.po yet: shown in en ({label} now); run " \
               "i18n extract, then i18n update" in found
    kk = site / "locales" / "kk" / "LC_MESSAGES" / "content.po"
    _, msgstr = po_entry(kk, "work", "")
    kk.write_text(kk.read_text().replace('msgctxt "work"', '#, fuzzy\nmsgctxt "work"', 1))
    assert f"locales/kk/LC_MESSAGES/content.po:{msgstr + 1}: pending: [kk] translation is " \
           "marked fuzzy: shown in ru" in " ".join(problems(site))


def test_review_dates_and_sources(site: Path):
    overdue = [p for p in problems(site, today=date(2028, 1, 1)) if "last reviewed" in p]
    assert overdue and all(": pending: answer '" in p for p in overdue)  # never blocks
    assert "was last reviewed on 2026-11-28, over 365 days ago; check it against its sources " \
           "again, then update 'reviewed'" in overdue[0]
    contacts = site / "content" / "contacts.yaml"
    line = line_of(contacts, "  - id: unhcr-almaty")
    assert f"content/contacts.yaml:{line}: pending: contact 'unhcr-almaty' was taken from a " \
           "source on 2026-11-28 and no person has confirmed it; call or visit, then set " \
           "'confirmed:' to that day" in problems(site)
    edit(contacts, "    taken: 2026-11-28\n", "    taken: 2026-11-28\n    confirmed: 2026-11-30\n")
    assert f"content/contacts.yaml:{line}: pending: contact 'unhcr-almaty' was confirmed on " \
           "2026-11-30, over 180 days ago; check its details again" \
        in problems(site, today=date(2027, 6, 1))
    assert not any("'unhcr-almaty'" in p for p in problems(site))
    work = site / "content" / "work.yaml"
    text = work.read_text()
    node = re.search(r"  - id: (work-[a-z0-9-]+)\n    text: \|\n(?:      .*\n|\n)+?    sources:\n"
                     r"((?:      - .*\n(?:        .*\n)*)+)", text)
    assert node
    work.write_text(text.replace(node[2], "", 1).replace("    sources:\n    reviewed",
                                                         "    reviewed", 1))
    assert any(f"answer '{node[1]}' has no sources" in p for p in problems(site))


def test_long_label_warns(site: Path):
    work = site / "content" / "work.yaml"
    line = line_of(work, "      - label:")
    label = work.read_text().splitlines()[line - 1].split("label:")[1].strip()
    edit(work, f"      - label: {label}\n", "      - label: " + "A very long button label "
                                             "that will not fit\n")
    assert f"content/work.yaml:{line}: warning: button label is 42 characters; at most 30 fit " \
           "on a phone" in problems(site)


def test_cli_json_strict_and_exit_codes(site: Path):
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot", "check", *args], cwd=site,
                              capture_output=True, text=True, timeout=60,
                              env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})

    def missing_kk(stdout: str) -> int:
        row = re.search(r"^kk\s+\d+\s+\d+\s+(\d+)\s+(\d+)\s+\d+$", stdout, flags=re.M)
        assert row, stdout
        return int(row[2])

    before = run()
    assert before.returncode == 0
    work = site / "content" / "work.yaml"
    line = line_of(work, "      - label:")
    label = work.read_text().splitlines()[line - 1].split("label:")[1].strip()
    edit(work, f"      - label: {label}\n", f"      - label: {label} now\n")
    pending = run("--strict")
    assert pending.returncode == 0  # a translation still to come never blocks a fix
    assert "pending: [kk] not in locales/kk/LC_MESSAGES/content.po yet" in pending.stdout
    assert missing_kk(pending.stdout) == missing_kk(before.stdout) + 1  # the summary table
    edit(work, f"      - label: {label} now\n",
         "      - label: A very long button label that will not fit\n")
    assert run().returncode == 0  # warnings only
    strict = run("--strict")
    assert strict.returncode == 1
    assert "warning: button label is 42 characters" in strict.stdout
    data = [p for p in json.loads(run("--json").stdout) if p["level"] != "pending"]
    assert {"file": "content/work.yaml", "line": line, "level": "warning"}.items() \
        <= data[0].items()
    edit(work, "  - id: work-", "  - id: work-\n")
    assert run().returncode == 1


def test_check_of_the_full_content_is_fast(site: Path):
    """Not a timed assertion: the figure is printed for the record (see bench/)."""
    content, found = build(site / "content", site / "locales")
    assert content is not None and not [p for p in found if p.level != "pending"]


def test_duplicate_source_id(site: Path):
    sources = site / "content" / "sources.yaml"
    first = line_of(sources, "  - id: refugee-law")
    sources.write_text(sources.read_text() + "\n  - id: refugee-law\n    title: Again\n")
    line = len(sources.read_text().splitlines()) - 1
    assert only(problems(site), "duplicate source id") == (
        f"content/sources.yaml:{line}: error: duplicate source id 'refugee-law' "
        f"(first at content/sources.yaml:{first})")


def test_a_node_may_not_list_a_contact_nobody_can_reach(site: Path):
    contacts = site / "content" / "contacts.yaml"
    edit(contacts, "    url: https://bureau.kz\n", "")
    found = problems(site)
    line = line_of(site / "content" / "return.yaml", "  - id: return-lawyer")
    assert only(found, "node 'return-lawyer' lists contact 'kibhr'") == (
        f"content/return.yaml:{line}: error: node 'return-lawyer' lists contact 'kibhr', which "
        "has no phone, url or address, so nobody can reach it; add one that a source shows, "
        "or remove it from this node")
    listing = [n for n in (site / "content").glob("*.yaml")
               for m in re.finditer(r"contacts: \[[^\]]*\bkibhr\b", n.read_text())]
    assert len([p for p in found if "lists contact 'kibhr'" in p]) == len(listing)
    assert not any("lists contact" in p for p in found if "'kibhr'" not in p)
