"""Evaluation: metrics computed from labels and scores, a report, a precision-recall plot.

Metrics are plain numpy on (label, probability) arrays collected from the scored slice, so
the Spark model and the scikit-learn baseline are measured by exactly the same code.
PR-AUC is average precision (the step-wise area, no optimistic interpolation).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

TARGET_PRECISION = 0.9


def pr_curve(y: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Precision, recall and threshold at every distinct score, highest threshold first."""
    y = np.asarray(y, dtype=np.int64)
    order = np.argsort(-np.asarray(p, dtype=np.float64), kind="mergesort")
    scores, labels = np.asarray(p, dtype=np.float64)[order], y[order]
    tp = np.cumsum(labels)
    fp = np.cumsum(1 - labels)
    # Only the last index of each run of equal scores is a reachable cut.
    last = np.r_[np.flatnonzero(np.diff(scores)), len(scores) - 1]
    tp, fp, thresholds = tp[last], fp[last], scores[last]
    positives = max(int(y.sum()), 1)
    precision = tp / np.maximum(tp + fp, 1)
    recall = tp / positives
    return precision, recall, thresholds


def average_precision(y: np.ndarray, p: np.ndarray) -> float:
    precision, recall, _ = pr_curve(y, p)
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def roc_auc(y: np.ndarray, p: np.ndarray) -> float:
    """Probability a random fraud scores above a random legit one (ties count half)."""
    import pandas as pd

    y = np.asarray(y, dtype=np.int64)
    positives, negatives = int(y.sum()), int(len(y) - y.sum())
    if positives == 0 or negatives == 0:
        return float("nan")
    ranks = pd.Series(np.asarray(p, dtype=np.float64)).rank(method="average").to_numpy()
    return float((ranks[y == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def best_f1_threshold(y: np.ndarray, p: np.ndarray) -> float:
    """The score cut with the highest F1 -- call it on a validation slice only."""
    precision, recall, thresholds = pr_curve(y, p)
    f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
    if len(thresholds) == 0 or f1.max() == 0:
        return 0.5
    return float(thresholds[int(np.argmax(f1))])


def recall_at_precision(y: np.ndarray, p: np.ndarray, target: float = TARGET_PRECISION) -> float:
    precision, recall, _ = pr_curve(y, p)
    ok = precision >= target
    return float(recall[ok].max()) if ok.any() else 0.0


def binary_metrics(y: np.ndarray, p: np.ndarray, threshold: float) -> dict[str, Any]:
    y = np.asarray(y, dtype=np.int64)
    pred = np.asarray(p) >= threshold
    tp = int(np.sum(pred & (y == 1)))
    fp = int(np.sum(pred & (y == 0)))
    fn = int(np.sum(~pred & (y == 1)))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "rows": len(y),
        "frauds": int(y.sum()),
        "roc_auc": roc_auc(y, p),
        "pr_auc": average_precision(y, p),
        "threshold": float(threshold),
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "true_positives": tp,
        "false_positives": fp,
        "false_negatives": fn,
        f"recall_at_precision_{TARGET_PRECISION}": recall_at_precision(y, p),
    }


def collect_scores(scored: DataFrame, label: str = "is_fraud") -> tuple[np.ndarray, np.ndarray]:
    """(labels, fraud probabilities) of a scored DataFrame, on the driver."""
    pdf = scored.select(label, "fraud_probability").toPandas()
    return pdf[label].fillna(0).to_numpy(dtype=np.int64), pdf["fraud_probability"].to_numpy(dtype=np.float64)


def human_report(metrics: dict[str, Any], title: str = "test slice") -> str:
    rp = f"recall_at_precision_{TARGET_PRECISION}"
    return "\n".join([
        f"{title}: {metrics['rows']:,} transactions, {metrics['frauds']:,} fraud",
        f"  ROC-AUC {metrics['roc_auc']:.4f}   PR-AUC {metrics['pr_auc']:.4f}",
        f"  at threshold {metrics['threshold']:.4f}: precision {metrics['precision']:.3f}  "
        f"recall {metrics['recall']:.3f}  F1 {metrics['f1']:.3f}  "
        f"({metrics['true_positives']} TP, {metrics['false_positives']} FP, {metrics['false_negatives']} FN)",
        f"  recall at precision {TARGET_PRECISION}: {metrics[rp]:.3f}",
    ])


def plot_pr_curve(y: np.ndarray, p: np.ndarray, threshold: float, path: str | Path, title: str) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    precision, recall, thresholds = pr_curve(y, p)
    fig, ax = plt.subplots(figsize=(6, 4.5), dpi=110)
    ax.step(np.r_[0.0, recall], np.r_[1.0, precision], where="post", label=f"AP = {average_precision(y, p):.3f}")
    chosen = np.flatnonzero(thresholds >= threshold)
    if len(chosen):
        i = chosen[-1]
        ax.plot(recall[i], precision[i], "o", color="crimson", label=f"threshold {threshold:.3f}")
    ax.axhline(float(np.mean(y)), color="grey", linestyle=":", label="fraud base rate")
    ax.set(xlabel="recall", ylabel="precision", xlim=(0, 1.01), ylim=(0, 1.02), title=title)
    ax.legend(loc="lower left")
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path


def write_report(
    out_dir: str | Path, metrics: dict[str, Any], y: np.ndarray, p: np.ndarray, title: str
) -> dict[str, Path]:
    """metrics.json, report.txt and pr_curve.png in `out_dir`."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")
    (out / "report.txt").write_text(human_report(metrics, title) + "\n")
    png = plot_pr_curve(y, p, metrics["threshold"], out / "pr_curve.png", f"Precision-recall, {title}")
    return {"json": out / "metrics.json", "text": out / "report.txt", "plot": png}


def evaluate_files(
    spark: Any, model_dir: str | Path, customers_path: str | Path, transactions_path: str | Path,
    version: str | None = None,
) -> tuple[dict[str, Any], np.ndarray, np.ndarray, str]:
    """Score a labelled dataset with a saved model: (metrics, labels, scores, version)."""
    from fraud_jobs import model
    from fraud_jobs.features import build_features
    from fraud_jobs.importer import read_customers, read_transactions

    loaded = model.load(model_dir, version)
    feats = build_features(read_transactions(spark, transactions_path), read_customers(spark, customers_path))
    y, p = collect_scores(loaded.score(feats))
    return binary_metrics(y, p, loaded.threshold), y, p, loaded.version
