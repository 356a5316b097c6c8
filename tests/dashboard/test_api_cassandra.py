"""The REST API against real Cassandra with known rows."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from fraud_dashboard.api import ApiSettings, create_app
from fraud_dashboard.store import Cursor

from . import rows

pytestmark = pytest.mark.integration
TOKEN = "integration-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def client(known_data):
    with TestClient(create_app(ApiSettings(cassandra=known_data.config, token=TOKEN))) as c:
        yield c


def _expected(statement, order):
    keyed = sorted(statement, key=lambda r: r["trans_num"], reverse=order == "asc")
    keyed.sort(key=lambda r: r["trans_time"], reverse=order == "desc")
    return [r["trans_num"] for r in keyed]


def test_customer_200_with_the_stored_profile(client, known_data):
    response = client.get(f"/api/customer/{rows.CARD}", headers=AUTH)
    assert response.status_code == 200
    body = response.json()
    assert body == {**known_data.customer, "dob": "1985-12-10"}


def test_unknown_card_is_404(client):
    assert client.get("/api/customer/5555000011112222", headers=AUTH).status_code == 404
    response = client.get("/api/statement/5555000011112222", headers=AUTH)
    assert response.status_code == 404
    assert "5555000011112222" in response.json()["detail"]


def test_card_without_customer_row_still_has_a_statement(client):
    assert client.get(f"/api/customer/{rows.OTHER_CARD}", headers=AUTH).status_code == 404
    body = client.get(f"/api/statement/{rows.OTHER_CARD}", headers=AUTH).json()
    assert [t["trans_num"] for t in body["transactions"]] == ["orphan-1"]


def test_no_token_is_401_even_for_a_known_card(client):
    assert client.get(f"/api/customer/{rows.CARD}").status_code == 401


def test_bad_card_is_400(client):
    response = client.get("/api/customer/4000-1234", headers=AUTH)
    assert response.status_code == 400 and "8 to 19 digits" in response.json()["detail"]


@pytest.mark.parametrize("order", ["desc", "asc"])
@pytest.mark.parametrize("limit", [1, 4, 23, 50])
def test_pages_cover_every_transaction_once_in_order(client, known_data, order, limit):
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": limit, "order": order, **({"cursor": cursor} if cursor else {})}
        response = client.get(f"/api/statement/{rows.CARD}", params=params, headers=AUTH)
        assert response.status_code == 200, response.text
        body = response.json()
        assert len(body["transactions"]) <= limit
        seen += [t["trans_num"] for t in body["transactions"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == _expected(known_data.statement, order)
    assert pages == -(-len(known_data.statement) // limit)


def test_fraud_and_non_fraud_rows_are_merged_with_their_scores(client, known_data):
    body = client.get(f"/api/statement/{rows.CARD}?limit=100&order=asc", headers=AUTH).json()
    served = {t["trans_num"]: t for t in body["transactions"]}
    for stored in known_data.statement:
        got = served[stored["trans_num"]]
        assert got["is_fraud"] == stored["is_fraud"]
        assert got["fraud_probability"] == pytest.approx(stored["fraud_probability"])
        assert datetime.fromisoformat(got["trans_time"]) == stored["trans_time"]
    assert {t["is_fraud"] for t in body["transactions"]} == {0, 1}


def test_date_range_selects_whole_days(client, cassandra_session, known_data):
    card = "4000555566667777"
    inside = [r | {"cc_num": card, "trans_num": "in-" + r["trans_num"]} for r in known_data.statement]
    early = rows.scored(card, datetime(2026, 2, 27, 23, 59, 59, 999000, tzinfo=UTC), trans_num="feb27")
    late = rows.scored(card, datetime(2026, 3, 2, 0, 0, tzinfo=UTC), trans_num="mar02")
    rows.store(cassandra_session, known_data.keyspace, [*inside, early, late])
    body = client.get(f"/api/statement/{card}?from=2026-02-28&to=2026-03-01&limit=500", headers=AUTH).json()
    assert sorted(t["trans_num"] for t in body["transactions"]) == sorted(r["trans_num"] for r in inside)
    only = client.get(f"/api/statement/{card}?from=2026-03-02&to=2026-03-02", headers=AUTH).json()
    assert [t["trans_num"] for t in only["transactions"]] == ["mar02"]
    before = client.get(f"/api/statement/{card}?to=2026-02-27", headers=AUTH).json()
    assert [t["trans_num"] for t in before["transactions"]] == ["feb27"]


def test_cursor_for_the_other_order_is_400(client):
    cursor = Cursor("asc", datetime(2026, 3, 1, tzinfo=UTC), "tx000").encode()
    response = client.get(f"/api/statement/{rows.CARD}", params={"cursor": cursor}, headers=AUTH)
    assert response.status_code == 400 and "order" in response.json()["detail"]


def test_health_and_metrics_count_requests(client):
    assert client.get("/readyz").json() == {"status": "ok", "cassandra": "up", "detail": None}
    client.get(f"/api/customer/{rows.CARD}", headers=AUTH)
    metrics = client.get("/metrics").text
    assert 'fraud_api_requests_total{method="GET",route="/api/customer/{cc_num}",status="200"}' in metrics
    assert "fraud_api_cassandra_up 1.0" in metrics
