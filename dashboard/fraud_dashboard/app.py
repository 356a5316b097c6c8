"""Entry point of `streamlit run`: page setup and navigation, nothing else."""

from __future__ import annotations

import streamlit as st

from fraud_dashboard.pages import customer, live

st.set_page_config(page_title="Fraud detection", page_icon="💳", layout="wide")
navigation = st.navigation(
    [
        st.Page(live.main, title="Live", icon="⚡", url_path="live", default=True),
        st.Page(customer.main, title="Customer", icon="👤", url_path="customer"),
    ]
)
navigation.run()
