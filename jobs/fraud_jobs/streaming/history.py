"""Each card's recent transactions, for the point-in-time history features.

The features of a transaction read every earlier transaction of its card within
``features.HISTORY_WINDOW_SECONDS``. The stream keeps those rows in a driver-side cache:

* a card seen for the first time since start is loaded from the stored transaction tables
  (one single-partition slice per table, all cards of the batch concurrently), so after a
  restart the features equal those an uninterrupted run would have computed;
* after a batch is stored its rows are appended, so later batches need no reads;
* rows older than the window (relative to the newest transaction seen) are evicted, so
  memory is bounded by the window, not by uptime.

Reading the tables on every batch would cost one read per card per batch (thousands per
second); the cache turns that into one read per card per process lifetime.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterable
from datetime import UTC, datetime

from fraud_jobs.schema import TRANSACTION_TABLES

log = logging.getLogger(__name__)

# The columns features.HISTORY_COLUMNS names, in that order.
HISTORY_FIELDS = ("cc_num", "trans_num", "unix_time", "category", "amt", "merch_lat", "merch_long")
HistoryRow = tuple  # values in HISTORY_FIELDS order


def _to_unix(ts: datetime) -> int:
    if ts.tzinfo is None:  # the driver returns naive UTC datetimes
        ts = ts.replace(tzinfo=UTC)
    return int(ts.timestamp())


class HistoryCache:
    def __init__(self, session, keyspace: str, window_s: int, concurrency: int = 64) -> None:
        self._session, self._keyspace = session, keyspace
        self.window_s, self._concurrency = window_s, concurrency
        self._rows: dict[str, deque[HistoryRow]] = {}
        self._newest = 0
        self._selects = [
            session.prepare(
                f"SELECT cc_num, trans_num, trans_time, category, amt, merch_lat, merch_long "
                f"FROM {keyspace}.{table} WHERE cc_num = ? AND trans_time >= ?"
            )
            for table in TRANSACTION_TABLES
        ]
        self.loaded_cards = 0

    def rows_for(self, cards: Iterable[str], earliest_unix: int) -> list[HistoryRow]:
        """Cached rows of ``cards``, loading the cards not seen yet from Cassandra."""
        cards = set(cards)
        missing = [card for card in cards if card not in self._rows]
        if missing:
            self._load(missing, earliest_unix - self.window_s)
        return [row for card in cards for row in self._rows.get(card, ())]

    def _load(self, cards: list[str], since_unix: int) -> None:
        from cassandra.concurrent import execute_concurrent_with_args

        since = datetime.fromtimestamp(max(since_unix, 0), UTC)
        loaded: dict[str, list[HistoryRow]] = {card: [] for card in cards}
        for select in self._selects:
            results = execute_concurrent_with_args(
                self._session,
                select,
                [(card, since) for card in cards],
                concurrency=self._concurrency,
                raise_on_first_error=True,
            )
            for _, rows in results:
                for r in rows:
                    loaded[r.cc_num].append(
                        (
                            r.cc_num,
                            r.trans_num,
                            _to_unix(r.trans_time),
                            r.category,
                            r.amt,
                            r.merch_lat,
                            r.merch_long,
                        )
                    )
        for card, rows in loaded.items():
            rows.sort(key=lambda row: (row[2], row[1]))
            self._rows[card] = deque(rows)
        self.loaded_cards += len(cards)

    def add(self, rows: Iterable[HistoryRow]) -> None:
        """Append stored rows (a batch, in any order) and evict what fell out of the window."""
        touched = set()
        for row in rows:
            self._rows.setdefault(row[0], deque()).append(row)
            self._newest = max(self._newest, row[2])
            touched.add(row[0])
        horizon = self._newest - self.window_s
        for card in touched:
            queue = self._rows[card]
            if len(queue) > 1 and queue[-1][2] < queue[-2][2]:
                self._rows[card] = queue = deque(sorted(queue, key=lambda row: (row[2], row[1])))
            while queue and queue[0][2] < horizon:
                queue.popleft()

    def size(self) -> int:
        return sum(len(q) for q in self._rows.values())
