"""Customer page: the card owner's profile and the card's statement, page by page."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from fraud_dashboard import data
from fraud_dashboard.components import DATA_ERRORS, rerun_when_back, unavailable_banner
from fraud_dashboard.config import CassandraConfig
from fraud_dashboard.store import validate_cc_num

PAGE_SIZE = 50
PAGES_KEY = "statement_cursors"
PROFILE_FIELDS = ("first", "last", "gender", "dob", "job", "street", "city", "state", "zip", "lat", "long")
STATEMENT_COLUMNS = (
    "trans_time",
    "trans_num",
    "merchant",
    "category",
    "amt",
    "is_fraud",
    "fraud_probability",
    "source",
)


def main() -> None:
    st.title("Customer")
    cc_num = st.text_input("Card number", value=st.query_params.get("cc_num", ""), key="cc_num").strip()
    if not cc_num:
        st.info("Enter a card number to see its owner and statement.")
        return
    if (reason := validate_cc_num(cc_num)) is not None:
        st.warning(reason)
        return
    st.query_params["cc_num"] = cc_num
    try:
        show_customer(data.config(), cc_num)
    except DATA_ERRORS as error:
        unavailable_banner(error)
        rerun_when_back()


def show_customer(cfg: CassandraConfig, cc_num: str) -> None:
    profile = data.customer(cfg, cc_num)
    if profile is None:
        st.warning(f"No customer with card number {cc_num}.")
    else:
        render_profile(profile)
    st.subheader("Statement")
    start_col, end_col, order_col = st.columns(3)
    start = start_col.date_input("From", value=None, key="from")
    end = end_col.date_input("To", value=None, key="to")
    order = order_col.selectbox("Order", ["newest first", "oldest first"], key="order")
    if start and end and start > end:
        st.warning(f"From {start} is after To {end}: swap them.")
        return
    order_code = "desc" if order == "newest first" else "asc"
    cursors = _cursor_stack((cc_num, start, end, order_code))
    page = data.statement(cfg, cc_num, PAGE_SIZE, order_code, start, end, cursors[-1])
    render_statement(page.rows, len(cursors))
    back, forward = st.columns(2)
    back.button("Previous page", disabled=len(cursors) == 1, on_click=cursors.pop, key="prev")
    forward.button(
        "Next page",
        disabled=page.next_cursor is None,
        on_click=cursors.append,
        args=(page.next_cursor,),
        key="next",
    )


def _cursor_stack(filters: tuple) -> list[str | None]:
    """Cursors of the pages visited, reset when the card or a filter changes."""
    saved = st.session_state.get(PAGES_KEY)
    if saved is None or saved[0] != filters:
        saved = (filters, [None])
        st.session_state[PAGES_KEY] = saved
    return saved[1]


def render_profile(profile: dict[str, Any]) -> None:
    st.subheader(f"{profile.get('first') or ''} {profile.get('last') or ''}".strip() or profile["cc_num"])
    left, right = st.columns(2)
    left.markdown(
        f"**Card** {profile['cc_num']}  \n**Born** {profile.get('dob') or '?'}  \n"
        f"**Gender** {profile.get('gender') or '?'}  \n**Job** {profile.get('job') or '?'}"
    )
    right.markdown(
        f"**Address** {profile.get('street') or ''}, {profile.get('city') or ''}, "
        f"{profile.get('state') or ''} {profile.get('zip') or ''}  \n"
        f"**Home** {profile.get('lat')}, {profile.get('long')}"
    )


def render_statement(rows: list[dict[str, Any]], page_number: int) -> None:
    if not rows:
        st.caption("No transactions in this range.")
        return
    frame = pd.DataFrame(rows, columns=list(STATEMENT_COLUMNS))
    frauds = int((frame["is_fraud"] == 1).sum())
    st.caption(f"Page {page_number}: {len(frame)} transactions, {frauds} flagged as fraud.")
    st.dataframe(frame, hide_index=True, width="stretch")


if __name__ == "__main__":
    main()
