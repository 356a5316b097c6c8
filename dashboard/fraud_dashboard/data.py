"""The dashboard's one data-access module.

`st.cache_resource` holds the Cassandra gateway (one thread-safe driver session per
process, shared by every browser tab); `st.cache_data(ttl=...)` holds query results, so
many open tabs cost one query per ttl. Nothing connects at import time, and a failed
connect is not cached, so the next refresh simply tries again. Configuration is read from
the environment (see fraud_dashboard.config) on each call and is part of every cache key.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import streamlit as st

from fraud_dashboard.config import CassandraConfig
from fraud_dashboard.store import CassandraGateway, Cursor, Queries, StatementPage, StatementRequest

FEED_LIMIT = 200  # newest rows per minute bucket and refresh
_HASH = {CassandraConfig: lambda c: (c.hosts, c.port, c.keyspace, c.username)}


def config() -> CassandraConfig:
    return CassandraConfig.from_env()


@st.cache_resource(show_spinner=False, hash_funcs=_HASH)
def gateway(cfg: CassandraConfig) -> CassandraGateway:
    # One connection pool serves every keyspace; the keyspace only picks prepared statements.
    return CassandraGateway(cfg, connect_timeout=2.0, request_timeout=3.0)


def _queries(cfg: CassandraConfig) -> Queries:
    return gateway(cfg).queries(cfg.keyspace)


@st.cache_data(ttl=1.0, show_spinner=False, hash_funcs=_HASH)
def ping(cfg: CassandraConfig) -> bool:
    _queries(cfg).customer_row("0")
    return True


# Shorter than the live panel's 0.5 s tick, so each tick reads fresh rows; tabs open at
# the same time still share one read.
@st.cache_data(ttl=0.25, show_spinner=False, hash_funcs=_HASH)
def feed_since(cfg: CassandraConfig, bucket: str, since: datetime) -> list[dict[str, Any]]:
    return _queries(cfg).feed(bucket, since, FEED_LIMIT)


@st.cache_data(ttl=2.0, show_spinner=False, hash_funcs=_HASH)
def open_minute_summary(cfg: CassandraConfig, bucket: str) -> dict[str, float]:
    return _queries(cfg).minute_summary(bucket)


# A minute that has passed only changes if the stream lags by more than a minute; caching it
# longer keeps the 5 s timeline refresh to about one read.
@st.cache_data(ttl=120.0, show_spinner=False, hash_funcs=_HASH)
def closed_minute_summary(cfg: CassandraConfig, bucket: str) -> dict[str, float]:
    return _queries(cfg).minute_summary(bucket)


@st.cache_data(ttl=10.0, show_spinner=False, hash_funcs=_HASH)
def customer(cfg: CassandraConfig, cc_num: str) -> dict[str, Any] | None:
    return _queries(cfg).customer_row(cc_num)


@st.cache_data(ttl=5.0, show_spinner=False, hash_funcs=_HASH)
def statement(
    cfg: CassandraConfig,
    cc_num: str,
    limit: int,
    order: str,
    start: date | None,
    end: date | None,
    cursor: str | None,
) -> StatementPage:
    request = StatementRequest(
        cc_num=cc_num,
        limit=limit,
        order=order,
        start=start,
        end=end,
        cursor=Cursor.decode(cursor) if cursor else None,
    )
    return _queries(cfg).statement(request)
