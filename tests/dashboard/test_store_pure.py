"""Statement paging, cursors and validation, without Cassandra."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from fraud_dashboard.store import Cursor, StatementRequest, clean_row, merge_page, validate_cc_num

T = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("good", ["12345678", "4000123412341234", "1" * 19])
def test_card_numbers_of_8_to_19_digits_are_valid(good):
    assert validate_cc_num(good) is None


@pytest.mark.parametrize("bad", ["", "1234567", "1" * 20, "4000-1234", "abc", "4000 1234 1234", "１２３４５６７８"])
def test_bad_card_numbers_name_the_value_and_the_rule(bad):
    reason = validate_cc_num(bad)
    assert reason is not None and "8 to 19 digits" in reason and repr(bad[:40]) in reason


def test_cursor_round_trips_to_the_millisecond():
    cursor = Cursor("asc", T + timedelta(milliseconds=7), "tx-9")
    assert Cursor.decode(cursor.encode()) == cursor


@pytest.mark.parametrize("junk", ["", "!!!", "bm90IGpzb24", Cursor("desc", T, "x").encode()[:-3] + "AAA"])
def test_foreign_cursors_are_rejected_with_a_fix(junk):
    with pytest.raises(ValueError, match="next_cursor"):
        Cursor.decode(junk)


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (StatementRequest("12"), "8 to 19 digits"),
        (StatementRequest("12345678", order="up"), "'asc' or 'desc'"),
        (StatementRequest("12345678", limit=0), "1 to 500"),
        (StatementRequest("12345678", limit=501), "1 to 500"),
        (StatementRequest("12345678", start=date(2026, 2, 2), end=date(2026, 2, 1)), "swap"),
        (StatementRequest("12345678", cursor=Cursor("asc", T, "x")), "same order"),
    ],
)
def test_bad_requests_say_what_to_change(request_, message):
    with pytest.raises(ValueError, match=message):
        request_.check()


def test_date_range_is_whole_utc_days_inclusive():
    lower, upper = StatementRequest("12345678", start=date(2026, 3, 1), end=date(2026, 3, 2)).time_window()
    assert (lower, upper) == (datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 3, tzinfo=UTC))


def test_cursor_narrows_the_window_in_the_reading_direction():
    desc = StatementRequest("12345678", order="desc", cursor=Cursor("desc", T, "a"))
    asc = StatementRequest("12345678", order="asc", cursor=Cursor("asc", T, "a"))
    assert desc.time_window()[1] == T
    assert asc.time_window()[0] == T + timedelta(milliseconds=1)
    assert desc.cursor_in_range() and asc.cursor_in_range()
    outside = StatementRequest("12345678", end=date(2026, 2, 1), cursor=Cursor("desc", T, "a"))
    assert not outside.cursor_in_range()


def _rows(*specs):
    return [{"trans_time": T + timedelta(seconds=s), "trans_num": n} for s, n in specs]


def test_merge_orders_across_tables_and_breaks_ties_by_trans_num():
    fraud = _rows((2, "b"), (1, "z"))
    legit = _rows((2, "a"), (1, "c"), (0, "q"))
    page = merge_page(StatementRequest("12345678", limit=10, order="desc"), [fraud, legit])
    assert [r["trans_num"] for r in page.rows] == ["a", "b", "c", "z", "q"]
    assert page.next_cursor is None
    page = merge_page(StatementRequest("12345678", limit=10, order="asc"), [fraud[::-1], legit[::-1]])
    assert [r["trans_num"] for r in page.rows] == ["q", "z", "c", "b", "a"]


def test_merge_issues_a_cursor_at_the_last_row_only_when_more_exist():
    rows = _rows((3, "a"), (2, "b"), (1, "c"))
    page = merge_page(StatementRequest("12345678", limit=2), [rows, []])
    assert [r["trans_num"] for r in page.rows] == ["a", "b"]
    assert Cursor.decode(page.next_cursor) == Cursor("desc", T + timedelta(seconds=2), "b")
    assert merge_page(StatementRequest("12345678", limit=3), [rows, []]).next_cursor is None


def test_clean_row_makes_times_aware_and_drops_nan():
    row = clean_row({"t": datetime(2026, 1, 1), "x": float("nan"), "y": 1.5, "s": "k"})
    assert row == {"t": datetime(2026, 1, 1, tzinfo=UTC), "x": None, "y": 1.5, "s": "k"}
