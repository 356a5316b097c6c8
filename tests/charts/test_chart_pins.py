"""Chart dependencies and tool builds are pinned to the versions in jobs/fraud_jobs/versions.py, the
one place non-Python versions live, and the chart's CRD is the operator's generated one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from fraud_jobs import versions

from .helmtools import OPERATOR_CHART, PLATFORM_CHART, REPO

EXPECTED = {
    "fraud-operator": None,  # the sibling chart, by path
    "strimzi-kafka-operator": versions.STRIMZI,
    "cert-manager": f"v{versions.CERT_MANAGER}",
    "k8ssandra-operator": versions.K8SSANDRA_OPERATOR,
    "spark-operator": versions.SPARK_OPERATOR,
    "eck-operator": versions.ECK,
}


def test_umbrella_dependencies_are_pinned_and_off_by_default() -> None:
    meta = yaml.safe_load((PLATFORM_CHART / "Chart.yaml").read_text())
    values = yaml.safe_load((PLATFORM_CHART / "values.yaml").read_text())
    deps = {d["name"]: d for d in meta["dependencies"]}
    assert set(deps) == set(EXPECTED)
    for name, dep in deps.items():
        if EXPECTED[name] is None:
            operator_meta = yaml.safe_load((OPERATOR_CHART / "Chart.yaml").read_text())
            assert dep["repository"] == "file://../fraud-operator"
            assert dep["version"] == operator_meta["version"]
            continue
        assert dep["version"] == EXPECTED[name], (
            f"{name}: Chart.yaml pins {dep['version']}, versions.py says {EXPECTED[name]}"
        )
        assert dep["repository"].startswith("https://"), name
        key = dep.get("alias", name)
        assert dep["condition"] == f"{key}.enabled"
        assert values[key]["enabled"] is False, f"{key} must default to off"


def test_chart_crd_is_the_generated_one() -> None:
    """charts/fraud-operator/crds/fraudpipelines.yaml must be exactly `fraudctl operator crd` (run
    `make crds` after changing the CRD source)."""
    generated = subprocess.run(
        [sys.executable, "-m", "fraud_jobs.cli.main", "operator", "crd"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert generated.returncode == 0, f"`fraudctl operator crd` failed:\n{generated.stderr}"
    chart_crd = OPERATOR_CHART / "crds" / "fraudpipelines.yaml"
    assert chart_crd.exists(), f"{chart_crd} is missing: run `make crds`"
    assert chart_crd.read_text() == generated.stdout, (
        f"{chart_crd} differs from `fraudctl operator crd`: run `make crds`"
    )
    crd = yaml.safe_load(generated.stdout)
    assert crd["kind"] == "CustomResourceDefinition" and crd["spec"]["names"]["kind"] == "FraudPipeline"


def test_build_scripts_read_the_pins() -> None:
    for script in (REPO / "tools" / "helm" / "build.sh", REPO / "tools" / "kind" / "build.sh"):
        text = script.read_text()
        assert "versions.py" in text and "go install" in text, script
        result = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr


@pytest.mark.helm
def test_helm_binary_is_the_pinned_version(helm: Path) -> None:
    out = subprocess.run([str(helm), "version", "--short"], capture_output=True, text=True, check=True).stdout
    assert out.startswith(f"v{versions.HELM}+") or out.strip() == f"v{versions.HELM}", out
