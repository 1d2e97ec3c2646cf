"""One moto server per Python process, in a process of its own, shared by every local runtime.

Every function runs in worker processes of its own, so AWS must be reachable over HTTP
like the real endpoints: the server listens on a loopback port and its URL becomes each
environment's `AWS_ENDPOINT_URL`. It runs in its own interpreter, so moto's work does not
compete with the API gateway for one GIL, and `moto.mock_aws` in other tests of the same
session cannot reset it. It lives as long as the process that started it (it exits when
its stdin closes), so boto3 clients cached by `syncbridge.aws` keep working across
runtimes started one after another; runtimes keep apart by prefixing their resource names.

    python -m syncbridge_local.moto_server     # prints `ready http://127.0.0.1:PORT`
"""

from __future__ import annotations

import atexit
import logging
import subprocess
import sys
import threading
from typing import Any

_lock = threading.Lock()
_process: subprocess.Popen[str] | None = None
_url: str | None = None


def endpoint_url() -> str:
    """The moto server's base URL, starting it on a free loopback port on first use."""
    global _process, _url
    with _lock:
        if _url is None or _process is None or _process.poll() is not None:
            process = subprocess.Popen(
                [sys.executable, "-I", __file__],  # isolated: it needs moto only
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            assert process.stdout is not None
            line = process.stdout.readline().strip()
            if not line.startswith("ready "):
                process.kill()
                raise RuntimeError(f"the moto server did not start (said {line!r})")
            _process, _url = process, line.split(" ", 1)[1]
            atexit.register(_stop)
        return _url


def _stop() -> None:
    global _process, _url
    if _process is not None:
        try:
            if _process.stdin is not None:
                _process.stdin.close()
            _process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            _process.kill()
        finally:
            _process, _url = None, None


def _fast_sqs_clock() -> None:
    """moto's SQS asks "now" through datetime arithmetic for every message whenever it
    counts a queue's messages, which it does on every SendMessage (a queue with a backlog
    of a few hundred then costs ~10 ms of CPU per send). `time.time()` is the same clock."""
    import time

    from moto.core import utils
    from moto.sqs import models

    def unix_time(dt: object = None) -> float:
        return time.time() if dt is None else utils.unix_time(dt)  # type: ignore[arg-type]

    def unix_time_millis(dt: object = None) -> float:
        return unix_time(dt) * 1000.0

    models.unix_time = unix_time  # type: ignore[attr-defined]
    models.unix_time_millis = unix_time_millis  # type: ignore[attr-defined]


def _cached_module_list() -> None:
    """moto's server lists its own package directory (listdir + isdir of ~150 entries)
    twice per request to route it; the directory does not change while it runs."""
    from moto import backends

    modules = frozenset(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: modules  # type: ignore[assignment]


def _under(lock: Any, method: Any) -> Any:
    """`method`, run while holding `lock` (moto's backends do check-then-write unlocked)."""

    def run(*args: Any, **kwargs: Any) -> Any:
        with lock:
            return method(*args, **kwargs)

    return run


def _atomic_sqs() -> None:
    """SQS hands a message to one receiver at a time; moto's receive checks a message's
    visibility and then marks it received without a lock, so two concurrent receives
    (the runtime's pollers) can both take it: a FIFO message delivered twice, its group's
    order broken. Each receive attempt, send and delete runs under one lock here; a long
    poll waits outside it."""
    import time

    from moto.sqs.models import SQSBackend

    lock = threading.RLock()
    receive = SQSBackend.receive_message

    def receive_message(
        self: Any,
        queue_name: str,
        count: int,
        wait_seconds_timeout: int,
        visibility_timeout: int,
        message_attribute_names: list[str] | None = None,
    ) -> Any:
        deadline = time.monotonic() + (wait_seconds_timeout or 0)
        while True:
            with lock:
                found = receive(
                    self, queue_name, count, 0, visibility_timeout, message_attribute_names
                )
            remaining = deadline - time.monotonic()
            if found or remaining <= 0:
                return found
            time.sleep(min(remaining, 0.02))  # moto's own long poll re-scans as often

    SQSBackend.receive_message = receive_message  # type: ignore[method-assign]
    for name in (
        "send_message",
        "send_message_batch",
        "delete_message",
        "delete_message_batch",
        "change_message_visibility",
        "change_message_visibility_batch",
    ):
        if hasattr(SQSBackend, name):
            setattr(SQSBackend, name, _under(lock, getattr(SQSBackend, name)))


def atomic_dynamodb() -> None:
    """DynamoDB applies a conditional write atomically; moto checks the condition and then
    writes without a lock, so two threads can both pass `attribute_not_exists` or
    `version = :v` (two holders of one lease, one event claimed twice). Every item write
    runs under one lock here. Also applied to in-process `mock_aws` by the tests."""
    from moto.dynamodb.models import DynamoDBBackend

    if getattr(DynamoDBBackend, "_syncbridge_atomic", False):
        return
    lock = threading.RLock()

    for name in ("put_item", "update_item", "delete_item", "transact_write_items"):
        setattr(DynamoDBBackend, name, _under(lock, getattr(DynamoDBBackend, name)))
    DynamoDBBackend._syncbridge_atomic = True  # type: ignore[attr-defined]


def _keyed_queries() -> None:
    """DynamoDB reads a Query's partition by its key; moto sorts the whole table on every
    Query and filters it (O(table) per call, seconds once a table holds thousands of
    items). A Query on the table's own key reads its partition only here (same items,
    same order); index queries and scans read a snapshot of the table."""
    from moto.dynamodb.models.table import Table

    hint = threading.local()
    all_items, query = Table.all_items, Table.query

    def snapshot(self: Any) -> Any:
        # moto walks the live dicts in Python, so a write on another server thread fails
        # the read ("dictionary changed size during iteration"); list() copies in C, atomically
        if not self.range_key_attr:
            return all_items(self)
        items = [item for part in list(self.items.values()) for item in list(part.values())]
        return sorted(items, key=lambda item: (item.hash_key, item.range_key))

    def partition_items(self: Any) -> Any:
        wanted = getattr(hint, "partition", None)
        if wanted is None or wanted[0] is not self or not self.range_key_attr:
            return snapshot(self)
        part = list(self.items.get(wanted[1], {}).values())
        return sorted(part, key=lambda item: item.range_key)

    def keyed_query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
        if index_name or hash_key is None:
            return query(self, hash_key, *args, **kwargs)
        hint.partition = (self, hash_key)
        try:
            return query(self, hash_key, *args, **kwargs)
        finally:
            hint.partition = None

    Table.all_items = partition_items  # type: ignore[method-assign]
    Table.query = keyed_query  # type: ignore[method-assign]


class _Sampler:
    """Every few ms, which functions are on the stacks of the server's busy threads
    (inclusive counts), written to a file at exit: where moto's CPU goes."""

    def __init__(self, interval: float = 0.003) -> None:
        import collections

        self.counts: collections.Counter[str] = collections.Counter()
        self.samples = 0
        self.interval = interval
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        import time

        me = threading.get_ident()
        while True:
            time.sleep(self.interval)
            for ident, frame in sys._current_frames().items():
                if ident == me:
                    continue
                top = frame.f_code.co_name
                if top in ("receive_message", "wait", "_wait_for_tstate_lock", "readinto"):
                    continue  # asleep (a long poll, a lock, a socket), not working
                names, f = set(), frame
                while f is not None:
                    code = f.f_code
                    names.add(f"{code.co_filename.rsplit('site-packages/', 1)[-1]}:{code.co_name}")
                    f = f.f_back
                if any("dispatch_request" in n or "_respond" in n for n in names):
                    self.samples += 1
                    self.counts.update(names)

    def dump(self, path: str) -> None:
        with open(path, "w") as out:
            out.write(f"samples {self.samples}\n")
            for name, count in self.counts.most_common(120):
                out.write(f"{count:8d} {name}\n")


def main() -> None:
    from moto.server import ThreadedMotoServer

    _fast_sqs_clock()
    _cached_module_list()
    _atomic_sqs()
    atomic_dynamodb()
    _keyed_queries()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    import os

    profile_to = os.environ.get("SYNCBRIDGE_MOTO_PROFILE", "")  # sampled stacks, for tuning
    sampler = _Sampler() if profile_to else None
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    print(f"ready http://{host}:{port}", flush=True)
    sys.stdin.read()  # until the parent closes the pipe or exits
    server.stop()
    if sampler is not None:
        sampler.dump(profile_to)


if __name__ == "__main__":
    main()
