"""Metric functions against scikit-learn's independent implementations."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, f1_score, precision_score, recall_score, roc_auc_score

from fraud_jobs.evaluate import (
    average_precision,
    best_f1_threshold,
    binary_metrics,
    recall_at_precision,
    roc_auc,
    write_report,
)


@pytest.fixture
def scores():
    rng = np.random.default_rng(0)
    y = (rng.random(5000) < 0.03).astype(int)
    # informative but noisy scores, with ties (rounded)
    p = np.round(np.clip(0.3 * y + rng.normal(0.2, 0.15, len(y)), 0, 1), 2)
    return y, p


def test_auc_metrics_match_sklearn(scores):
    y, p = scores
    assert roc_auc(y, p) == pytest.approx(roc_auc_score(y, p), rel=1e-12)
    assert average_precision(y, p) == pytest.approx(average_precision_score(y, p), rel=1e-12)


def test_threshold_metrics_match_sklearn(scores):
    y, p = scores
    t = best_f1_threshold(y, p)
    m = binary_metrics(y, p, t)
    pred = (p >= t).astype(int)
    assert m["precision"] == pytest.approx(precision_score(y, pred))
    assert m["recall"] == pytest.approx(recall_score(y, pred))
    assert m["f1"] == pytest.approx(f1_score(y, pred))
    # no other threshold has a better F1
    assert all(f1_score(y, (p >= c).astype(int)) <= m["f1"] + 1e-12 for c in np.unique(p))


def test_recall_at_precision(scores):
    y, p = scores
    r = recall_at_precision(y, p, 0.9)
    brute = max([recall_score(y, (p >= c).astype(int)) for c in np.unique(p)
                 if precision_score(y, (p >= c).astype(int), zero_division=0) >= 0.9] or [0.0])
    assert r == pytest.approx(brute)
    assert recall_at_precision(np.array([0, 1]), np.array([0.9, 0.1]), 0.9) == 0.0


def test_report_files(tmp_path, scores):
    y, p = scores
    paths = write_report(tmp_path, binary_metrics(y, p, 0.4), y, p, "unit")
    assert paths["plot"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "PR-AUC" in paths["text"].read_text()
