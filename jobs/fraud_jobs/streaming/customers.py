"""Customers held in the driver's memory, refreshed periodically.

Enrichment needs each transaction's customer (age, home location). One Cassandra read per
message would cap the stream at the read rate; the customer table is small (one row per
card) and changes rarely, so the stream loads it whole, swaps in a fresh copy every
``refresh_s`` seconds, and re-reads early (at most every ``miss_refresh_s``) when a batch
names a card it has not seen, so a customer imported a moment ago is not dead-lettered.
"""

from __future__ import annotations

import logging
import time

from fraud_jobs.schema import CUSTOMER_FIELDS

log = logging.getLogger(__name__)
_COLUMNS = [name for name, _ in CUSTOMER_FIELDS]


def load_customers(session, keyspace: str) -> dict[str, dict]:
    rows = session.execute(f"SELECT {', '.join(_COLUMNS)} FROM {keyspace}.customers")
    out: dict[str, dict] = {}
    for row in rows:
        record = dict(zip(_COLUMNS, row, strict=True))
        if record["dob"] is not None and not hasattr(record["dob"], "isoformat"):
            record["dob"] = record["dob"].date()  # cassandra.util.Date -> datetime.date
        out[record["cc_num"]] = record
    return out


def fetch_customers(host: str, port: int, keyspace: str) -> dict[str, dict]:
    from fraud_jobs.cassandra_io import connect

    session = connect([host], port)
    try:
        return load_customers(session, keyspace)
    finally:
        session.cluster.shutdown()


class CustomerCache:
    def __init__(
        self,
        session,
        keyspace: str,
        refresh_s: float = 300.0,
        miss_refresh_s: float = 10.0,
        clock=time.monotonic,
    ) -> None:
        self._session, self._keyspace = session, keyspace
        self.refresh_s, self.miss_refresh_s = refresh_s, miss_refresh_s
        self._clock = clock
        self._by_card: dict[str, dict] = {}
        self._loaded_at = float("-inf")
        self.version = 0  # bumps on every reload, so derived copies know to rebuild

    def _reload(self) -> None:
        started = time.monotonic()
        self._by_card = load_customers(self._session, self._keyspace)
        self._loaded_at = self._clock()
        self.version += 1
        log.info("loaded %d customers in %.2f s", len(self._by_card), time.monotonic() - started)

    def lookup(self, cards: set[str]) -> dict[str, dict]:
        """The customers of ``cards`` that exist, reloading when due (or early on a miss)."""
        age = self._clock() - self._loaded_at
        if age >= self.refresh_s or (age >= self.miss_refresh_s and not cards <= self._by_card.keys()):
            self._reload()
        return {card: self._by_card[card] for card in cards if card in self._by_card}

    def __len__(self) -> int:
        return len(self._by_card)
