"""`fraudctl api`: serve the REST API with uvicorn."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from fraud_dashboard.cli_common import add_cassandra_args, cassandra_config
from fraud_dashboard.config import ENV_API_TOKEN, ENV_API_TOKEN_FILE


def register(parser: argparse.ArgumentParser) -> None:
    # All interfaces by default: in a Pod the Service reaches the container from outside.
    parser.add_argument("--host", default="0.0.0.0", help="address to listen on (default %(default)s)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default %(default)s)")
    parser.add_argument(
        "--token-file",
        default=os.environ.get(ENV_API_TOKEN_FILE),
        help=f"file holding the bearer token, e.g. a mounted Secret (env {ENV_API_TOKEN_FILE}); "
        f"the token itself can instead be in env {ENV_API_TOKEN}",
    )
    parser.add_argument(
        "--insecure-open",
        action="store_true",
        help="serve /api without any authentication (only for a trusted local machine)",
    )
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    add_cassandra_args(parser)
    parser.set_defaults(func=run)


class TokenError(ValueError):
    pass


def resolve_token(environ: dict[str, str], token_file: str | None, insecure_open: bool) -> str | None:
    """The bearer token to require, or None when explicitly running open; TokenError otherwise."""
    token = environ.get(ENV_API_TOKEN, "").strip()
    if not token and token_file:
        path = Path(token_file)
        if not path.is_file():
            raise TokenError(f"token file {token_file!r} does not exist: mount the Secret there or fix --token-file")
        token = path.read_text().strip()
        if not token:
            raise TokenError(f"token file {token_file!r} is empty: put the bearer token in it")
    if token:
        return token
    if insecure_open:
        return None
    raise TokenError(
        f"no API token configured: set {ENV_API_TOKEN}, or {ENV_API_TOKEN_FILE} / --token-file to a file "
        "holding it; to serve without authentication pass --insecure-open"
    )


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from fraud_dashboard.api import ApiSettings, create_app

    try:
        token = resolve_token(dict(os.environ), args.token_file, args.insecure_open)
        settings = ApiSettings(cassandra=cassandra_config(args), token=token)
    except ValueError as exc:
        print(f"fraudctl api: {exc}", file=sys.stderr)
        return 2
    if token is None:
        print("fraudctl api: WARNING serving /api without authentication (--insecure-open)", file=sys.stderr)
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level=args.log_level)
    return 0
