"""Running the real helm binary on this repository's charts, and reading what it renders."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
CHARTS = REPO / "charts"
OPERATOR_CHART = CHARTS / "fraud-operator"
PLATFORM_CHART = CHARTS / "fraud-platform"
# Dependencies whose chart repositories are outside this project (fetched by `helm dependency
# update` on a real cluster); the offline copy of the umbrella chart is rendered without them.
UPSTREAM_DEPENDENCIES = (
    "strimzi-kafka-operator",
    "cert-manager",
    "k8ssandra-operator",
    "spark-operator",
    "eck-operator",
)


@dataclass
class HelmResult:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str

    def check(self) -> HelmResult:
        if self.returncode != 0:
            raise AssertionError(
                f"helm {' '.join(self.args)} exited {self.returncode}\n"
                f"stdout:\n{self.stdout}\nstderr:\n{self.stderr}"
            )
        return self


def run(helm: Path, env: dict[str, str], *args: str, timeout: float = 120) -> HelmResult:
    proc = subprocess.run([str(helm), *args], capture_output=True, text=True, env=env, timeout=timeout)
    return HelmResult(list(args), proc.returncode, proc.stdout, proc.stderr)


def values_args(values_files: Sequence[Path] = (), sets: Sequence[str] = ()) -> list[str]:
    args: list[str] = []
    for path in values_files:
        args += ["-f", str(path)]
    for item in sets:
        args += ["--set", item]
    return args


def ci_values(chart: Path) -> list[Path]:
    return sorted((chart / "ci").glob("*-values.yaml"))


def offline_platform_chart(helm: Path, env: dict[str, str], workdir: Path) -> Path:
    """A copy of charts/fraud-platform whose Chart.yaml keeps only the fraud-operator dependency,
    vendored with `helm dependency update` from its file:// path, so it renders without network.
    Everything else (templates, values, schema, ci files) is the real chart, byte for byte."""
    dest = workdir / "charts" / "fraud-platform"
    if dest.exists():
        return dest
    shutil.copytree(PLATFORM_CHART, dest, ignore=shutil.ignore_patterns("charts", "Chart.lock"))
    shutil.copytree(OPERATOR_CHART, workdir / "charts" / "fraud-operator")
    meta = yaml.safe_load((dest / "Chart.yaml").read_text())
    meta["dependencies"] = [d for d in meta["dependencies"] if d["name"] not in UPSTREAM_DEPENDENCIES]
    (dest / "Chart.yaml").write_text(yaml.safe_dump(meta, sort_keys=False))
    run(helm, env, "dependency", "update", str(dest), "--skip-refresh").check()
    return dest


def documents(rendered: str) -> list[dict[str, Any]]:
    """The non-empty YAML documents of a `helm template` output."""
    return [doc for doc in yaml.safe_load_all(rendered) if doc]


def template(
    helm: Path,
    env: dict[str, str],
    chart: Path,
    *extra: str,
    release: str = "fraud",
    namespace: str = "fraud",
) -> list[dict[str, Any]]:
    result = run(helm, env, "template", release, str(chart), "--namespace", namespace, *extra).check()
    return documents(result.stdout)


def by_kind(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in objects if o.get("kind") == kind]
