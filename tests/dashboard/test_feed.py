"""The live feed's bookkeeping: buckets, each row shown once, charts' inputs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fraud_dashboard.feed import (
    PANEL_ROWS,
    FeedState,
    buckets_to_read,
    map_points,
    minute_bucket,
    panel_rows,
    rate_timeline,
    recent_buckets,
    score_histogram,
    take_new,
)

T = datetime(2026, 3, 1, 23, 59, 30, tzinfo=UTC)


def row(n: str, seconds: float, fraud: int = 0, score: float = 0.1) -> dict:
    return {
        "trans_num": n,
        "ingested_at": T + timedelta(seconds=seconds),
        "cc_num": "4000123412341234",
        "is_fraud": fraud,
        "fraud_probability": score,
        "merch_lat": 40.0,
        "merch_long": -73.0,
        "amt": 10.0,
        "merchant": "m",
        "category": "home",
    }


def test_bucket_is_the_utc_minute_matching_the_stream_sink():
    from fraud_jobs.streaming.sink import feed_bucket

    local = datetime(2026, 3, 2, 1, 0, 5, tzinfo=UTC).astimezone()
    assert minute_bucket(local) == "2026-03-02T01:00" == feed_bucket(local)


def test_reads_current_and_previous_minute_across_midnight():
    assert buckets_to_read(datetime(2026, 3, 2, 0, 0, 1, tzinfo=UTC)) == [
        "2026-03-02T00:00",
        "2026-03-01T23:59",
    ]
    assert recent_buckets(datetime(2026, 3, 2, 0, 1, tzinfo=UTC), 3) == [
        "2026-03-01T23:59",
        "2026-03-02T00:00",
        "2026-03-02T00:01",
    ]


def test_each_row_is_shown_once_even_when_reads_overlap():
    state = FeedState()
    first = take_new(state, [row("a", 0), row("b", 1, fraud=1)])
    assert [r["trans_num"] for r in first] == ["b", "a"]
    assert state.watermark == T + timedelta(seconds=1)
    # The next read starts at the watermark, so it returns b again, plus a replayed a.
    again = take_new(state, [row("b", 1, fraud=1), row("c", 1), row("a", 5), row("d", 2)])
    assert [r["trans_num"] for r in again] == ["d", "c"]
    assert [r["trans_num"] for r in state.legit] == ["d", "c", "a"]
    assert [r["trans_num"] for r in state.fraud] == ["b"]
    assert (state.shown_total, state.shown_fraud) == (4, 1)


def test_panels_keep_only_the_newest_rows():
    state = FeedState()
    take_new(state, [row(f"r{i}", i) for i in range(PANEL_ROWS + 5)])
    assert len(state.legit) == PANEL_ROWS
    assert state.legit[0]["trans_num"] == f"r{PANEL_ROWS + 4}"


def test_score_histogram_covers_zero_to_one_inclusive():
    bins = score_histogram([0.0, 0.04, 0.5, 0.99, 1.0], bins=10)
    assert len(bins) == 10
    assert [b["transactions"] for b in bins] == [2, 0, 0, 0, 0, 1, 0, 0, 0, 2]


def test_rate_timeline_in_percent_and_zero_for_empty_minutes():
    points = rate_timeline(
        ["2026-03-01T10:00", "2026-03-01T10:01"],
        [
            {"transactions": 200, "frauds": 3, "mean_score": 0.1},
            {"transactions": 0, "frauds": 0, "mean_score": 0},
        ],
    )
    assert points == [
        {"minute": "10:00", "transactions": 200, "frauds": 3, "fraud_rate_pct": 1.5},
        {"minute": "10:01", "transactions": 0, "frauds": 0, "fraud_rate_pct": 0.0},
    ]


def test_panel_rows_and_map_points():
    shown = panel_rows([row("a", 0, score=0.98765)])
    assert shown[0]["trans_num"] == "a" and shown[0]["score"] == "0.988" and shown[0]["stored"] == "23:59:30"
    assert map_points([row("a", 0)]) == [{"lat": 40.0, "lon": -73.0}]
