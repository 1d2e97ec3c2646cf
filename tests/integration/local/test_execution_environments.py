"""A function as Lambda runs it: worker processes with their own environment, cold then
warm, concurrency up to a limit, Timeout and MemorySize enforced and reported as Lambda does."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from syncbridge_local.lambdas import FunctionHost, FunctionLoadError, FunctionSpec
from syncbridge_local.sandbox import FunctionError, FunctionTimeout, RuntimeExit

pytestmark = pytest.mark.integration

HANDLER = """
import os, time, threading
LOADED_AS = os.environ["WHO"]  # the init phase sees the function's environment
CALLS = 0

def lambda_handler(event, context):
    global CALLS
    CALLS += 1
    print(f"handling {event.get('n')}")
    if event.get("sleep"):
        time.sleep(event["sleep"])
    if event.get("allocate_mb"):
        hog = "x" * (event["allocate_mb"] * 2**20)  # touched, so resident
        time.sleep(1)
        return len(hog)
    if event.get("set"):
        os.environ["SB_LEAK"] = "set by an invocation"  # stays in this environment only
    if event.get("not_json"):
        return {1, 2}
    if event.get("import_local"):
        import syncbridge_local  # noqa: F401
    return {"who": os.environ["WHO"], "loaded_as": LOADED_AS, "name": context.function_name,
            "memory": os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "event": event,
            "remaining": context.get_remaining_time_in_millis(), "pid": os.getpid(),
            "calls": CALLS, "leak": os.environ.get("SB_LEAK")}
"""


def spec(code_dir: Path, logical_id: str = "Fn", **overrides: object) -> FunctionSpec:
    values: dict[str, object] = {
        "logical_id": logical_id,
        "name": f"stack-{logical_id}",
        "code_dir": code_dir,
        "handler": "app.lambda_handler",
        "memory_mb": 256,
        "timeout_seconds": 5,
        "environment": {"WHO": logical_id},
        "events": {},
    }
    return FunctionSpec(**(values | overrides))  # type: ignore[arg-type]


def write_handler(folder: Path, body: str = HANDLER) -> Path:
    folder.mkdir(parents=True)
    (folder / "app.py").write_text(body)
    return folder


@pytest.fixture
def hosts() -> Iterator[list[FunctionHost]]:
    made: list[FunctionHost] = []
    yield made
    for host in made:
        host.stop()


def host_for(hosts: list[FunctionHost], function: FunctionSpec, **options: object) -> FunctionHost:
    host = FunctionHost(function, echo_logs=False, **options)  # type: ignore[arg-type]
    hosts.append(host)
    return host


def test_each_function_has_its_own_process_and_environment(tmp_path: Path, hosts) -> None:
    busy: list[int] = []
    a = host_for(hosts, spec(write_handler(tmp_path / "a"), "A"), on_invoke=busy.append)
    b = host_for(hosts, spec(write_handler(tmp_path / "b"), "B"), on_invoke=busy.append)
    first, second = a.invoke({"n": 1, "set": True}), b.invoke({"n": 2})
    assert first["who"] == first["loaded_as"] == "A"
    assert second["who"] == second["loaded_as"] == "B"
    assert second["name"] == "stack-B" and second["memory"] == "256"
    assert 0 < second["remaining"] <= 5000
    assert first["pid"] != second["pid"]
    assert second["leak"] is None  # A's write to os.environ stayed in A's environment
    assert a.invoke({"n": 3})["leak"] == "set by an invocation"
    assert busy == [1, -1, 1, -1, 1, -1]
    assert a.logs and "handling 1" in a.logs


def test_the_first_invocation_is_cold_and_the_next_ones_warm(tmp_path: Path, hosts) -> None:
    host = host_for(hosts, spec(write_handler(tmp_path / "f")))
    results = [host.invoke({"n": i}) for i in range(3)]
    assert [r["calls"] for r in results] == [1, 2, 3]
    assert len({r["pid"] for r in results}) == 1
    assert host.stats.cold_starts == 1


def test_concurrent_invocations_get_environments_up_to_the_limit(tmp_path: Path, hosts) -> None:
    host = host_for(hosts, spec(write_handler(tmp_path / "f")), concurrency=2)
    results: list[dict] = []
    threads = [
        threading.Thread(target=lambda: results.append(host.invoke({"sleep": 0.5})))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4
    assert len({r["pid"] for r in results}) == 2  # the third and fourth waited for a free one
    assert host.stats.peak_concurrency == 2 and host.stats.cold_starts == 2


def test_a_timeout_is_reported_as_lambda_does_and_the_environment_replaced(
    tmp_path: Path, hosts
) -> None:
    host = host_for(hosts, spec(write_handler(tmp_path / "f"), timeout_seconds=1))
    before = host.invoke({"n": 1})
    with pytest.raises(FunctionTimeout) as timed_out:
        host.invoke({"sleep": 3})
    assert timed_out.value.error_type == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in timed_out.value.error_message
    after = host.invoke({"n": 2})
    assert after["pid"] != before["pid"] and after["calls"] == 1  # a cold start
    assert host.stats.timeouts == 1


def test_a_process_over_its_memory_size_is_killed(tmp_path: Path, hosts) -> None:
    host = host_for(hosts, spec(write_handler(tmp_path / "f"), memory_mb=128))
    with pytest.raises(RuntimeExit) as killed:
        host.invoke({"allocate_mb": 400})
    assert killed.value.error_type == "Runtime.ExitError"
    assert "Runtime exited with error: signal: killed" in killed.value.error_message
    assert host.stats.killed == 1
    assert host.invoke({"n": 1})["calls"] == 1  # the next invocation starts a new environment


def test_import_errors_are_kept_and_retried_on_the_next_invocation(tmp_path: Path, hosts) -> None:
    host = host_for(hosts, spec(write_handler(tmp_path / "bad", "import no_such_module\n")))
    host.load()
    assert isinstance(host.load_error, ModuleNotFoundError)
    with pytest.raises(FunctionLoadError, match="no_such_module"):
        host.invoke({})
    assert host.stats.init_failures == 2 and host.environments == 0


def test_missing_handler_function_is_reported(tmp_path: Path, hosts) -> None:
    host = host_for(hosts, spec(write_handler(tmp_path / "x", "def other(e, c): pass\n")))
    with pytest.raises(FunctionLoadError, match="lambda_handler"):
        host.invoke({})


def test_handler_exceptions_keep_their_type_or_are_named_as_lambda_names_them(
    tmp_path: Path, hosts
) -> None:
    body = (
        "class OwnError(Exception):\n    pass\n\n"
        "class Picky(Exception):\n"
        "    def __init__(self, message, detail):\n"
        "        super().__init__(message, detail)\n\n"
        "def lambda_handler(e, c):\n"
        "    if e['kind'] == 'value':\n        raise ValueError('bad input')\n"
        "    if e['kind'] == 'own':\n        raise OwnError('defined in the handler module')\n"
        "    raise Picky('needs two arguments', lambda: None)\n"
    )
    host = host_for(hosts, spec(write_handler(tmp_path / "r", body)))
    with pytest.raises(ValueError, match="bad input") as raised:
        host.invoke({"kind": "value"})
    assert "lambda_handler" in str(raised.value.__cause__)  # the worker's traceback
    with pytest.raises(FunctionError) as own:
        host.invoke({"kind": "own"})
    assert own.value.error_type == "OwnError"
    assert own.value.error_message == "defined in the handler module"
    with pytest.raises(FunctionError) as picky:
        host.invoke({"kind": "picky"})
    assert picky.value.error_type == "Picky"
    assert host.stats.cold_starts == 1  # a handler's exception keeps the environment


def test_results_must_be_json_as_on_lambda(tmp_path: Path, hosts) -> None:
    host = host_for(hosts, spec(write_handler(tmp_path / "f")))
    with pytest.raises(FunctionError) as raised:
        host.invoke({"not_json": True})
    assert raised.value.error_type == "Runtime.MarshalError"


def test_the_local_runtime_is_not_importable_by_a_function(tmp_path: Path, hosts) -> None:
    host = host_for(hosts, spec(write_handler(tmp_path / "f")))
    with pytest.raises(ModuleNotFoundError, match="syncbridge_local"):
        host.invoke({"import_local": True})
