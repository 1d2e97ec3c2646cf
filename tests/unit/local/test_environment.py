"""Per-thread function environments over one process environment."""

from __future__ import annotations

import os
import threading

from syncbridge_local.environment import function_env, process_env


def test_function_env_is_visible_only_in_its_thread_and_only_inside_the_block() -> None:
    seen: dict[str, str | None] = {}
    inside = threading.Event()
    release = threading.Event()

    def other_thread() -> None:
        inside.wait(5)
        seen["other"] = os.environ.get("SB_TEST_ROLE")
        release.set()

    thread = threading.Thread(target=other_thread)
    thread.start()
    with function_env({"SB_TEST_ROLE": "api"}):
        inside.set()
        release.wait(5)
        seen["own"] = os.environ.get("SB_TEST_ROLE")
        seen["getenv"] = os.getenv("SB_TEST_ROLE")
        seen["in_copy"] = dict(os.environ).get("SB_TEST_ROLE")
    thread.join()
    assert seen == {"other": None, "own": "api", "getenv": "api", "in_copy": "api"}
    assert "SB_TEST_ROLE" not in os.environ


def test_function_env_shadows_process_variables_and_can_unset_them() -> None:
    with process_env({"SB_TEST_SHARED": "process"}):
        with function_env({"SB_TEST_SHARED": "function"}):
            assert os.environ["SB_TEST_SHARED"] == "function"
        with function_env({"SB_TEST_SHARED": None}):
            assert "SB_TEST_SHARED" not in os.environ
        assert os.environ["SB_TEST_SHARED"] == "process"
    assert "SB_TEST_SHARED" not in os.environ


def test_writes_inside_a_function_env_stay_in_it() -> None:
    with function_env({"SB_TEST_W": "1"}):
        os.environ["SB_TEST_W"] = "2"
        assert os.environ["SB_TEST_W"] == "2"
    assert "SB_TEST_W" not in os.environ
