"""Loading handlers by CodeUri + Handler and invoking them like Lambda."""

from __future__ import annotations

from pathlib import Path

import pytest

from syncbridge_local.lambdas import FunctionHost, FunctionLoadError, FunctionSpec


def spec(
    code_dir: Path, logical_id: str = "Fn", handler: str = "app.lambda_handler"
) -> FunctionSpec:
    return FunctionSpec(
        logical_id=logical_id,
        name=f"stack-{logical_id}",
        code_dir=code_dir,
        handler=handler,
        memory_mb=256,
        timeout_seconds=5,
        environment={"WHO": logical_id},
        events={},
    )


def write_handler(folder: Path, body: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "app.py").write_text(body)
    return folder


HANDLER = """
import os
LOADED_AS = os.environ["WHO"]  # the init phase sees the function's environment

def lambda_handler(event, context):
    return {"who": os.environ["WHO"], "loaded_as": LOADED_AS, "name": context.function_name,
            "memory": os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "event": event,
            "remaining": context.get_remaining_time_in_millis()}
"""


def test_two_functions_with_the_same_file_name_load_separately(tmp_path: Path) -> None:
    busy = []
    a = FunctionHost(spec(write_handler(tmp_path / "a", HANDLER), "A"), "_t", busy.append)
    b = FunctionHost(spec(write_handler(tmp_path / "b", HANDLER), "B"), "_t", busy.append)
    assert a.invoke({"n": 1})["who"] == "A"
    result = b.invoke({"n": 2})
    assert result["who"] == result["loaded_as"] == "B"
    assert result["name"] == "stack-B" and result["memory"] == "256"
    assert 0 < result["remaining"] <= 5000
    assert busy == [1, -1, 1, -1]


def test_import_errors_are_kept_and_raised_on_invoke(tmp_path: Path) -> None:
    host = FunctionHost(
        spec(write_handler(tmp_path / "bad", "import no_such_module\n")), "_t", lambda d: None
    )
    host.load()
    assert isinstance(host.load_error, ModuleNotFoundError)
    with pytest.raises(FunctionLoadError, match="no_such_module"):
        host.invoke({})


def test_missing_handler_function_is_reported(tmp_path: Path) -> None:
    host = FunctionHost(
        spec(
            write_handler(tmp_path / "x", "def other(e, c): pass\n"), handler="app.lambda_handler"
        ),
        "_t",
        lambda d: None,
    )
    with pytest.raises(FunctionLoadError, match="lambda_handler"):
        host.invoke({})


def test_handler_exceptions_propagate(tmp_path: Path) -> None:
    body = "def lambda_handler(e, c):\n    raise ValueError('bad input')\n"
    host = FunctionHost(spec(write_handler(tmp_path / "r", body)), "_t", lambda d: None)
    with pytest.raises(ValueError, match="bad input"):
        host.invoke({})
