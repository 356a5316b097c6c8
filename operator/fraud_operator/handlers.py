"""kopf handlers: thin wrappers that run the reconcile chain and report.

Loaded by `fraudctl operator run`. Settings come from FRAUD_OPERATOR_* environment
variables (set by the CLI) so the module can also be run as `kopf run -m fraud_operator.handlers`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from functools import cache
from typing import Any

import kopf

from . import crd, reconcile
from .kube import Api, make_api_client

RESYNC_SECONDS = float(os.environ.get("FRAUD_OPERATOR_RESYNC_SECONDS", "30"))
RETRY_SECONDS = float(os.environ.get("FRAUD_OPERATOR_RETRY_SECONDS", "10"))
RESOURCE = (crd.GROUP, crd.VERSION, crd.PLURAL)


def _credentials() -> dict[str, Any]:
    token_file = os.environ.get("FRAUD_OPERATOR_TOKEN_FILE")
    token = open(token_file).read().strip() if token_file else None  # noqa: SIM115
    return {
        "server": os.environ.get("FRAUD_OPERATOR_SERVER"),
        "token": token,
        "insecure": os.environ.get("FRAUD_OPERATOR_INSECURE", "") == "1",
        "ca_path": os.environ.get("FRAUD_OPERATOR_CA_FILE") or None,
    }


@cache
def api() -> Api:
    creds = _credentials()
    return Api(make_api_client(kubeconfig=os.environ.get("KUBECONFIG") or None, **creds))


def _plain(value: Any) -> Any:
    """kopf hands out read-only mapping views; the chain wants plain dicts."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _emitter(body: kopf.Body):
    def emit(kind: str, reason: str, message: str) -> None:
        kopf.event(body, type=kind, reason=reason, message=message[:1000])
    return emit


@kopf.on.startup()
def configure(settings: kopf.OperatorSettings, **_: Any) -> None:
    # Progress and diff-base in annotations: nothing of kopf's leaks into our status schema.
    settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix=crd.GROUP)
    settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(
        prefix=crd.GROUP, key="last-handled-configuration")
    settings.persistence.finalizer = f"{crd.GROUP}/teardown"
    # The server ends each watch after ~60 s and the client gives up after 90 s, so a
    # half-dead connection is noticed and re-established instead of going silent.
    settings.watching.server_timeout = 60
    settings.watching.client_timeout = 90
    settings.watching.connect_timeout = 10
    settings.networking.request_timeout = 60
    settings.execution.max_workers = 16
    settings.posting.level = logging.WARNING


@kopf.on.login()
def login(**kwargs: Any) -> kopf.ConnectionInfo | None:
    creds = _credentials()
    if creds["server"] and creds["token"]:
        return kopf.ConnectionInfo(server=creds["server"], token=creds["token"],
                                   insecure=creds["insecure"], ca_path=creds["ca_path"])
    return kopf.login_via_client(**kwargs)


def _run(body: kopf.Body) -> reconcile.Outcome:
    plain = _plain(body)
    emit = _emitter(body)
    outcome = reconcile.reconcile(api(), plain, emit)
    reconcile.write_status(api(), plain, outcome, emit)
    return outcome


@kopf.on.create(*RESOURCE)
@kopf.on.update(*RESOURCE, field="spec")
@kopf.on.resume(*RESOURCE)
def reconcile_pipeline(body: kopf.Body, **_: Any) -> None:
    outcome = _run(body)
    if not outcome.ready and outcome.phase != "Suspended":
        waiting = outcome.verdicts["Ready"].message
        raise kopf.TemporaryError(f"step {outcome.phase}: {waiting}", delay=RETRY_SECONDS)


@kopf.timer(*RESOURCE, interval=RESYNC_SECONDS, initial_delay=RESYNC_SECONDS)
def resync(body: kopf.Body, **_: Any) -> None:
    """Level-based: restores deleted or edited children even when nothing changed."""
    if body["metadata"].get("deletionTimestamp"):
        return
    _run(body)


@kopf.on.delete(*RESOURCE)
def delete_pipeline(body: kopf.Body, **_: Any) -> None:
    lingering = reconcile.teardown(api(), _plain(body), _emitter(body))
    if lingering:
        raise kopf.TemporaryError(f"waiting for {', '.join(lingering)} to terminate",
                                  delay=min(RETRY_SECONDS, 5))
