"""The API as a real process: started like `fraudctl demo` will, fuzzed with schemathesis
against the OpenAPI document it serves."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from fraud_dashboard.launch import ServiceFailed, start_api

from . import rows
from .conftest import free_port

pytestmark = pytest.mark.integration
TOKEN = "fuzz-token"
CONFIG = Path(__file__).with_name("schemathesis.toml")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="module")
def api(known_data, tmp_path_factory):
    log = tmp_path_factory.mktemp("api") / "api.log"
    with start_api(port=free_port(), cassandra=known_data.config, token=TOKEN, log_path=log) as service:
        yield service


def _get(url: str, token: str | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_served_api_answers_with_auth_only(api):
    status, body = _get(f"{api.url}/api/customer/{rows.CARD}", TOKEN)
    assert status == 200 and body["last"] == "Lovelace"
    assert _get(f"{api.url}/api/customer/{rows.CARD}")[0] == 401


def test_schemathesis_finds_no_failure_in_the_served_openapi_document(api, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    schemathesis = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    assert schemathesis, "schemathesis is not installed in this environment: pip install -e '.[dev]'"
    done = subprocess.run(
        [
            schemathesis,
            "--config-file",
            str(CONFIG),
            "run",
            f"{api.url}/openapi.json",
            "--header",
            f"Authorization: Bearer {TOKEN}",
            "--checks",
            "all",
            "--max-examples",
            "25",
            "--workers",
            "1",
            "--seed",
            "20261125",
            "--report",
            "junit",
            "--report-dir",
            str(ARTIFACTS / "schemathesis"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-6000:]
    assert "Operations:       5 selected / 5 total" in output and " passed" in output


def test_start_api_without_a_token_fails_clearly(known_data, tmp_path, monkeypatch):
    monkeypatch.delenv("FRAUD_API_TOKEN", raising=False)
    monkeypatch.delenv("FRAUD_API_TOKEN_FILE", raising=False)
    with pytest.raises(ServiceFailed, match="--insecure-open"):
        start_api(port=free_port(), cassandra=known_data.config, log_path=tmp_path / "api.log")
