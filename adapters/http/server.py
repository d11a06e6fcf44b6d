"""``casetrail serve`` and ``casetrail token new``.

Only argparse at import: every command of the command line builds its parser
from here, and the server's libraries load when it starts.
"""

from __future__ import annotations

import argparse
import signal
import sys
from typing import Any

from casetrail.adapters.cli.store_mode import StoreMode

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080


def add_parsers(commands: Any, common: argparse.ArgumentParser) -> None:
    serve = commands.add_parser("serve", parents=[common], help="answer the HTTP API (spec http-v1)")
    serve.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST})")
    serve.add_argument("--port", type=_port, default=DEFAULT_PORT, help=f"port to listen on (default {DEFAULT_PORT})")
    serve.set_defaults(run=run_serve, store=StoreMode.CREATE)  # it takes input, as ingest does

    token = commands.add_parser("token", parents=[common], help="make API tokens")
    actions = token.add_subparsers(title="actions", required=True, metavar="ACTION")
    fresh = actions.add_parser("new", parents=[common],
                               help="print a fresh token once, and the configuration lines that admit it")
    fresh.add_argument("name", metavar="NAME", help="the token's name: the actor of what its requests record")
    from casetrail.adapters.http.auth import ROLES

    fresh.add_argument("--role", required=True, choices=ROLES, help="what the token may do (spec http-v1)")
    fresh.set_defaults(run=run_token_new, usage_error=fresh.error, store=StoreMode.NONE)


def _port(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1 to 65535)")
    return int(text)


def run_serve(args: argparse.Namespace, settings: Any) -> int:
    import uvicorn

    from casetrail.adapters.config_file import load_config
    from casetrail.adapters.http.app import create_app
    from casetrail.adapters.http.auth import load_api_settings
    from casetrail.adapters.signing import load_signing_key

    if load_config(settings.config_path).integrity.checkpoint_every:
        load_signing_key(settings.config_path)  # a scheduled checkpoint's missing key is one line, before serving
    app = create_app(settings, load_api_settings(settings.config_path))
    # uvicorn answers SIGTERM and SIGINT by refusing new connections, letting the requests in
    # flight finish, then running the application's shutdown (the views' follower stops, stores
    # close). It then raises the signal again under the handlers it found: these let the command
    # end as a finished one, status 0, rather than as one killed by the signal.
    for stopping in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stopping, lambda _signum, _frame: None)
    uvicorn.run(app, host=args.host, port=args.port, log_level=settings.log_level, timeout_graceful_shutdown=30)
    return 0


def run_token_new(args: argparse.Namespace, _settings: Any) -> int:
    from pydantic import ValidationError

    from casetrail.adapters.http.auth import ApiToken, new_token, token_lines

    token, digest = new_token()
    try:
        ApiToken(name=args.name, role=args.role, sha256=digest)
    except ValidationError as error:
        args.usage_error(f"argument NAME: {error.errors(include_url=False)[0]['msg'].lower()}")
    # The lines for the configuration file on standard output, so that `>> casetrail.toml` adds them;
    # the token itself on standard error, where the terminal shows it and no file keeps it.
    print(f"token for {args.name} (shown once; keep it secret): {token}", file=sys.stderr)
    print(token_lines(args.name, args.role, digest), end="")
    return 0
