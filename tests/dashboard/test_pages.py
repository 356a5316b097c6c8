"""Every dashboard page under streamlit.testing.v1.AppTest, against real Cassandra."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import fraud_dashboard
from fraud_dashboard.config import ENV_HOSTS, ENV_KEYSPACE, ENV_PORT

from . import rows
from .conftest import free_port

pytestmark = pytest.mark.integration
APP_DIR = Path(fraud_dashboard.__file__).parent
LIVE = "4000222233334444"  # fresh live rows go to their own card, not the known statement
RUN_TIMEOUT = 30  # the first run connects to Cassandra and prepares statements


@pytest.fixture
def dashboard_env(known_data, monkeypatch):
    """The dashboard reads where Cassandra is from the environment, as in production."""
    for key, value in known_data.config.as_env().items():
        monkeypatch.setenv(key, value)
    return known_data


def _app(page: str) -> AppTest:
    return AppTest.from_file(str(APP_DIR / page), default_timeout=RUN_TIMEOUT)


def _table_keys(at: AppTest) -> list[list[str]]:
    return [list(table.value.index) for table in at.table]


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_app_entry_point_opens_the_live_page(dashboard_env):
    at = _app("app.py").run()
    assert not at.exception
    assert at.title[0].value == "Live transactions"


def test_live_page_shows_each_new_transaction_once_in_its_panel(dashboard_env, cassandra_session):
    fraud, legit = rows.scored(LIVE, is_fraud=1, probability=0.97), rows.scored(LIVE, is_fraud=0, probability=0.02)
    rows.store(cassandra_session, dashboard_env.keyspace, [fraud, legit])
    at = _app("pages/live.py").run()
    assert not at.exception and not at.error
    fraud_panel, legit_panel = _table_keys(at)
    assert fraud["trans_num"] in fraud_panel and legit["trans_num"] not in fraud_panel
    assert legit["trans_num"] in legit_panel
    shown_before = int(_metric(at, "Transactions seen"))

    later = rows.scored(LIVE, is_fraud=0, probability=0.1)
    rows.store(cassandra_session, dashboard_env.keyspace, [later])
    time.sleep(0.6)  # past the feed query's cache ttl
    at.run()
    fraud_panel, legit_panel = _table_keys(at)
    assert legit_panel[0] == later["trans_num"]  # newest on top
    everything = fraud_panel + legit_panel
    assert everything.count(legit["trans_num"]) == 1 and everything.count(fraud["trans_num"]) == 1
    assert int(_metric(at, "Transactions seen")) == shown_before + 1
    assert at.subheader[0].value == "Newest fraud"


def test_live_page_counts_the_last_minutes(dashboard_env):
    at = _app("pages/live.py").run()
    # Every known row was stored within the last minutes, so the timeline counts them all.
    stored = len(dashboard_env.statement) + 1
    assert int(_metric(at, "Transactions")) >= stored
    assert int(_metric(at, "Fraud")) >= sum(r["is_fraud"] for r in dashboard_env.statement)


def test_banner_when_cassandra_is_unreachable_and_recovery(dashboard_env, monkeypatch, cassandra_session):
    monkeypatch.setenv(ENV_PORT, str(free_port()))
    at = _app("pages/live.py").run()
    assert not at.exception
    assert any("unreachable" in e.value for e in at.error)
    monkeypatch.setenv(ENV_PORT, dashboard_env.config.as_env()[ENV_PORT])
    fresh = rows.scored(LIVE, is_fraud=1)
    rows.store(cassandra_session, dashboard_env.keyspace, [fresh])
    at.run()  # what the 1 s fragment timer does in the browser
    assert not at.error
    assert fresh["trans_num"] in _table_keys(at)[0]


def test_missing_keyspace_says_what_to_do(dashboard_env, monkeypatch):
    monkeypatch.setenv(ENV_KEYSPACE, "no_such_keyspace")
    at = _app("pages/live.py").run()
    assert any("create the schema first" in e.value for e in at.error)


def test_customer_page_shows_profile_and_statement(dashboard_env):
    at = _app("pages/customer.py").run()
    assert at.info[0].value.startswith("Enter a card number")
    at.text_input(key="cc_num").input(rows.CARD).run()
    assert not at.exception and not at.error
    assert at.subheader[0].value == "Ada Lovelace"
    assert "Mathematician" in at.markdown[0].value
    statement = at.dataframe[0].value
    expected = sorted(dashboard_env.statement, key=lambda r: r["trans_num"])
    expected.sort(key=lambda r: r["trans_time"], reverse=True)
    assert list(statement["trans_num"]) == [r["trans_num"] for r in expected]
    assert at.button(key="next").disabled


def test_customer_page_pages_through_a_long_statement(dashboard_env, cassandra_session):
    card = "4000111122223333"
    history = [rows.scored(card, rows.T0 + timedelta(seconds=i), trans_num=f"p{i:03d}") for i in range(60)]
    rows.store(cassandra_session, dashboard_env.keyspace, history)
    at = _app("pages/customer.py").run()
    at.text_input(key="cc_num").input(card).run()
    assert at.warning[0].value == f"No customer with card number {card}."
    assert list(at.dataframe[0].value["trans_num"][:2]) == ["p059", "p058"]
    at.button(key="next").click().run()
    second = list(at.dataframe[0].value["trans_num"])
    assert second == [f"p{i:03d}" for i in range(9, -1, -1)]
    assert at.button(key="next").disabled
    at.button(key="prev").click().run()
    assert len(at.dataframe[0].value) == 50
    at.selectbox(key="order").select("oldest first").run()
    assert list(at.dataframe[0].value["trans_num"][:2]) == ["p000", "p001"]


def test_customer_page_rejects_a_bad_card_number(dashboard_env):
    at = _app("pages/customer.py").run()
    at.text_input(key="cc_num").input("4000-12").run()
    assert "8 to 19 digits" in at.warning[0].value


def test_customer_page_banner_when_cassandra_is_unreachable(dashboard_env, monkeypatch):
    monkeypatch.setenv(ENV_HOSTS, "127.0.0.1")
    monkeypatch.setenv(ENV_PORT, str(free_port()))
    at = _app("pages/customer.py").run()
    at.text_input(key="cc_num").input(rows.CARD).run()
    assert not at.exception
    assert any("unreachable" in e.value for e in at.error)
