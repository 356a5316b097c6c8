"""The real helm binary for chart tests, built from the Go module proxy at the pinned version.

Fixtures:
    helm      (session) Path of the helm binary (tools/helm/build.sh builds it when missing;
              a build failure FAILS the tests that need it, it never skips them).
    helm_env  (session) environment for running helm with its config, cache and data kept in a
              temporary folder, so tests neither read nor change the user's helm setup.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = REPO / "tools" / "helm" / "build.sh"


def _pinned_version() -> str:
    sys.path.insert(0, str(REPO / "jobs" / "fraud_jobs"))
    try:
        import versions  # the stdlib-only pin module, importable without the package

        return versions.HELM
    finally:
        sys.path.pop(0)


def build_helm() -> Path:
    """Build (or find cached) helm; return its path or raise RuntimeError with the build log."""
    proc = subprocess.run(["bash", str(BUILD_SCRIPT)], capture_output=True, text=True, timeout=1800)
    if proc.returncode != 0:
        raise RuntimeError(
            f"building helm {_pinned_version()} with {BUILD_SCRIPT} failed (exit {proc.returncode}):\n"
            f"{proc.stderr[-4000:]}\n"
            "Fix the build (Go toolchain, module proxy access) and rerun `make helm-bin`."
        )
    path = Path(proc.stdout.strip().splitlines()[-1])
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"{BUILD_SCRIPT} reported {path}, which is not an executable file")
    return path


@pytest.fixture(scope="session")
def helm() -> Path:
    try:
        return build_helm()
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        pytest.fail(f"helm is required for chart tests and could not be built: {exc}", pytrace=False)


@pytest.fixture(scope="session")
def helm_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("helm-home")
    env = dict(os.environ)
    env.update(
        HELM_CONFIG_HOME=str(home / "config"),
        HELM_CACHE_HOME=str(home / "cache"),
        HELM_DATA_HOME=str(home / "data"),
        # Never prompt, never reach a chart repository the tests did not ask for.
        HELM_NO_PLUGINS="1",
    )
    return env
