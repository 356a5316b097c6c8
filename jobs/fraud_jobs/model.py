"""Versioned model directories: publish, find the latest, load and score.

Layout under a models root::

    <root>/LATEST                  the newest complete version's name (one line)
    <root>/<version>/metadata.json version, created_at, training data range, features,
                                   params, metrics, threshold
    <root>/<version>/pipeline/     the saved Spark PipelineModel (preprocessing + forest)

Publishing writes the whole version into a hidden temporary folder, renames it into place
(atomic on one filesystem) and only then replaces LATEST through a temp file and
``os.replace``, so a reader -- the streaming job polling for new models -- never sees a
half-written model.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyspark.ml import PipelineModel
    from pyspark.sql import DataFrame

LATEST = "LATEST"
METADATA = "metadata.json"
PIPELINE = "pipeline"
PROBABILITY_COLUMN = "fraud_probability"
PREDICTION_COLUMN = "is_fraud_pred"


def new_version(now: datetime | None = None) -> str:
    """A sortable, unique version name: UTC time to the second plus a short random suffix."""
    now = now or datetime.now(UTC)
    return now.strftime("v%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]


def latest_version(root: str | Path) -> str | None:
    """The version LATEST points at, or None when nothing has been published yet."""
    path = Path(root) / LATEST
    try:
        name = path.read_text().strip()
    except FileNotFoundError:
        return None
    return name or None


@dataclass
class LoadedModel:
    version: str
    threshold: float
    metadata: dict[str, Any]
    pipeline: PipelineModel
    path: Path = field(default_factory=Path)

    def score(self, features_df: DataFrame) -> DataFrame:
        """`features_df` with ``fraud_probability`` (double) and ``is_fraud_pred`` (int, by
        the threshold) added; no other columns are added or removed."""
        from pyspark.ml.functions import vector_to_array
        from pyspark.sql import functions as F

        keep = features_df.columns
        scored = self.pipeline.transform(features_df)
        probability = vector_to_array(F.col("probability")).getItem(1).cast("double")
        return scored.select(
            *[F.col(c) for c in keep],
            probability.alias(PROBABILITY_COLUMN),
            (probability >= F.lit(self.threshold)).cast("int").alias(PREDICTION_COLUMN),
        )


def publish(
    root: str | Path, pipeline: PipelineModel, metadata: dict[str, Any], version: str | None = None
) -> Path:
    """Write a complete model version under `root` and point LATEST at it. Returns its path."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    version = version or metadata.get("version") or new_version()
    final = root / version
    if final.exists():
        raise FileExistsError(f"model version {version!r} already exists at {final}; choose another version")
    staging = root / f".tmp-{version}-{uuid.uuid4().hex[:8]}"
    try:
        pipeline.write().overwrite().save(str((staging / PIPELINE).resolve()))
        meta = {**metadata, "version": version}
        (staging / METADATA).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
        os.rename(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _point_latest(root, version)
    return final


def _point_latest(root: Path, version: str) -> None:
    tmp = root / f".{LATEST}.{uuid.uuid4().hex[:8]}.tmp"
    tmp.write_text(version + "\n")
    os.replace(tmp, root / LATEST)


def resolve(root_or_dir: str | Path, version: str | None = None) -> Path:
    """The directory of a model version: `root_or_dir` itself if it holds metadata.json,
    else `root_or_dir`/`version`, else the LATEST version under `root_or_dir`."""
    base = Path(root_or_dir)
    if version is None and (base / METADATA).is_file():
        return base
    version = version or latest_version(base)
    if version is None:
        raise FileNotFoundError(
            f"no model in {base}: it has neither {METADATA} nor a {LATEST} file; "
            "train one with 'fraudctl train --models-dir DIR'"
        )
    path = base / version
    if not (path / METADATA).is_file():
        raise FileNotFoundError(f"model version {version!r} not found under {base} (no {path / METADATA})")
    return path


def read_metadata(path: str | Path) -> dict[str, Any]:
    return json.loads((Path(path) / METADATA).read_text())


def load(root_or_dir: str | Path, version: str | None = None) -> LoadedModel:
    """Load a model version (LATEST by default). Needs an active SparkSession."""
    from pyspark.ml import PipelineModel

    path = resolve(root_or_dir, version)
    meta = read_metadata(path)
    pipeline = PipelineModel.load(str((path / PIPELINE).resolve()))
    return LoadedModel(
        version=meta["version"],
        threshold=float(meta["threshold"]),
        metadata=meta,
        pipeline=pipeline,
        path=path,
    )
