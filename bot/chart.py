"""The report as a picture for a donor report: people per day by language, top answers.

Drawn with matplotlib's Agg backend (no display). Only published figures are drawn: a day
whose count is hidden is a gap in its line, a hidden answer is left out of the bars.
"""

from __future__ import annotations

import io
from datetime import timedelta

import matplotlib
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure as Canvas

from bot.i18n import Translator, language_name
from bot.stats import ALL, Report, daily_people

matplotlib.use("Agg")  # a Figure made without pyplot never opens a window; this makes it sure

WIDTH_PX, HEIGHT_PX, DPI = 1080, 1350, 150  # a phone's portrait share size
# zlib's fastest level: a chart of lines and flat colours compresses nearly as well, and
# the default level took about a tenth of the chart's time (the file is 15% larger).
PNG_OPTIONS = {"compress_level": 1}
TOP_ANSWERS = 8


def png(report: Report, tr: Translator) -> bytes:
    _ = tr.gettext
    canvas = Canvas(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, layout=None)
    canvas.subplots_adjust(left=0.26, right=0.97, top=0.92, bottom=0.07, hspace=0.45)
    canvas.suptitle(tr.fmt("Kömek, {first} – {last}", first=report.first.isoformat(),
                           last=report.last.isoformat()), fontsize=13, fontweight="bold")
    people, answers = canvas.subplots(2, 1, height_ratios=(1, 1))
    days = [report.first + timedelta(days=n) for n in range(report.days)]
    for lang, figures in daily_people(report).items():
        values = [f.value if f.published else float("nan") for f in figures]
        label = _("everyone") if lang == ALL else (language_name(lang) if lang else
                                                    _("no language yet"))
        people.plot(days, values, label=label, linewidth=2.4 if lang == ALL else 1.4,
                    color="black" if lang == ALL else None)
    people.set_title(_("People per day, by language"), fontsize=11)
    people.set_xlabel(_("day"))
    people.set_ylabel(_("people"))
    people.set_ylim(bottom=0)
    people.grid(alpha=0.3)
    people.legend(fontsize=8, loc="center left", framealpha=0.9)
    locator = AutoDateLocator(maxticks=8)  # type: ignore[no-untyped-call]
    people.xaxis.set_major_locator(locator)
    people.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    people.tick_params(axis="x", labelsize=8)
    nodes = report.nodes("answer")[:TOP_ANSWERS][::-1]
    counts = [report.get("answer", node=node).value for node in nodes]
    answers.barh(nodes or [""], counts or [0], color="#2a7ab9")
    answers.set_title(_("Most read answers"), fontsize=11)
    answers.set_xlabel(tr.fmt("times reached (counts below {k} not shown)", k=report.k))
    answers.set_ylabel(_("answer"))
    answers.tick_params(axis="y", labelsize=8)
    answers.grid(axis="x", alpha=0.3)
    out = io.BytesIO()
    canvas.savefig(out, format="png", dpi=DPI, pil_kwargs=PNG_OPTIONS)
    return out.getvalue()


__all__ = ["HEIGHT_PX", "WIDTH_PX", "png"]
