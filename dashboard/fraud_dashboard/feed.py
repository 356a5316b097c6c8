"""The live feed's bookkeeping, free of Streamlit and Cassandra so it is unit tested.

The stream job writes every scored transaction to transaction_feed, partitioned by the
UTC minute of ingested_at. Each refresh reads the current and the previous minute for rows
at or after the newest one already shown (the watermark) and keeps only the rows not yet
shown, so each transaction appears once even when a refresh overlaps the last one or the
stream replays a batch.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

PANEL_ROWS = 15  # newest transactions kept per panel
SCORE_WINDOW = 500  # scores kept for the score chart
MAP_WINDOW = 200  # recent frauds kept for the map
SEEN_WINDOW = 5000  # trans_nums remembered to drop replays


def minute_bucket(moment: datetime) -> str:
    """The transaction_feed partition key: UTC minute as 'YYYY-MM-DDTHH:MM'."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")


def buckets_to_read(now: datetime) -> list[str]:
    """Current and previous minute: a row stored just before a minute turned is not lost."""
    return [minute_bucket(now), minute_bucket(now - timedelta(minutes=1))]


def recent_buckets(now: datetime, minutes: int) -> list[str]:
    """The last `minutes` buckets, oldest first, the current (still filling) one last."""
    return [minute_bucket(now - timedelta(minutes=back)) for back in range(minutes - 1, -1, -1)]


@dataclass
class FeedState:
    """What one browser tab has shown so far."""

    watermark: datetime | None = None
    fraud: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=PANEL_ROWS))
    legit: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=PANEL_ROWS))
    scores: deque[float] = field(default_factory=lambda: deque(maxlen=SCORE_WINDOW))
    fraud_places: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=MAP_WINDOW))
    seen: deque[str] = field(default_factory=lambda: deque(maxlen=SEEN_WINDOW))
    shown_total: int = 0
    shown_fraud: int = 0

    def since(self) -> datetime:
        """Lower bound of the next read; inclusive, so a row sharing the watermark's instant
        written after the last refresh is still found (the seen set drops the repeats)."""
        return self.watermark or datetime(1970, 1, 1, tzinfo=UTC)


def take_new(state: FeedState, rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add rows not shown before to the state; return them newest first."""
    seen = set(state.seen)
    fresh: dict[str, dict[str, Any]] = {}
    for row in rows:
        key = row["trans_num"]
        if key not in seen and key not in fresh:
            fresh[key] = row
    new = sorted(fresh.values(), key=lambda r: (r["ingested_at"], r["trans_num"]))
    for row in new:  # oldest first so appendleft leaves the newest at the top
        _show(state, row)
    return new[::-1]


def _show(state: FeedState, row: dict[str, Any]) -> None:
    state.seen.append(row["trans_num"])
    state.shown_total += 1
    if row.get("fraud_probability") is not None:
        state.scores.append(float(row["fraud_probability"]))
    if row.get("is_fraud") == 1:
        state.shown_fraud += 1
        state.fraud.appendleft(row)
        if row.get("merch_lat") is not None and row.get("merch_long") is not None:
            state.fraud_places.appendleft(row)
    else:
        state.legit.appendleft(row)
    if state.watermark is None or row["ingested_at"] > state.watermark:
        state.watermark = row["ingested_at"]


def panel_rows(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """What a panel table shows of each transaction."""
    return [
        {
            "stored": row["ingested_at"].strftime("%H:%M:%S"),
            "trans_num": row["trans_num"],
            "card": row["cc_num"],
            "merchant": row.get("merchant") or "",
            "category": row.get("category") or "",
            "amount": f"{row['amt']:.2f}" if row.get("amt") is not None else "",
            "score": f"{row['fraud_probability']:.3f}" if row.get("fraud_probability") is not None else "",
        }
        for row in rows
    ]


def score_histogram(scores: Iterable[float], bins: int = 20) -> list[dict[str, Any]]:
    """Counts of fraud probabilities in equal bins over [0, 1]; every bin present."""
    counts = [0] * bins
    for score in scores:
        index = min(int(max(score, 0.0) * bins), bins - 1)
        counts[index] += 1
    return [{"score": f"{i / bins:.2f}", "transactions": count} for i, count in enumerate(counts)]


def rate_timeline(buckets: Sequence[str], summaries: Sequence[dict[str, float]]) -> list[dict[str, Any]]:
    """Per-minute transactions, frauds and fraud rate (percent) for the counters chart."""
    out = []
    for bucket, summary in zip(buckets, summaries, strict=True):
        total, frauds = int(summary["transactions"]), int(summary["frauds"])
        out.append(
            {
                "minute": bucket[11:],
                "transactions": total,
                "frauds": frauds,
                "fraud_rate_pct": round(100.0 * frauds / total, 2) if total else 0.0,
            }
        )
    return out


def map_points(rows: Iterable[dict[str, Any]]) -> list[dict[str, float]]:
    return [{"lat": float(r["merch_lat"]), "lon": float(r["merch_long"])} for r in rows]
