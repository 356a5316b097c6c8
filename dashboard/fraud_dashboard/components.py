"""Pieces every page shares: the unavailable banner and the self-healing retry."""

from __future__ import annotations

import streamlit as st

from fraud_dashboard import data
from fraud_dashboard.store import CassandraMisconfigured, CassandraUnavailable

DATA_ERRORS = (CassandraUnavailable, CassandraMisconfigured)


def unavailable_banner(error: Exception) -> None:
    cfg = data.config()
    if isinstance(error, CassandraMisconfigured):
        st.error(f"Cassandra at {cfg.where} answers but refuses this dashboard: {error}", icon="⚠️")
    else:
        st.error(
            f"Cassandra at {cfg.where} is unreachable; showing what was already loaded and retrying "
            f"every second. ({error})",
            icon="⚠️",
        )


@st.fragment(run_every=2.0)
def rerun_when_back() -> None:
    """Placed under a banner: once Cassandra answers again, redraw the whole page."""
    try:
        data.ping(data.config())
    except DATA_ERRORS:
        return
    st.rerun(scope="app")
