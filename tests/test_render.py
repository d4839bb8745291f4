from __future__ import annotations

from bot.tree.check import html_problem
from bot.tree.render import to_html


def test_markdown_becomes_telegram_html():
    html = to_html("**Do it** _now_. [UNHCR](https://x.org/?a=1&b=2)\n\n- one\n- two\n\nEnd.")
    assert html == ('<b>Do it</b> <i>now</i>. <a href="https://x.org/?a=1&amp;b=2">UNHCR</a>'
                    "\n\n• one\n• two\n\nEnd.")


def test_raw_html_and_angle_brackets_are_text():
    html = to_html("a < b & <script>alert(1)</script> <b>x</b>")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert html_problem(html) is None


def test_ordered_lists_keep_their_numbers():
    assert to_html("3. c\n4. d") == "3. c\n4. d"


def test_html_problem_finds_what_telegram_refuses():
    assert html_problem("<b>x</i>") is not None
    assert html_problem("<div>x</div>") == "tag <div> is not allowed"
    assert html_problem("<b>x") == "<b> is never closed"


def test_telegram_length_counts_visible_utf16_units():
    from bot.screens import telegram_length

    assert telegram_length('<b>a</b> <a href="https://x.org">b</a> &lt;') == 5
    assert telegram_length("📍") == 2 and telegram_length("☎") == 1
