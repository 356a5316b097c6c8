"""End to end: API and dashboard as real processes on real Cassandra, a transaction stored
the way the stream job stores it, and headless Chromium watching it appear."""

from __future__ import annotations

import json
import os
import random
import statistics
import time
import urllib.request
from pathlib import Path

import pytest

from fraud_dashboard.headless import Browser
from fraud_dashboard.launch import start_api, start_dashboard

from . import rows
from .browser import ensure_chromium
from .conftest import free_port

pytestmark = [pytest.mark.integration, pytest.mark.slow]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TOKEN = "e2e-token"
CARD = "4000333344445555"
APPEAR_TIMEOUT = 15.0  # generous: the target is 2 s, measured and recorded below


@pytest.fixture(scope="module")
def services(known_data, tmp_path_factory):
    logs = tmp_path_factory.mktemp("logs")
    cfg = known_data.config
    with (
        start_api(port=free_port(), cassandra=cfg, token=TOKEN, log_path=logs / "api.log") as api,
        start_dashboard(port=free_port(), cassandra=cfg, log_path=logs / "dashboard.log") as dashboard,
    ):
        yield api, dashboard


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    binary = ensure_chromium()
    with Browser(binary, tmp_path_factory.mktemp("chromium-profile")) as b:
        yield b


def test_a_stored_transaction_appears_in_the_live_dashboard(services, browser, known_data, cassandra_session):
    api, dashboard = services
    browser.open(dashboard.url)
    browser.wait_for_text("Newest fraud", timeout=60)  # page loaded, websocket up, first refresh done
    browser.wait_for_text("Last 15 minutes", timeout=60)
    # Past the first 5 s redraw of the charts and timeline, which loads their scripts in the
    # browser: measure the steady state of a watched page, not page start.
    time.sleep(6)
    latencies = []
    for i, is_fraud in enumerate((1, 0, 1, 0, 1, 0)):
        row = rows.scored(
            CARD,
            rows.T0,
            is_fraud=is_fraud,
            probability=0.93 if is_fraud else 0.04,
            trans_num=f"e2e-{i}-{time.time_ns()}",
        )
        # Transactions arrive at random points of the refresh cycle, not just after a redraw.
        time.sleep(random.uniform(0.2, 1.2))
        rows.store(cassandra_session, known_data.keyspace, [row])
        latencies.append(browser.wait_for_text(row["trans_num"], timeout=APPEAR_TIMEOUT))
    time.sleep(3)  # one charts refresh, so the screenshot shows the new rows in the charts too
    shot = browser.screenshot(ARTIFACTS / "dashboard-live.png")
    assert shot.stat().st_size > 10_000
    # The same transaction through the API process.
    request = urllib.request.Request(f"{api.url}/api/statement/{CARD}", headers={"Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        served = [t["trans_num"] for t in json.loads(response.read())["transactions"]]
    assert row["trans_num"] in served
    figures = {
        "seconds_stored_to_on_screen": latencies,
        "median": statistics.median(latencies),
        "max": max(latencies),
        "target": 2.0,
        "load_average_1m": os.getloadavg()[0],
    }
    (ARTIFACTS / "dashboard-latency.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(f"stored -> on screen: {', '.join(f'{s:.2f}s' for s in latencies)}")


def test_customer_page_in_the_browser(services, browser):
    _, dashboard = services
    browser.open(f"{dashboard.url}/customer?cc_num={rows.CARD}")
    browser.wait_for_text("Lovelace", timeout=60)
    browser.wait_for_text("23 transactions", timeout=30)
    browser.wait_for_text("Next page", timeout=30)
    time.sleep(1.5)  # the statement grid draws on a canvas after its data arrives
    browser.screenshot(ARTIFACTS / "dashboard-customer.png")
