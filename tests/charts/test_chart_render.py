"""`helm lint` and `helm template` of both charts, with default values and every ci/*-values.yaml,
using the real helm binary; then checks on what the templates produce."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helmtools import (
    OPERATOR_CHART,
    PLATFORM_CHART,
    UPSTREAM_DEPENDENCIES,
    by_kind,
    ci_values,
    offline_platform_chart,
    run,
    template,
)

pytestmark = pytest.mark.helm

OPERATOR_CASES = [None, *ci_values(OPERATOR_CHART)]
PLATFORM_CASES = [None, *ci_values(PLATFORM_CHART)]


def _case_id(path: Path | None) -> str:
    return "defaults" if path is None else path.name


@pytest.fixture(scope="module")
def platform_chart(helm: Path, helm_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    return offline_platform_chart(helm, helm_env, tmp_path_factory.mktemp("offline"))


def test_both_charts_have_ci_scenarios() -> None:
    assert len(OPERATOR_CASES) >= 3 and len(PLATFORM_CASES) >= 3


@pytest.mark.parametrize("values", OPERATOR_CASES, ids=_case_id)
def test_operator_chart_lints_strict(helm: Path, helm_env: dict[str, str], values: Path | None) -> None:
    extra = [] if values is None else ["-f", str(values)]
    result = run(helm, helm_env, "lint", "--strict", str(OPERATOR_CHART), *extra).check()
    assert "1 chart(s) linted, 0 chart(s) failed" in result.stdout


@pytest.mark.parametrize("values", PLATFORM_CASES, ids=_case_id)
def test_platform_chart_lints_strict(
    helm: Path, helm_env: dict[str, str], platform_chart: Path, values: Path | None
) -> None:
    extra = [] if values is None else ["-f", str(values)]
    result = run(helm, helm_env, "lint", "--strict", str(platform_chart), *extra).check()
    assert "1 chart(s) linted, 0 chart(s) failed" in result.stdout


def test_real_platform_chart_lints_with_only_missing_upstream_charts(
    helm: Path, helm_env: dict[str, str]
) -> None:
    """The checked-in umbrella chart (not the offline copy) lints clean apart from the one warning
    naming the dependencies that `helm dependency update` has not downloaded into charts/."""
    downloaded = {p.name.rsplit("-", 1)[0] for p in (PLATFORM_CHART / "charts").glob("*.tgz")}
    missing = sorted({*UPSTREAM_DEPENDENCIES, "fraud-operator"} - downloaded)
    result = run(helm, helm_env, "lint", str(PLATFORM_CHART)).check()
    warnings = [line for line in result.stdout.splitlines() if "[WARNING]" in line or "[ERROR]" in line]
    if not missing:
        assert not warnings, result.stdout
        return
    assert len(warnings) == 1, result.stdout
    assert "missing these dependencies" in warnings[0]
    reported = warnings[0].split("dependencies:")[1].strip().split(",")
    assert missing == sorted(m.strip() for m in reported)


@pytest.mark.parametrize("values", OPERATOR_CASES, ids=_case_id)
def test_operator_chart_renders_hardened_deployment(
    helm: Path, helm_env: dict[str, str], values: Path | None
) -> None:
    objects = template(helm, helm_env, OPERATOR_CHART, *([] if values is None else ["-f", str(values)]))
    (deployment,) = by_kind(objects, "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] > 0
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
    assert {"cpu", "memory"} <= set(container["resources"]["requests"])
    assert {"cpu", "memory"} <= set(container["resources"]["limits"])
    port = next(p["containerPort"] for p in container["ports"] if p["name"] == "health")
    for probe in ("livenessProbe", "readinessProbe"):
        assert container[probe]["httpGet"] == {"path": "/healthz", "port": "health"}
    assert f"--liveness=http://0.0.0.0:{port}/healthz" in container["args"]
    (service_account,) = by_kind(objects, "ServiceAccount")
    assert pod["serviceAccountName"] == service_account["metadata"]["name"]
    for obj in objects:
        assert obj["metadata"]["labels"]["app.kubernetes.io/part-of"] == "fraud-platform", obj["kind"]
        assert len(obj["metadata"]["name"]) <= 63


def test_operator_image_digest_overrides_tag(helm: Path, helm_env: dict[str, str]) -> None:
    digest = "sha256:" + "ab" * 32
    objects = template(
        helm, helm_env, OPERATOR_CHART, "--set", f"image.digest={digest}", "--set", "image.tag=v9"
    )
    image = by_kind(objects, "Deployment")[0]["spec"]["template"]["spec"]["containers"][0]["image"]
    assert image == f"fraud-platform/operator@{digest}"


def test_operator_image_tag_defaults_to_app_version(helm: Path, helm_env: dict[str, str]) -> None:
    import yaml

    app_version = yaml.safe_load((OPERATOR_CHART / "Chart.yaml").read_text())["appVersion"]
    objects = template(helm, helm_env, OPERATOR_CHART)
    image = by_kind(objects, "Deployment")[0]["spec"]["template"]["spec"]["containers"][0]["image"]
    assert image == f"fraud-platform/operator:{app_version}"


def test_cluster_wide_mode_uses_cluster_role_only(helm: Path, helm_env: dict[str, str]) -> None:
    objects = template(helm, helm_env, OPERATOR_CHART)
    assert len(by_kind(objects, "ClusterRole")) == 1 and len(by_kind(objects, "ClusterRoleBinding")) == 1
    assert not by_kind(objects, "Role") and not by_kind(objects, "RoleBinding")
    args = by_kind(objects, "Deployment")[0]["spec"]["template"]["spec"]["containers"][0]["args"]
    assert "--all-namespaces" in args


def test_single_namespace_mode_uses_role_in_that_namespace_only(helm: Path, helm_env: dict[str, str]) -> None:
    objects = template(helm, helm_env, OPERATOR_CHART, "--set", "watchNamespace=payments")
    (role,) = by_kind(objects, "Role")
    (binding,) = by_kind(objects, "RoleBinding")
    assert role["metadata"]["namespace"] == binding["metadata"]["namespace"] == "payments"
    assert binding["subjects"][0]["namespace"] == "fraud"  # the operator's own namespace
    args = by_kind(objects, "Deployment")[0]["spec"]["template"]["spec"]["containers"][0]["args"]
    assert "--namespace=payments" in args and "--all-namespaces" not in args
    # Cluster-wide, only kopf's read-only startup scans (CRDs, Namespaces) ...
    (cluster_role,) = by_kind(objects, "ClusterRole")
    assert cluster_role["metadata"]["name"].endswith("-discovery")
    for rule in cluster_role["rules"]:
        assert rule["verbs"] == ["list", "watch"], rule
        assert rule["resources"] in (["customresourcedefinitions"], ["namespaces"]), rule
    # ... and not even those when asked.
    strict = template(
        helm,
        helm_env,
        OPERATOR_CHART,
        "--set",
        "watchNamespace=payments",
        "--set",
        "rbac.clusterDiscovery=false",
    )
    assert not by_kind(strict, "ClusterRole") and not by_kind(strict, "ClusterRoleBinding")


@pytest.mark.parametrize("values", [None, OPERATOR_CHART / "ci" / "namespaced-values.yaml"], ids=_case_id)
def test_rbac_has_no_wildcards_or_escalation(
    helm: Path, helm_env: dict[str, str], values: Path | None
) -> None:
    objects = template(helm, helm_env, OPERATOR_CHART, *([] if values is None else ["-f", str(values)]))
    roles = by_kind(objects, "ClusterRole") + by_kind(objects, "Role")
    assert roles
    for role in roles:
        for rule in role["rules"]:
            for field in ("apiGroups", "resources", "verbs"):
                assert "*" not in rule.get(field, []), rule
            assert not set(rule["verbs"]) & {"escalate", "bind", "impersonate"}, rule
            assert "nonResourceURLs" not in rule
            assert not {"secrets", "roles", "clusterroles", "rolebindings", "clusterrolebindings"} & set(
                rule["resources"]
            ), rule
    for binding in by_kind(objects, "ClusterRoleBinding") + by_kind(objects, "RoleBinding"):
        assert binding["roleRef"]["name"] not in ("cluster-admin", "admin", "edit")


def test_rbac_off_renders_no_rbac(helm: Path, helm_env: dict[str, str]) -> None:
    objects = template(helm, helm_env, OPERATOR_CHART, "--set", "rbac.create=false")
    kinds = {o["kind"] for o in objects}
    assert not kinds & {"ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"}


def test_existing_service_account_must_be_named(helm: Path, helm_env: dict[str, str]) -> None:
    result = run(helm, helm_env, "template", "x", str(OPERATOR_CHART), "--set", "serviceAccount.create=false")
    assert result.returncode != 0
    assert "serviceAccount.name is required when serviceAccount.create=false" in result.stderr


@pytest.mark.parametrize("values", PLATFORM_CASES, ids=_case_id)
def test_platform_chart_renders(
    helm: Path, helm_env: dict[str, str], platform_chart: Path, values: Path | None
) -> None:
    objects = template(helm, helm_env, platform_chart, *([] if values is None else ["-f", str(values)]))
    deployments = by_kind(objects, "Deployment")
    assert [d["metadata"]["labels"]["app.kubernetes.io/component"] for d in deployments] == ["operator"]
    pipelines = by_kind(objects, "FraudPipeline")
    example_on = values is not None and "example" in values.name
    assert len(pipelines) == (1 if example_on else 0)


def test_platform_chart_can_drop_the_operator(
    helm: Path, helm_env: dict[str, str], platform_chart: Path
) -> None:
    objects = template(helm, helm_env, platform_chart, "--set", "fraud-operator.enabled=false")
    assert not by_kind(objects, "Deployment")
