"""Process environments for code that runs in the runtime's own process (tests, the demo)."""

from __future__ import annotations

import os
import threading
import time

from syncbridge_local.environment import function_env, process_env


def test_function_env_shadows_process_variables_and_can_unset_them() -> None:
    with process_env({"SB_TEST_SHARED": "process"}):
        with function_env({"SB_TEST_SHARED": "function"}):
            assert os.environ["SB_TEST_SHARED"] == "function"
        with function_env({"SB_TEST_SHARED": None}):
            assert "SB_TEST_SHARED" not in os.environ
        assert os.environ["SB_TEST_SHARED"] == "process"
    assert "SB_TEST_SHARED" not in os.environ


def test_writes_inside_a_function_env_are_undone() -> None:
    with function_env({"SB_TEST_W": "1"}):
        os.environ["SB_TEST_W"] = "2"
        assert os.environ["SB_TEST_W"] == "2"
    assert "SB_TEST_W" not in os.environ


def test_a_second_thread_waits_until_the_first_block_ends() -> None:
    seen: list[str | None] = []
    entered = threading.Event()

    def other() -> None:
        entered.wait(5)
        with function_env({"SB_TEST_ROLE": "other"}):
            seen.append(os.environ.get("SB_TEST_ROLE"))

    thread = threading.Thread(target=other)
    thread.start()
    with function_env({"SB_TEST_ROLE": "first"}):
        entered.set()
        time.sleep(0.05)  # the other thread is blocked, not mixing its variables in
        seen.append(os.environ.get("SB_TEST_ROLE"))
    thread.join(5)
    assert seen == ["first", "other"]
    assert "SB_TEST_ROLE" not in os.environ
