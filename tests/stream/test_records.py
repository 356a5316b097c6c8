"""Parse/validate rules of the stream (pure Python, no services)."""

from __future__ import annotations

import json

import pytest

from fraud_jobs.streaming.records import MAX_AMOUNT, Invalid, parse

NOW = 1_764_000_000.0


def good(**changes) -> dict:
    tx = {
        "cc_num": "4000123412341234",
        "first": "Ann",
        "last": "Lee",
        "trans_num": "t1",
        "trans_date": "2025-11-24",
        "trans_time": "16:00:00",
        "unix_time": 1_764_000_000,
        "category": "grocery_pos",
        "amt": 12.5,
        "merchant": "fraud_Kirlin",
        "merch_lat": 40.1,
        "merch_long": -73.9,
        "is_fraud": 0,
    }
    tx.update(changes)
    return tx


def reason(doc) -> str:
    raw = doc if doc is None or isinstance(doc, bytes | str) else json.dumps(doc)
    with pytest.raises(Invalid) as info:
        parse(raw, NOW)
    return str(info.value)


def test_valid_message_round_trips() -> None:
    tx = parse(json.dumps(good()).encode(), NOW)
    assert (tx.cc_num, tx.amt, tx.unix_time, tx.is_fraud) == ("4000123412341234", 12.5, 1_764_000_000, 0)


def test_label_is_optional_and_numeric_card_becomes_text() -> None:
    doc = good(cc_num=4000123412341234)
    del doc["is_fraud"]
    tx = parse(json.dumps(doc), NOW)
    assert tx.cc_num == "4000123412341234" and tx.is_fraud is None


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        (b"{not json", "malformed JSON"),
        (b"\xff\xfe", "malformed JSON"),
        ("[1, 2]", "expected a JSON object"),
        (None, "empty message"),
        ({k: v for k, v in good().items() if k != "amt"}, "missing field(s): amt"),
        (good(amt="12.50"), "field 'amt' must be a number"),
        (good(amt=True), "field 'amt' must be a number"),
        (good(unix_time=1.5e9 + 0.5), "whole number of seconds"),
        (good(trans_num=""), "field 'trans_num' must be a non-empty string"),
        (good(amt=-3.0), "amount must be positive"),
        (good(amt=0), "amount must be positive"),
        (good(amt=MAX_AMOUNT * 10), "absurd amount"),
        (good(merch_lat=123.0), "merchant location out of range"),
        (good(unix_time=5), "not a plausible transaction time"),
        (good(unix_time=int(NOW) + 10 * 86_400), "not a plausible transaction time"),
        (good(category="casino"), "unknown category 'casino'"),
        (good(is_fraud=2), "field 'is_fraud' must be 0 or 1"),
    ],
)
def test_rejections_say_why(doc, expected: str) -> None:
    assert expected in reason(doc)


def test_nan_is_not_a_number_we_score() -> None:
    assert "must be finite" in reason('{"amt": NaN}'.replace("{", "{" + json.dumps(good())[1:-1] + ",", 1))
