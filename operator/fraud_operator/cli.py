"""`fraudctl operator`: run the operator, print the CRD, render a FraudPipeline's children."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def register(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    run_p = sub.add_parser("run", help="run the operator (kopf) against the current cluster")
    scope = run_p.add_mutually_exclusive_group()
    scope.add_argument("-n", "--namespace", action="append", default=[],
                       help="watch only this namespace (repeatable; a glob like 'team-*' works)")
    scope.add_argument("-A", "--all-namespaces", action="store_true",
                       help="watch every namespace (the default when no --namespace is given)")
    run_p.add_argument("--liveness", metavar="URL", default=None,
                       help="serve kopf's liveness probe, e.g. http://0.0.0.0:8080/healthz")
    run_p.add_argument("--kubeconfig", help="kubeconfig file (default: in-cluster, then $KUBECONFIG)")
    run_p.add_argument("--server", help="API server URL, used with --token-file instead of a kubeconfig")
    run_p.add_argument("--token-file", help="file holding a bearer token (e.g. a ServiceAccount token)")
    run_p.add_argument("--certificate-authority", help="CA bundle for --server")
    run_p.add_argument("--insecure-skip-tls-verify", action="store_true",
                       help="do not verify the server certificate (test clusters only)")
    run_p.add_argument("--resync-seconds", type=float, default=30.0,
                       help="how often every FraudPipeline is re-reconciled (default 30)")
    run_p.add_argument("--retry-seconds", type=float, default=10.0,
                       help="delay before re-checking a step that is not ready (default 10)")
    run_p.add_argument("-v", "--verbose", action="store_true", help="verbose kopf logging")
    run_p.add_argument("--debug", action="store_true", help="debug logging")
    run_p.set_defaults(func=run)

    crd_p = sub.add_parser("crd", help="print the FraudPipeline CRD YAML")
    crd_p.set_defaults(func=print_crd)

    render_p = sub.add_parser("render", help="print the child manifests of the FraudPipelines in a file")
    render_p.add_argument("file", help="YAML file with one or more FraudPipeline documents ('-' for stdin)")
    render_p.add_argument("-n", "--namespace", default=None,
                          help="namespace for pipelines that name none (default: 'default')")
    render_p.set_defaults(func=render)


def print_crd(args: argparse.Namespace) -> int:
    from .crd import crd_yaml

    sys.stdout.write(crd_yaml())
    return 0


def _load(path: str) -> list[dict]:
    import yaml

    text = sys.stdin.read() if path == "-" else Path(path).read_text()
    return [doc for doc in yaml.safe_load_all(text) if doc]


def render(args: argparse.Namespace) -> int:
    import yaml

    from . import crd, reconcile

    try:
        docs = _load(args.file)
    except (OSError, yaml.YAMLError) as err:
        print(f"error: cannot read {args.file}: {err}", file=sys.stderr)
        return 2
    pipelines = [d for d in docs if d.get("kind") == crd.KIND]
    if not pipelines:
        print(f"error: {args.file} holds no document with kind: {crd.KIND}", file=sys.stderr)
        return 2
    out = []
    for doc in pipelines:
        meta = doc.get("metadata") or {}
        if not meta.get("name"):
            print(f"error: a {crd.KIND} in {args.file} has no metadata.name", file=sys.stderr)
            return 2
        namespace = meta.get("namespace") or args.namespace or "default"
        for child in reconcile.desired(meta["name"], crd.with_defaults(doc.get("spec"))):
            child["metadata"]["namespace"] = namespace
            out.append(child)
    sys.stdout.write(yaml.safe_dump_all(out, sort_keys=False, width=110))
    return 0


def run(args: argparse.Namespace) -> int:
    env = {
        "FRAUD_OPERATOR_RESYNC_SECONDS": str(args.resync_seconds),
        "FRAUD_OPERATOR_RETRY_SECONDS": str(args.retry_seconds),
    }
    if args.kubeconfig:
        if not Path(args.kubeconfig).is_file():
            print(f"error: --kubeconfig {args.kubeconfig} does not exist", file=sys.stderr)
            return 2
        env["KUBECONFIG"] = str(Path(args.kubeconfig).resolve())
    if args.server or args.token_file:
        if not (args.server and args.token_file):
            print("error: --server and --token-file go together; give both, or use --kubeconfig",
                  file=sys.stderr)
            return 2
        env |= {"FRAUD_OPERATOR_SERVER": args.server, "FRAUD_OPERATOR_TOKEN_FILE": args.token_file,
                "FRAUD_OPERATOR_INSECURE": "1" if args.insecure_skip_tls_verify else "",
                "FRAUD_OPERATOR_CA_FILE": args.certificate_authority or ""}
    os.environ.update(env)  # read by fraud_operator.handlers at import

    import kopf

    from . import handlers  # noqa: F401  (registers the handlers)

    kopf.configure(verbose=args.verbose, debug=args.debug)
    kopf.run(standalone=True, clusterwide=not args.namespace, namespaces=args.namespace,
             liveness_endpoint=args.liveness)
    return 0
