"""Distinct people: accurate enough, and unlinkable once a period's key is gone."""

from __future__ import annotations

from datetime import date, timedelta

from bot.sketch import EVERYONE, Period, PeriodKeys, Sketch, Uniques, period_start
from tests.conftest import TODAY


def fed(keys: PeriodKeys, period: Period, day: date, people: range) -> Sketch:
    sketch = Sketch()
    for person in people:
        sketch.add_hash(keys.hash(period, day, f"p{person}"))
    return sketch


def test_estimates_are_within_a_few_percent_small_and_large():
    keys = PeriodKeys()
    for n in (3, 40, 900, 20_000):
        estimate = fed(keys, Period.DAY, TODAY, range(n)).estimate()
        assert abs(estimate - n) <= max(1, 0.05 * n), (n, estimate)


def test_same_key_union_counts_people_once_and_a_new_key_does_not():
    keys = PeriodKeys()
    monday = period_start(Period.WEEK, TODAY)
    a = fed(keys, Period.WEEK, monday, range(0, 3000))
    b = fed(keys, Period.WEEK, monday + timedelta(days=2), range(1000, 4000))
    assert abs(a.merge(b).estimate() - 4000) < 200  # one week key: the overlap counts once
    # Days have a key each: the same 3000 people on two days look like about 6000.
    day1 = fed(keys, Period.DAY, TODAY, range(3000))
    day2 = fed(keys, Period.DAY, TODAY + timedelta(days=1), range(3000))
    assert day1.merge(day2).estimate() > 5500


def test_a_period_key_is_dropped_when_the_period_ends():
    keys = PeriodKeys()
    first, made = keys.key(Period.DAY, TODAY)
    assert made and keys.key(Period.DAY, TODAY) == (first, False)
    tomorrow, made = keys.key(Period.DAY, TODAY + timedelta(days=1))
    assert made and tomorrow != first
    again, made = keys.key(Period.DAY, TODAY)
    assert made and again != first  # yesterday's key is gone for good
    week, _ = keys.key(Period.WEEK, TODAY)
    assert keys.key(Period.WEEK, period_start(Period.WEEK, TODAY) + timedelta(days=6))[0] == week


def test_registers_round_trip_and_everyone_is_fed_beside_the_language():
    uniques = Uniques()
    for key in uniques.wanted(TODAY, "kk"):
        uniques.hold(key, Sketch())
    grown = uniques.add("someone", TODAY, "kk")
    langs = {key[2] for key, _, _ in grown}
    periods = {key[0] for key, _, _ in grown}
    assert langs == {"kk", EVERYONE} and periods == set(Period)
    assert all(first for _, _, first in grown)
    assert uniques.add("someone", TODAY, "kk") == []  # the same person: nothing grows
    sketch = grown[0][1]
    assert Sketch.load(sketch.dump()).registers == sketch.registers


def test_period_starts():
    assert period_start(Period.DAY, TODAY) == TODAY
    assert period_start(Period.WEEK, date(2026, 11, 28)) == date(2026, 11, 23)  # a Monday
    assert period_start(Period.MONTH, TODAY) == date(2026, 11, 1)
