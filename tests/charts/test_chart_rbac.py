"""The operator chart grants exactly the resources the operator's code touches: the child kinds in
fraud_operator.kube.KINDS plus what kopf itself needs (the FraudPipeline, Events, its startup scans), nothing more."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from fraud_operator import crd
from fraud_operator.kube import KINDS

from .helmtools import OPERATOR_CHART, by_kind, template

pytestmark = pytest.mark.helm

CHILD_VERBS = {"get", "list", "create", "patch", "delete"}


def _grants(rules: list[dict]) -> dict[tuple[str, str], set[str]]:
    out: dict[tuple[str, str], set[str]] = defaultdict(set)
    for rule in rules:
        for group in rule["apiGroups"]:
            for resource in rule["resources"]:
                out[(group, resource)] |= set(rule["verbs"])
    return dict(out)


def _expected(namespaced: bool) -> dict[tuple[str, str], set[str]]:
    expected = {
        # kopf's startup scans: CRDs always, Namespaces when it is given namespaces to watch.
        ("apiextensions.k8s.io", "customresourcedefinitions"): {"list", "watch"},
        **({("", "namespaces"): {"list", "watch"}} if namespaced else {}),
        (crd.GROUP, crd.PLURAL): {"get", "list", "watch", "patch"},
        (crd.GROUP, f"{crd.PLURAL}/status"): {"get", "patch"},
        ("", "events"): {"create"},
    }
    for kind in KINDS.values():
        group = kind.api_version.rpartition("/")[0]  # "" for the core group ("v1")
        expected[(group, kind.plural)] = set(CHILD_VERBS)
    return expected


@pytest.mark.parametrize("sets", [[], ["watchNamespace=payments"]], ids=["cluster-wide", "one-namespace"])
def test_rbac_grants_exactly_what_the_operator_uses(
    helm: Path, helm_env: dict[str, str], sets: list[str]
) -> None:
    args = [a for s in sets for a in ("--set", s)]
    objects = template(helm, helm_env, OPERATOR_CHART, *args)
    roles = by_kind(objects, "ClusterRole") + by_kind(objects, "Role")
    grants = _grants([rule for role in roles for rule in role["rules"]])
    expected = _expected(namespaced=bool(sets))
    missing = {k: v - grants.get(k, set()) for k, v in expected.items() if v - grants.get(k, set())}
    extra = {k: v - expected.get(k, set()) for k, v in grants.items() if v - expected.get(k, set())}
    assert not missing, f"the operator uses these but the chart does not grant them: {missing}"
    assert not extra, f"the chart grants these but the operator never uses them: {extra}"
