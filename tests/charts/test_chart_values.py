"""values.yaml is documented key by key, and values.schema.json (enforced by the real helm) rejects
bad values with a message that names the key and what is wrong."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from .helmtools import OPERATOR_CHART, PLATFORM_CHART, ci_values, offline_platform_chart, run

CHARTS = [OPERATOR_CHART, PLATFORM_CHART]


def _leaf_paths(values: Any, prefix: str = "") -> list[str]:
    if isinstance(values, dict) and values:
        paths: list[str] = []
        for key, child in values.items():
            paths += _leaf_paths(child, f"{prefix}.{key}" if prefix else str(key))
        return paths
    return [prefix]


def _documented_paths(text: str) -> set[str]:
    """Dotted names that a comment documents: `# name -- text` (name may end in .*)."""
    return {m.group(1) for m in re.finditer(r"^\s*# ([A-Za-z][\w.-]*(?:\.\*)?) -- \S", text, re.MULTILINE)}


@pytest.mark.parametrize("chart", CHARTS, ids=lambda c: c.name)
def test_every_value_is_documented(chart: Path) -> None:
    text = (chart / "values.yaml").read_text()
    documented = _documented_paths(text)
    undocumented = []
    for leaf in _leaf_paths(yaml.safe_load(text)):
        parts = leaf.split(".")
        ancestors = {".".join(parts[:i]) for i in range(1, len(parts) + 1)}
        if not ancestors & documented:
            undocumented.append(leaf)
    assert not undocumented, f"values without a '# <key> -- <text>' comment in {chart.name}: {undocumented}"


@pytest.mark.parametrize("chart", CHARTS, ids=lambda c: c.name)
def test_defaults_and_ci_values_satisfy_schema(chart: Path) -> None:
    schema = json.loads((chart / "values.schema.json").read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    defaults = yaml.safe_load((chart / "values.yaml").read_text())
    jsonschema.validate(defaults, schema)
    for path in ci_values(chart):
        merged = _merge(defaults, yaml.safe_load(path.read_text()))
        jsonschema.validate(merged, schema)


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        out[key] = (
            _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
        )
    return out


def test_schemas_are_strict_at_top_level() -> None:
    for chart in CHARTS:
        schema = json.loads((chart / "values.schema.json").read_text())
        assert schema["additionalProperties"] is False, chart.name
        defaults = yaml.safe_load((chart / "values.yaml").read_text())
        assert set(defaults) <= set(schema["properties"]), chart.name


# (--set arguments, words the error must contain)
OPERATOR_BAD_VALUES = [
    (["replicaCount=3"], ["replicaCount", "3"]),
    (["image.pullPolicy=Sometimes"], ["/image/pullPolicy", "IfNotPresent"]),
    (["watchNamspace=fraud"], ["watchNamspace", "not allowed"]),
    (["watchNamespace=Not_A_Namespace"], ["watchNamespace", "Not_A_Namespace"]),
    (["securityContext.readOnlyRootFilesystem=false"], ["readOnlyRootFilesystem"]),
    (["podSecurityContext.runAsNonRoot=false"], ["runAsNonRoot"]),
    (["resources.limits.memory=lots"], ["memory", "lots"]),
    (["operator.logLevel=loud"], ["/operator/logLevel", "verbose"]),
    (["image.digest=latest"], ["digest", "latest"]),
]


@pytest.mark.helm
@pytest.mark.parametrize(("sets", "words"), OPERATOR_BAD_VALUES, ids=lambda v: str(v))
def test_operator_schema_rejects_bad_values(
    helm: Path, helm_env: dict[str, str], sets: list[str], words: list[str]
) -> None:
    args = [a for s in sets for a in ("--set", s)]
    result = run(helm, helm_env, "template", "fraud", str(OPERATOR_CHART), *args)
    assert result.returncode != 0, f"helm accepted {sets}"
    assert "values don't meet the specifications of the schema" in result.stderr, result.stderr
    for word in words:
        assert word in result.stderr, f"{word!r} missing from helm's error:\n{result.stderr}"


PLATFORM_BAD_VALUES = [
    (["strimzi.enabled=yes"], ["strimzi", "enabled"]),
    (["examplePipeline.name=Bad_Name"], ["examplePipeline", "name"]),
    (["kafka.enabled=true"], ["kafka", "not allowed"]),
    # The subchart's own schema applies through the umbrella too.
    (["fraud-operator.replicaCount=5"], ["replicaCount"]),
]


@pytest.mark.helm
@pytest.mark.parametrize(("sets", "words"), PLATFORM_BAD_VALUES, ids=lambda v: str(v))
def test_platform_schema_rejects_bad_values(
    helm: Path, helm_env: dict[str, str], tmp_path: Path, sets: list[str], words: list[str]
) -> None:
    chart = offline_platform_chart(helm, helm_env, tmp_path)
    args = [a for s in sets for a in ("--set-string" if s.endswith("=yes") else "--set", s)]
    result = run(helm, helm_env, "template", "fraud", str(chart), *args)
    assert result.returncode != 0, f"helm accepted {sets}"
    for word in words:
        assert word in result.stderr, f"{word!r} missing from helm's error:\n{result.stderr}"
