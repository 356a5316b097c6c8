"""API behaviour that must hold even with Cassandra down: auth first, validation, health."""

from __future__ import annotations

import socket

import pytest
from fastapi.testclient import TestClient

from fraud_dashboard.api import ApiSettings, create_app
from fraud_dashboard.config import CassandraConfig

TOKEN = "t0ken-for-tests"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def client():
    cfg = CassandraConfig(hosts=("127.0.0.1",), port=closed_port(), keyspace="nowhere")
    with TestClient(create_app(ApiSettings(cassandra=cfg, token=TOKEN))) as c:
        yield c


AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic eDp5"}])
def test_api_routes_need_the_bearer_token(client, headers):
    response = client.get("/api/customer/4000123412341234", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "token" in response.json()["detail"] or "Authorization" in response.json()["detail"]


def test_bad_card_number_is_400_with_the_reason(client):
    response = client.get("/api/statement/12ab", headers=AUTH)
    assert response.status_code == 400
    assert response.json()["detail"] == "cc_num '12ab' is not a card number: use 8 to 19 digits, no spaces or dashes"


@pytest.mark.parametrize(
    ("query", "word"),
    [
        ("limit=0", "limit"),
        ("limit=9999", "limit"),
        ("order=sideways", "order"),
        ("from=2026-13-01", "from"),
        ("from=2026-03-02&to=2026-03-01", "swap"),
        ("cursor=garbage", "next_cursor"),
    ],
)
def test_bad_query_parameters_are_400_naming_the_parameter(client, query, word):
    response = client.get(f"/api/statement/4000123412341234?{query}", headers=AUTH)
    assert response.status_code == 400, response.text
    assert word in response.json()["detail"]


def test_unreachable_cassandra_is_503_not_a_crash(client):
    response = client.get("/api/customer/4000123412341234", headers=AUTH)
    assert response.status_code == 503
    assert "Cassandra" in response.json()["detail"]


def test_health_reports_cassandra_down(client):
    assert client.get("/healthz").json()["cassandra"] == "down"
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 503
    metrics = client.get("/metrics").text
    assert "fraud_api_cassandra_up 0.0" in metrics
    assert 'route="/api/customer/{cc_num}"' in metrics  # templates, never raw card numbers
    assert "4000123412341234" not in metrics


def test_openapi_is_served_and_declares_bearer_auth(client):
    doc = client.get("/openapi.json").json()
    assert {"/api/customer/{cc_num}", "/api/statement/{cc_num}", "/healthz", "/metrics"} <= set(doc["paths"])
    assert any(s.get("scheme") == "bearer" for s in doc["components"]["securitySchemes"].values())


def test_open_mode_needs_no_token():
    cfg = CassandraConfig(hosts=("127.0.0.1",), port=closed_port(), keyspace="nowhere")
    with TestClient(create_app(ApiSettings(cassandra=cfg, token=None))) as c:
        assert c.get("/api/customer/4000123412341234").status_code == 503
        assert "securitySchemes" not in c.get("/openapi.json").json().get("components", {})
