"""Reads of the stored data, shared by the REST API and the dashboard.

Every query is a prepared statement bound per call. Tables and columns come from
fraud_jobs.schema. A card's statement is the merge of its two partitions
(fraud_transaction and non_fraud_transaction), both clustered by trans_time DESC, so a page
is at most a few single-partition slices per table, never a scan.

Ordering of a statement: ``desc`` is (trans_time DESC, trans_num ASC), the tables' own
clustering order; ``asc`` is its exact reverse. A cursor is the last row's
(trans_time, trans_num), so pages never repeat or skip a row even when several
transactions share a timestamp.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fraud_dashboard.config import CassandraConfig
from fraud_jobs.schema import FEED_COLUMNS, STORED_TRANSACTION_COLUMNS, TRANSACTION_TABLES

CC_NUM_RE = re.compile(r"^[0-9]{8,19}$")
CC_NUM_PATTERN = CC_NUM_RE.pattern
MAX_PAGE = 500
# Open ends of a date range; Cassandra timestamps are milliseconds, far wider than this.
_MIN_TIME = datetime(1900, 1, 1, tzinfo=UTC)
_MAX_TIME = datetime(3000, 1, 1, tzinfo=UTC)
_ONE_MS = timedelta(milliseconds=1)

# What a statement shows: every stored column but the stream's Kafka coordinates.
TRANSACTION_COLUMNS = tuple(c for c in STORED_TRANSACTION_COLUMNS if c not in ("kafka_partition", "kafka_offset"))


class CassandraUnavailable(RuntimeError):
    """Cassandra could not be reached or did not answer in time; worth retrying."""


class CassandraMisconfigured(RuntimeError):
    """Cassandra answers but refuses what we ask; retrying alone will not fix it."""


class SchemaMissing(CassandraMisconfigured):
    """The keyspace or a table does not exist yet."""


class CredentialsRejected(CassandraMisconfigured):
    """Cassandra requires a login and refused ours."""


def validate_cc_num(cc_num: str) -> str | None:
    """None when valid, else the reason (shown to API clients and dashboard users)."""
    if CC_NUM_RE.match(cc_num):
        return None
    return f"cc_num {cc_num[:40]!r} is not a card number: use 8 to 19 digits, no spaces or dashes"


# -- cursor -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    order: str
    trans_time: datetime
    trans_num: str

    def encode(self) -> str:
        payload = {"o": self.order, "t": to_millis(self.trans_time), "n": self.trans_num}
        return base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        """Raises ValueError with a reason a client can act on."""
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            payload = json.loads(raw)
            order, millis, trans_num = payload["o"], payload["t"], payload["n"]
            if order not in ("asc", "desc") or not isinstance(millis, int) or not isinstance(trans_num, str):
                raise ValueError
            return cls(order, from_millis(millis), trans_num)
        except (ValueError, KeyError, TypeError, binascii.Error, OverflowError) as exc:
            raise ValueError(
                f"cursor {text[:40]!r} is not one this API issued: pass next_cursor from the previous page "
                "unchanged, or leave it out to start from the first page"
            ) from exc


def to_millis(moment: datetime) -> int:
    return (as_utc(moment) - datetime(1970, 1, 1, tzinfo=UTC)) // _ONE_MS


def from_millis(millis: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=millis)


def as_utc(moment: datetime) -> datetime:
    """The driver returns naive UTC datetimes; make every time we hand out explicit."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


# -- statement paging (pure) -------------------------------------------------------------


@dataclass(frozen=True)
class StatementRequest:
    cc_num: str
    limit: int = 50
    order: str = "desc"
    start: date | None = None  # inclusive, UTC day
    end: date | None = None  # inclusive, UTC day
    cursor: Cursor | None = None

    def check(self) -> None:
        """Raises ValueError naming the bad value and the fix."""
        if (reason := validate_cc_num(self.cc_num)) is not None:
            raise ValueError(reason)
        if self.order not in ("asc", "desc"):
            raise ValueError(f"order {self.order!r} is not supported: use 'asc' or 'desc'")
        if not 1 <= self.limit <= MAX_PAGE:
            raise ValueError(f"limit {self.limit} is out of range: use 1 to {MAX_PAGE}")
        if self.start and self.end and self.start > self.end:
            raise ValueError(f"from {self.start} is after to {self.end}: swap them")
        if self.cursor and self.cursor.order != self.order:
            raise ValueError(f"the cursor was issued for order={self.cursor.order}; pass the same order")

    def time_window(self) -> tuple[datetime, datetime]:
        """[lower, upper) in trans_time for the range read, after the cursor."""
        lower = datetime.combine(self.start, datetime.min.time(), UTC) if self.start else _MIN_TIME
        upper = datetime.combine(self.end + timedelta(days=1), datetime.min.time(), UTC) if self.end else _MAX_TIME
        if self.cursor is not None:
            if self.order == "desc":
                upper = min(upper, self.cursor.trans_time)
            else:
                lower = max(lower, self.cursor.trans_time + _ONE_MS)
        return lower, upper

    def cursor_in_range(self) -> bool:
        """Whether rows sharing the cursor's timestamp can still belong to this range."""
        if self.cursor is None:
            return False
        lower = datetime.combine(self.start, datetime.min.time(), UTC) if self.start else _MIN_TIME
        upper = datetime.combine(self.end + timedelta(days=1), datetime.min.time(), UTC) if self.end else _MAX_TIME
        return lower <= self.cursor.trans_time < upper


@dataclass
class StatementPage:
    rows: list[dict[str, Any]]
    next_cursor: str | None


def merge_page(request: StatementRequest, per_table: Iterable[list[dict[str, Any]]]) -> StatementPage:
    """Merge each table's rows (each already past the cursor) into one ordered page."""
    rows = [row for table_rows in per_table for row in table_rows]
    # Two stable sorts give (time, trans_num ASC) for desc and its reverse for asc.
    rows.sort(key=lambda r: r["trans_num"], reverse=request.order == "asc")
    rows.sort(key=lambda r: r["trans_time"], reverse=request.order == "desc")
    page = rows[: request.limit]
    more = len(rows) > request.limit
    cursor = Cursor(request.order, page[-1]["trans_time"], page[-1]["trans_num"]).encode() if more else None
    return StatementPage(rows=page, next_cursor=cursor)


# -- rows ---------------------------------------------------------------------------------


def clean_row(row: dict[str, Any]) -> dict[str, Any]:
    """JSON-safe values: aware UTC times, ISO dates, NaN as None."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, datetime):
            value = as_utc(value)
        elif isinstance(value, float) and not math.isfinite(value):
            value = None
        elif type(value).__name__ == "Date":  # cassandra.util.Date, a days-since-epoch wrapper
            value = value.date()
        out[key] = value
    return out


# -- Cassandra ----------------------------------------------------------------------------


def _driver_errors() -> tuple[type[BaseException], ...]:
    from cassandra import OperationTimedOut, ReadFailure, ReadTimeout, Unavailable
    from cassandra.cluster import NoHostAvailable

    return (NoHostAvailable, OperationTimedOut, ReadTimeout, ReadFailure, Unavailable, ConnectionError)


def _auth_errors() -> tuple[type[BaseException], ...]:
    from cassandra import AuthenticationFailed

    return (AuthenticationFailed,)


class Queries:
    """Prepared statements for one keyspace on one session."""

    def __init__(self, session: Any, keyspace: str) -> None:
        from cassandra import InvalidRequest

        self.session = session
        self.keyspace = keyspace
        ks = keyspace
        cols = ", ".join(TRANSACTION_COLUMNS)
        try:
            self.customer = session.prepare(f"SELECT * FROM {ks}.customers WHERE cc_num = ?")
            self.range_desc, self.range_asc, self.tie_desc, self.tie_asc = {}, {}, {}, {}
            for table in TRANSACTION_TABLES:
                base = f"SELECT {cols} FROM {ks}.{table} WHERE cc_num = ?"
                self.range_desc[table] = session.prepare(f"{base} AND trans_time >= ? AND trans_time < ? LIMIT ?")
                self.range_asc[table] = session.prepare(
                    f"{base} AND trans_time >= ? AND trans_time < ? ORDER BY trans_time ASC LIMIT ?"
                )
                self.tie_desc[table] = session.prepare(f"{base} AND trans_time = ? AND trans_num > ? LIMIT ?")
                self.tie_asc[table] = session.prepare(
                    f"{base} AND trans_time = ? AND trans_num < ? ORDER BY trans_time ASC, trans_num DESC LIMIT ?"
                )
            self.feed_since = session.prepare(
                f"SELECT {', '.join(FEED_COLUMNS)} FROM {ks}.transaction_feed "
                "WHERE bucket = ? AND ingested_at >= ? LIMIT ?"
            )
            self.feed_minute = session.prepare(
                f"SELECT is_fraud, fraud_probability FROM {ks}.transaction_feed WHERE bucket = ?"
            )
        except InvalidRequest as exc:
            raise SchemaMissing(
                f"keyspace {ks!r} or one of its tables does not exist ({exc}); create the schema first, "
                "e.g. `fraudctl import` or the operator's schema Job"
            ) from exc

    def _rows(self, statement: Any, params: tuple) -> list[dict[str, Any]]:
        try:
            return [clean_row(r) for r in self.session.execute(statement, params)]
        except _driver_errors() as exc:
            raise CassandraUnavailable(f"Cassandra did not answer: {exc}") from exc

    def customer_row(self, cc_num: str) -> dict[str, Any] | None:
        rows = self._rows(self.customer, (cc_num,))
        return rows[0] if rows else None

    def statement(self, request: StatementRequest) -> StatementPage:
        request.check()
        lower, upper = request.time_window()
        want = request.limit + 1  # one extra row tells whether another page exists
        per_table = []
        for table in TRANSACTION_TABLES:
            rows: list[dict[str, Any]] = []
            if request.cursor_in_range():
                tie = self.tie_desc if request.order == "desc" else self.tie_asc
                cur = request.cursor
                rows = self._rows(tie[table], (request.cc_num, cur.trans_time, cur.trans_num, want))
            if len(rows) < want and lower < upper:
                ranged = self.range_desc if request.order == "desc" else self.range_asc
                rows += self._rows(ranged[table], (request.cc_num, lower, upper, want - len(rows)))
            per_table.append(rows)
        return merge_page(request, per_table)

    def feed(self, bucket: str, since: datetime, limit: int) -> list[dict[str, Any]]:
        return self._rows(self.feed_since, (bucket, since, limit))

    def minute_summary(self, bucket: str) -> dict[str, float]:
        rows = self._rows(self.feed_minute, (bucket,))
        frauds = sum(1 for r in rows if r["is_fraud"] == 1)
        scores = [r["fraud_probability"] for r in rows if r["fraud_probability"] is not None]
        return {
            "transactions": len(rows),
            "frauds": frauds,
            "mean_score": sum(scores) / len(scores) if scores else 0.0,
        }


@dataclass
class CassandraGateway:
    """One lazily connected session per process; survives Cassandra being down at start.

    The driver reconnects an established session by itself; before the first success
    every call tries again, so neither the API nor the dashboard needs a restart.
    """

    config: CassandraConfig
    connect_timeout: float = 3.0
    request_timeout: float = 5.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _session: Any = field(default=None, repr=False)
    _queries: dict[str, Queries] = field(default_factory=dict, repr=False)

    def session(self) -> Any:
        with self._lock:
            if self._session is None:
                self._session = self._connect()
            return self._session

    def _connect(self) -> Any:
        from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
        from cassandra.policies import RoundRobinPolicy
        from cassandra.query import dict_factory

        profile = ExecutionProfile(
            row_factory=dict_factory,
            request_timeout=self.request_timeout,
            load_balancing_policy=RoundRobinPolicy(),
        )
        auth = None
        if self.config.username:
            from cassandra.auth import PlainTextAuthProvider

            auth = PlainTextAuthProvider(self.config.username, self.config.password or "")
        cluster = Cluster(
            contact_points=list(self.config.hosts),
            auth_provider=auth,
            port=self.config.port,
            execution_profiles={EXEC_PROFILE_DEFAULT: profile},
            connect_timeout=self.connect_timeout,
            control_connection_timeout=self.connect_timeout,
        )
        try:
            return cluster.connect()
        except _auth_errors() as exc:
            cluster.shutdown()
            raise CredentialsRejected(
                f"Cassandra at {self.config.where} rejected the credentials of user "
                f"{self.config.username!r}: {exc}. Check FRAUD_CASSANDRA_USERNAME / FRAUD_CASSANDRA_PASSWORD"
            ) from exc
        except _driver_errors() as exc:
            cluster.shutdown()
            raise CassandraUnavailable(
                f"cannot reach Cassandra at {self.config.where}: {exc}. Start it (`fraudctl local up`) "
                "or point FRAUD_CASSANDRA_HOST / --cassandra-host at it"
            ) from exc

    def queries(self, keyspace: str | None = None) -> Queries:
        """Prepared statements for `keyspace` (default: the configured one), prepared once."""
        keyspace = keyspace or self.config.keyspace
        session = self.session()
        with self._lock:
            found = self._queries.get(keyspace)
            if found is None:
                try:
                    found = Queries(session, keyspace)
                except _driver_errors() as exc:
                    raise CassandraUnavailable(f"Cassandra did not answer while preparing: {exc}") from exc
                self._queries[keyspace] = found
            return found

    def ping(self, keyspace: str | None = None) -> None:
        """Raises CassandraUnavailable / CassandraMisconfigured when reads would fail."""
        self.queries(keyspace).customer_row("0")

    def close(self) -> None:
        with self._lock:
            if self._session is not None:
                self._session.cluster.shutdown()
                self._session = None
                self._queries.clear()
