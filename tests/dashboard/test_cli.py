"""`fraudctl api` / `fraudctl dashboard` options, token resolution, refusing to run open."""

from __future__ import annotations

import subprocess
import sys

import pytest

from fraud_dashboard.cli_api import TokenError, resolve_token
from fraud_dashboard.cli_dashboard import streamlit_args
from fraud_dashboard.config import CassandraConfig
from fraud_jobs.cli.main import load_command


def test_token_from_environment_wins(tmp_path):
    secret = tmp_path / "token"
    secret.write_text("from-file\n")
    assert resolve_token({"FRAUD_API_TOKEN": "from-env"}, str(secret), False) == "from-env"
    assert resolve_token({}, str(secret), False) == "from-file"


def test_missing_or_empty_token_file_names_the_path(tmp_path):
    with pytest.raises(TokenError, match="does not exist"):
        resolve_token({}, str(tmp_path / "nope"), False)
    (tmp_path / "empty").write_text("  \n")
    with pytest.raises(TokenError, match="is empty"):
        resolve_token({}, str(tmp_path / "empty"), True)


def test_no_token_means_refuse_unless_explicitly_open():
    with pytest.raises(TokenError, match="--insecure-open"):
        resolve_token({}, None, False)
    assert resolve_token({}, None, True) is None


def test_api_process_refuses_to_start_without_a_token():
    env = {"PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "fraud_jobs.cli.main", "api", "--port", "1"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 2
    assert "FRAUD_API_TOKEN" in done.stderr and "--insecure-open" in done.stderr


def test_commands_take_host_port_and_cassandra_options():
    api = load_command("api").parse_args(
        [
            "--host",
            "0.0.0.0",
            "--port",
            "9000",
            "--cassandra-host",
            "a,b",
            "--cassandra-port",
            "9142",
            "--keyspace",
            "ks1",
            "--insecure-open",
        ]
    )
    assert (api.host, api.port, api.cassandra_host, api.cassandra_port, api.keyspace, api.insecure_open) == (
        "0.0.0.0",
        9000,
        "a,b",
        9142,
        "ks1",
        True,
    )
    dash = load_command("dashboard").parse_args(["--port", "8600"])
    assert dash.port == 8600 and callable(dash.func)
    # In a Pod the Service must reach the process: listen on every interface by default.
    assert dash.host == load_command("api").parse_args([]).host == "0.0.0.0"


def test_dashboard_runs_headless_without_file_watching():
    args = streamlit_args("0.0.0.0", 8600)
    assert args[0] == "run" and args[1].endswith("fraud_dashboard/app.py")
    pairs = dict(zip(args[2::2], args[3::2], strict=True))
    assert pairs["--server.port"] == "8600" and pairs["--server.headless"] == "true"
    assert pairs["--server.fileWatcherType"] == "none"


def test_config_from_env_and_errors():
    cfg = CassandraConfig.from_env(
        {"FRAUD_CASSANDRA_HOST": "c1, c2", "FRAUD_CASSANDRA_PORT": "9142", "FRAUD_KEYSPACE": "k"}
    )
    assert cfg == CassandraConfig(("c1", "c2"), 9142, "k")
    assert CassandraConfig.from_env(cfg.as_env()) == cfg
    login = CassandraConfig.from_env({"FRAUD_CASSANDRA_USERNAME": "su", "FRAUD_CASSANDRA_PASSWORD": "pw"})
    assert (login.username, login.password) == ("su", "pw")
    assert "pw" not in repr(login)  # the password never reaches a log line
    assert CassandraConfig.from_env(login.as_env()) == login
    with pytest.raises(ValueError, match="not a TCP port"):
        CassandraConfig.from_env({"FRAUD_CASSANDRA_PORT": "x"})
    with pytest.raises(ValueError, match="no Cassandra host"):
        CassandraConfig.from_env({"FRAUD_CASSANDRA_HOST": " , "})
