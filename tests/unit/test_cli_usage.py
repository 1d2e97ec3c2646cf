"""Every command line answers a usage mistake with one line on stderr and exit code 2."""

from __future__ import annotations

from typing import Any

import pytest


def _run(main: Any, argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    try:
        code = main(argv)
    except SystemExit as stop:
        code = stop.code
    return code, capsys.readouterr().err


def _mains() -> dict[str, Any]:
    from syncbridge.authserver.__main__ import main as authserver
    from syncbridge.matching.cli import main as matching
    from syncbridge.matching.evaluate import main as evaluate
    from syncbridge.matching.synthetic import main as synthetic
    from syncbridge.ops.import_home import main as import_home
    from syncbridge.ops.refile_keys import main as refile_keys
    from syncbridge_local.__main__ import main as local

    return {
        "synthetic": synthetic, "evaluate": evaluate, "matching": matching,
        "authserver": authserver, "import_home": import_home, "local": local,
        "refile_keys": refile_keys,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("command", "argv", "needle"),
    [
        ("synthetic", ["/tmp/x", "--size", "-5"], "--size: must be at least 1"),
        ("synthetic", ["/tmp/x", "--size", "many"], "expected a whole number"),
        ("evaluate", [], "CASE_DIR"),
        ("evaluate", ["/nonexistent-case"], "no case.json"),
        ("matching", ["--internal", "a.jsonl"], "required"),
        ("authserver", ["add-user", "--tenant", "t"], "--username"),
        ("authserver", ["frobnicate"], "invalid choice"),
        ("import_home", ["--tenant", "t", "--type", "nope", "f.csv"], "invalid choice"),
        ("refile_keys", ["--type", "products"], "--tenant"),
        ("refile_keys", ["--tenant", "t", "--type", "kegs"], "invalid choice"),
        ("local", ["frobnicate"], "invalid choice"),
        ("local", ["serve", "--param", "NoEquals"], "Name=Value"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(command, argv, needle, capsys) -> None:
    code, err = _run(_mains()[command], argv, capsys)
    assert code == 2
    assert err.count("\n") == 1 and needle in err, err


def test_help_is_not_an_error(capsys) -> None:
    try:
        _mains()["evaluate"](["--help"])
    except SystemExit as stop:
        assert stop.code == 0
    assert "CASE_DIR" in capsys.readouterr().out


def test_authserver_without_a_table_says_how_to_point_it(monkeypatch, capsys) -> None:
    monkeypatch.delenv("OAUTH_TABLE", raising=False)
    code, err = _run(
        _mains()["authserver"], ["add-user", "--tenant", "t", "--username", "al"], capsys
    )
    assert code == 2 and err.count("\n") == 1
    assert "OAUTH_TABLE is not set" in err and "python -m syncbridge_local add-user" in err


def test_local_operator_commands_need_a_running_runtime(monkeypatch, tmp_path, capsys) -> None:
    import syncbridge_local.__main__ as local

    monkeypatch.setattr(local, "STATE_FILE", tmp_path / "missing.json")
    code, err = _run(local.main, ["add-user", "--tenant", "t", "--username", "al"], capsys)
    assert code == 2 and err.count("\n") == 1 and "no running local runtime" in err
    code, err = _run(local.main, ["refile-keys", "--tenant", "t"], capsys)
    assert code == 2 and err.count("\n") == 1 and "no running local runtime" in err
