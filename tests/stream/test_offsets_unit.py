from __future__ import annotations

import json

from fraud_jobs.streaming.sink import feed_bucket, starting_offsets, table_for


def test_no_committed_offsets_start_at_the_beginning() -> None:
    assert starting_offsets("t", {}, [0, 1, 2]) == "earliest"


def test_committed_offsets_resume_and_new_partitions_start_earliest() -> None:
    spec = json.loads(starting_offsets("t", {0: 10, 2: 7}, [0, 1, 2]))
    assert spec == {"t": {"0": 10, "1": -2, "2": 7}}


def test_feed_bucket_is_the_utc_minute() -> None:
    from datetime import UTC, datetime, timedelta, timezone

    moment = datetime(2026, 1, 2, 3, 4, 59, tzinfo=UTC).astimezone(timezone(timedelta(hours=5)))
    assert feed_bucket(moment) == "2026-01-02T03:04"


def test_prediction_picks_the_table() -> None:
    assert (table_for(1), table_for(0)) == ("fraud_transaction", "non_fraud_transaction")
