"""`python -m syncbridge_local {serve,demo,replay}`: run Sync Bridge on this machine.

serve   start everything; print one line `ready <base-url>` on stdout once requests are
        accepted (all logs go to stderr); run until SIGINT/SIGTERM.
demo    start everything, run the demo steps, print what happened; exit 0 only if every
        step succeeded (`--keep-serving` keeps it up afterwards and prints the URLs).
replay  move the messages of a queue's dead-letter queue back into it, on the runtime
        that `serve`/`demo` is running (found through its state file).
add-user, bootstrap, import-home, refile-keys
        the commands of `syncbridge.authserver`, `syncbridge.ops.import_home` and
        `syncbridge.ops.refile_keys`, run against the running local runtime (its tables,
        through its state file).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import tempfile
import threading
import warnings
from pathlib import Path
from typing import Any, TextIO

from syncbridge.cli import OneLineParser, usage_error

STATE_FILE = Path(
    os.environ.get("SYNCBRIDGE_LOCAL_STATE")
    or Path(tempfile.gettempdir()) / "syncbridge-local.json"
)


def _parameters(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(
                usage_error(
                    "python -m syncbridge_local", f"--param expects Name=Value, got {pair!r}"
                )
            )
        out[key] = value
    return out


def _runtime_args(parser: argparse.ArgumentParser) -> None:
    from syncbridge_local.runtime import DEFAULT_TEMPLATE

    parser.add_argument("--template", default=str(DEFAULT_TEMPLATE), help="SAM template to run")
    parser.add_argument("--port", type=int, default=0, help="API port (0: any free port)")
    parser.add_argument(
        "--schedule-speedup",
        type=float,
        default=None,
        help="run schedules N times faster than the wall clock",
    )
    parser.add_argument(
        "--retry-delay",
        type=int,
        default=None,
        help="seconds before a failed queue record is retried (serve: 2, demo: 1)",
    )
    parser.add_argument(
        "--no-simulators",
        action="store_true",
        help="do not start the simulators of the REGISTRY",
    )
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="template parameter override (repeatable)",
    )
    parser.add_argument(
        "--log-level",
        default=os.environ.get("SYNCBRIDGE_LOCAL_LOG"),
        help="runtime log level on stderr (serve: INFO, demo: WARNING)",
    )


# What the operator commands need to reach the running runtime's tables.
_SHARED_ENV = ("AWS_ENDPOINT_URL", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_ACCESS_KEY_ID",
               "AWS_SECRET_ACCESS_KEY", "OAUTH_TABLE", "HOME_TABLE")  # fmt: skip


def _write_state(runtime: Any) -> None:
    env = runtime.function_env("ApiFunction")
    state = {
        "environment": {k: env[k] for k in _SHARED_ENV if k in env},
        "pid": os.getpid(),
        "base_url": runtime.base_url,
        "moto_url": runtime.moto_url,
        "stack_name": runtime.stack_name,
        "queues": {
            logical_id: {"url": q.url, "arn": q.arn, "dead_letter": q.dead_letter_logical_id}
            for logical_id, q in runtime.stack.queues.items()
        },
    }
    STATE_FILE.write_text(json.dumps(state, indent=2))


def _remove_state() -> None:
    try:
        state = json.loads(STATE_FILE.read_text())
        if state.get("pid") == os.getpid():
            STATE_FILE.unlink()
    except (OSError, ValueError):
        pass


def _wait_for_signal() -> None:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    while not stop.is_set():
        stop.wait(0.5)


def _start(
    args: argparse.Namespace,
    speedup_default: float,
    defaults: dict[str, str],
    env: dict[str, str] | None = None,
    retry_default: int = 2,
) -> Any:
    from syncbridge_local.runtime import LocalRuntime

    return LocalRuntime.start(
        args.template,
        port=args.port,
        parameters={**defaults, **_parameters(args.param)},
        schedule_speedup=args.schedule_speedup or speedup_default,
        retry_delay=args.retry_delay if args.retry_delay is not None else retry_default,
        simulators=not args.no_simulators,
        env=env or {},
    )


def serve(args: argparse.Namespace, stdout: TextIO) -> int:
    runtime = _start(args, 1.0, {})
    try:
        _write_state(runtime)
        log = logging.getLogger("syncbridge_local")
        log.info("API %s, moto %s", runtime.base_url, runtime.moto_url)
        for env_var, simulator in runtime.simulators.items():
            log.info("simulator %s=%s", env_var, simulator.url)
        print(f"ready {runtime.base_url}", file=stdout, flush=True)
        _wait_for_signal()
    finally:
        runtime.stop()
        _remove_state()
    return 0


def select_steps(only: list[str] | None) -> list[Any] | None:
    """The demo steps whose names contain any of `only` (None: every step)."""
    if not only:
        return None
    from syncbridge_local.demo import discover

    chosen = [s for s in discover() if any(w.casefold() in s.name.casefold() for w in only)]
    if not chosen:
        raise SystemExit(f"no demo step name contains {' or '.join(map(repr, only))}")
    return chosen


def demo(args: argparse.Namespace, stdout: TextIO) -> int:
    from syncbridge_local.demo import run_demo

    print(
        "starting the local runtime (moto, simulators, API, queues, schedules)...",
        file=stdout,
        flush=True,
    )
    runtime = _start(
        args,
        60.0,
        {"LogLevel": "WARNING"},
        env={"POWERTOOLS_METRICS_DISABLED": "true"},
        retry_default=1,
    )
    try:
        _write_state(runtime)
        ok = run_demo(runtime, out=stdout, steps=select_steps(args.only))
        if args.keep_serving:
            _print_sign_ins(runtime, stdout)
            print(f"\nAPI:  {runtime.base_url}", file=stdout)
            for env_var, simulator in runtime.simulators.items():
                print(f"{env_var}: {simulator.url}", file=stdout)
            print("serving; press Ctrl-C to stop", file=stdout, flush=True)
            _wait_for_signal()
    finally:
        runtime.stop()
        _remove_state()
        print("stopped", file=stdout, flush=True)
    return 0 if ok else 1


DEMO_SIGN_INS = (
    ("demo-brewery", "demo-admin", "admin", "/setup", "the guided setup with Ekos, done"),
    ("golden-crust", "demo-operator", "operator", "/app/pest", "pest control"),
)


def _print_sign_ins(runtime: Any, stdout: TextIO) -> None:
    """A person per demo organisation, so the browser pages can be tried at once."""
    from syncbridge.authserver.service import create_person
    from syncbridge.authserver.store import OAuthStore

    print("\nSign in at " + runtime.base_url + "/ with:", file=stdout)
    for tenant, username, role, path, what in DEMO_SIGN_INS:
        with runtime.env_of("OAuthFunction"):
            login = create_person(OAuthStore(), tenant, username, role)
        print(
            f"  organisation {tenant}  user {login.username}  password {login.password}"
            f"  ({role}; {what}: {runtime.base_url}{path})",
            file=stdout,
        )


def _state_env(state_path: str) -> dict[str, str] | None:
    try:
        state = json.loads(Path(state_path).read_text())
        return {**state["environment"], "AWS_ENDPOINT_URL": state["moto_url"]}
    except (OSError, ValueError, KeyError, TypeError):
        return None


OPERATOR_COMMANDS = {
    "add-user": "issue a sign-in for a person (python -m syncbridge.authserver add-user)",
    "bootstrap": "a tenant's first admin client (python -m syncbridge.authserver bootstrap)",
    "import-home": "load existing records (python -m syncbridge.ops.import_home)",
    "refile-keys": "file home records under candidate keys (python -m syncbridge.ops.refile_keys)",
}


def operator_command(command: str, rest: list[str], stdout: TextIO) -> int:
    """Run a shipped operator CLI against the running local runtime's tables."""
    env = _state_env(str(STATE_FILE))
    if env is None:
        return usage_error(
            f"python -m syncbridge_local {command}",
            f"no running local runtime (state file {STATE_FILE}); start `make serve` or "
            "`make demo DEMO_ARGS=--keep-serving` first",
        )
    os.environ.update(env)
    # moto takes any credentials; the runtime sets them process-wide, not per function
    for key, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                       ("AWS_DEFAULT_REGION", "us-east-1")):  # fmt: skip
        os.environ.setdefault(key, value)
    if command == "import-home":
        from syncbridge.ops.import_home import main as import_main

        return import_main(rest)
    if command == "refile-keys":
        from syncbridge.ops.refile_keys import main as refile_main

        return refile_main(rest)
    from syncbridge.authserver.__main__ import main as auth_main

    return auth_main([command, *rest])


def replay(args: argparse.Namespace, stdout: TextIO) -> int:
    import boto3

    from syncbridge.ops.replay import QueueRef, ReceiveSendDelete

    try:
        state = json.loads(Path(args.state).read_text())
    except OSError:
        print(
            f"no running local runtime (state file {args.state} missing); start `serve` first",
            file=sys.stderr,
        )
        return 2
    queues = state["queues"]
    if args.queue not in queues:
        print(f"unknown queue {args.queue}; queues: {', '.join(sorted(queues))}", file=sys.stderr)
        return 2
    destination_id = args.queue
    source_id = queues[args.queue]["dead_letter"]
    if source_id is None:  # given the DLQ itself: find the queue that redrives to it
        owners = [k for k, q in queues.items() if q["dead_letter"] == args.queue]
        if not owners:
            print(f"{args.queue} has no dead-letter queue and is none", file=sys.stderr)
            return 2
        source_id, destination_id = args.queue, owners[0]
    sqs = boto3.client(
        "sqs",
        endpoint_url=state["moto_url"],
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    source = QueueRef(queues[source_id]["url"], queues[source_id]["arn"])
    destination = QueueRef(queues[destination_id]["url"], queues[destination_id]["arn"])
    result = ReceiveSendDelete(sqs).move(source, destination)
    print(f"moved {result.moved} message(s) from {source_id} to {destination_id}", file=stdout)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(
        prog="python -m syncbridge_local",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    _runtime_args(commands.add_parser("serve", help="run until interrupted"))
    demo_parser = commands.add_parser("demo", help="run the demo scenario")
    _runtime_args(demo_parser)
    demo_parser.add_argument("--keep-serving", action="store_true")
    demo_parser.add_argument(
        "--only",
        action="append",
        metavar="WORDS",
        help="run only the steps whose name contains WORDS (repeatable), e.g. --only pest",
    )
    replay_parser = commands.add_parser("replay", help="replay a dead-letter queue")
    replay_parser.add_argument(
        "--queue", required=True, help="logical id of the queue (or of its DLQ), e.g. ImportQueue"
    )
    replay_parser.add_argument("--state", default=str(STATE_FILE))
    for name, what in OPERATOR_COMMANDS.items():
        commands.add_parser(name, help=what, add_help=False)
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in OPERATOR_COMMANDS:  # everything after the name is theirs
        return operator_command(argv[0], argv[1:], sys.stdout)
    args = parser.parse_args(argv)

    # Handlers flush metrics after every invocation; an empty flush is not news locally.
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    # stdout carries only what the command prints; handler logs and metrics go to stderr.
    stdout = sys.stdout
    sys.stdout = sys.stderr
    default_level = "WARNING" if args.command == "demo" else "INFO"
    if args.command != "replay":
        logging.basicConfig(
            level=getattr(logging, str(args.log_level or default_level).upper(), logging.INFO),
            stream=sys.stderr,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
        for noisy in ("botocore", "boto3", "urllib3", "httpx", "werkzeug"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        return {"serve": serve, "demo": demo, "replay": replay}[args.command](args, stdout)
    finally:
        sys.stdout = stdout


if __name__ == "__main__":
    raise SystemExit(main())
