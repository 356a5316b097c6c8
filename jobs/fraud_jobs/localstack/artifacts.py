"""Resolve a service's runtime classpath from Maven Central, cached by version.

A checked-in pom per service is resolved with ``mvn dependency:build-classpath``; the jars
land in the user's Maven repository (~/.m2) and the classpath file in
``<cache>/<service>-<version>/classpath.txt``. A second resolution is a file read.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from importlib import resources
from pathlib import Path

from fraud_jobs import versions


class ArtifactError(RuntimeError):
    pass


def _pom(service: str) -> Path:
    return Path(str(resources.files("fraud_jobs.localstack") / "poms" / f"{service}.xml"))


def classpath(service: str, version: str, properties: dict[str, str]) -> list[str]:
    """Jars for ``service`` at ``version``; resolves with Maven on first use."""
    target = versions.cache_dir() / f"{service}-{version}"
    cp_file = target / "classpath.txt"
    if cp_file.exists():
        jars = cp_file.read_text().strip().split(os.pathsep)
        if jars and all(Path(j).exists() for j in jars):
            return jars
    mvn = shutil.which("mvn")
    if mvn is None:
        raise ArtifactError(
            f"Maven ('mvn') is not on PATH, and {service} {version} is not cached in {target}; "
            "install Maven (apt-get install maven) and run again"
        )
    target.mkdir(parents=True, exist_ok=True)
    tmp = cp_file.with_suffix(".tmp")
    cmd = [mvn, "-q", "-B", "-f", str(_pom(service)), "dependency:build-classpath",
           f"-Dmdep.outputFile={tmp}"] + [f"-D{k}={v}" for k, v in properties.items()]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0 or not tmp.exists():
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
        raise ArtifactError(f"could not resolve {service} {version} from Maven Central:\n{tail}")
    os.replace(tmp, cp_file)
    return cp_file.read_text().strip().split(os.pathsep)


def kafka_classpath() -> list[str]:
    return classpath("kafka", versions.KAFKA,
                     {"kafka.version": versions.KAFKA, "scala.binary.version": versions.KAFKA_SCALA})


def cassandra_classpath() -> list[str]:
    return classpath("cassandra", versions.CASSANDRA, {"cassandra.version": versions.CASSANDRA})
