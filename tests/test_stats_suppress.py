"""Small counts never show, and cannot be worked out from the totals beside them."""

from __future__ import annotations

import itertools
from datetime import date

from bot.stats import ALL, build, csv_text, json_text
from bot.suppress import Line, Mark, protect

K = 5


def feasible(parts: list[int], marks: dict[int, Mark], total: int, shown_values: dict[int, int],
             k: int = K, top: int = 30) -> dict[int, set[int]]:
    """What an attacker who knows the rule can conclude about each hidden part: every value
    it could take, given the published total and the published parts."""
    hidden = [p for p in parts if marks[p] is not Mark.SHOWN]
    ranges = [range(1, k) if marks[p] is Mark.SMALL else range(k, top) for p in hidden]
    rest = total - sum(shown_values[p] for p in parts if marks[p] is Mark.SHOWN)
    seen: dict[int, set[int]] = {p: set() for p in hidden}
    for combo in itertools.product(*ranges):
        if sum(combo) == rest:
            for p, v in zip(hidden, combo, strict=True):
                seen[p].add(v)
    return seen


def test_a_small_cell_is_shown_as_below_k_and_its_line_gets_a_second_hidden_cell():
    values = {"a": 3, "b": 40, "c": 12, "total": 55}
    marks = protect(values, [Line("total", ("a", "b", "c"))], K)
    assert marks["a"] is Mark.SMALL
    assert marks["c"] is Mark.HIDDEN  # the smallest other cell
    assert marks["b"] is Mark.SHOWN and marks["total"] is Mark.SHOWN


def test_subtraction_cannot_recover_any_small_cell_in_any_line():
    """Every line of 2–4 parts with values 0..12: whatever the attacker subtracts, each small
    cell could still be any of 1..4."""
    for parts_values in itertools.product(range(13), repeat=3):
        values = {i: v for i, v in enumerate(parts_values)}
        total = sum(parts_values)
        values[99] = total
        marks = protect(values, [Line(99, (0, 1, 2))], K)
        assert all(marks[i] is not Mark.SHOWN for i, v in values.items() if 0 < v < K)
        if marks[99] is not Mark.SHOWN:
            continue
        shown_values = {i: v for i, v in values.items() if marks[i] is Mark.SHOWN}
        for part, possible in feasible([0, 1, 2], marks, total, shown_values).items():
            if marks[part] is Mark.SMALL:
                assert possible == {1, 2, 3, 4}, (parts_values, marks, possible)


def test_two_small_cells_that_add_up_to_a_give_away_get_a_third():
    # 4 + 4 = 8 published total → each must be 4; one more must go.
    values = {"x": 4, "y": 4, "z": 50, "t": 58}
    marks = protect(values, [Line("t", ("x", "y", "z"))], K)
    assert marks["z"] is Mark.HIDDEN or marks["t"] is not Mark.SHOWN


def test_a_line_with_nothing_left_to_hide_hides_its_total():
    values = {"x": 1, "y": 5, "t": 6}
    marks = protect(values, [Line("t", ("x", "y"))], K)
    assert marks["x"] is Mark.SMALL and marks["y"] is Mark.HIDDEN
    assert marks["t"] is Mark.HIDDEN  # 6 − (y ≥ 5) would give x = 1


def test_a_hidden_total_whose_parts_all_show_has_one_hidden():
    values = {"p": 10, "q": 20, "t": 30, "u": 2, "tt": 32}
    lines = [Line("t", ("p", "q")), Line("tt", ("t", "u"))]
    marks = protect(values, lines, K)
    assert marks["u"] is Mark.SMALL and marks["t"] is Mark.HIDDEN
    assert marks["p"] is Mark.HIDDEN or marks["q"] is Mark.HIDDEN


def rows(*cells: tuple[str, str, str, str, int]) -> list[tuple[str, str, str, str, str, int]]:
    return [(day, kind, node, lang, "", n) for day, kind, node, lang, n in cells]


def test_the_report_never_prints_a_small_number_in_any_format():
    counters = rows(("2026-11-01", "answer", "asylum-apply", "uz", 2),
                    ("2026-11-01", "answer", "asylum-apply", "ru", 30),
                    ("2026-11-02", "answer", "asylum-apply", "ru", 9),
                    ("2026-11-02", "answer", "work", "kk", 7))
    report = build(counters, [], date(2026, 11, 1), date(2026, 11, 2), K)
    uz = report.get("answer", lang="uz", node="asylum-apply")
    assert uz.mark is Mark.SMALL and uz.text(K) == "<5"
    csv = csv_text(report)
    assert "2026-11-01,uz,asylum-apply,answer,<5" in csv
    assert ",2\n" not in csv
    data = json_text(report)
    assert '"2026-11-01|uz|asylum-apply|answer":"small"' in data
    # uz alone would be 41 − 39 = 2 from the language line of asylum-apply: its total or
    # ru is hidden too, in every format.
    total = report.get("answer", node="asylum-apply")
    ru = report.get("answer", lang="ru", node="asylum-apply")
    assert not (total.published and ru.published)
    assert f'"{ALL}|ru|asylum-apply|answer":"hidden"' in data or \
        f'"{ALL}|{ALL}|asylum-apply|answer":"hidden"' in data


def test_crossing_tables_the_day_cells_do_not_give_back_a_hidden_period_cell():
    counters = rows(("2026-11-01", "ended", "main", "uz", 1),
                    ("2026-11-01", "ended", "main", "ru", 6),
                    ("2026-11-02", "ended", "main", "ru", 6),
                    ("2026-11-02", "ended", "main", "kk", 20))
    report = build(counters, [], date(2026, 11, 1), date(2026, 11, 2), K)
    assert not report.get("ended", lang="ru", node="main").published
    days = [report.get("ended", day=d, lang="ru", node="main")
            for d in ("2026-11-01", "2026-11-02")]
    assert not all(d.published for d in days)
