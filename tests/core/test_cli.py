"""The `kam` command: clear messages and exit codes, never a traceback for user errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from kamlib.cli import main

SALES = "Дата;Документ;Код контрагента;Сумма без НДС\r\n01.02.2024;Д1;K1;10,00\r\n"
CLIENTS = "Код;Наименование\r\nK1;ООО Альфа\r\n"


def test_init_creates_engagement(tmp_path, capsys) -> None:
    root = tmp_path / "acme"
    assert main(["init", str(root), "--client", "Acme", "--lang", "en"]) == 0
    assert (root / "engagement.yaml").exists() and (root / "data_request.xlsx").exists()
    assert "kam check" in capsys.readouterr().out
    assert main(["init", str(root)]) == 3
    assert "already holds an engagement" in capsys.readouterr().err


def test_check_ok_prints_summary(make_engagement, capsys) -> None:
    root = make_engagement({"clients.csv": CLIENTS, "sales.csv": SALES})
    assert main(["check", str(root)]) == 0
    out = capsys.readouterr().out
    assert "sales.csv → sales (recognised from its headers)" in out
    assert "Сумма без НДС → net_revenue" in out
    assert "OK: inputs are usable" in out


def test_check_without_sales_fails(make_engagement, capsys) -> None:
    root = make_engagement({"clients.csv": CLIENTS})
    assert main(["check", str(root)]) == 1
    assert "no sales table found" in capsys.readouterr().out


@pytest.mark.parametrize("argv,message", [
    (["check", "/nonexistent/engagement"], "no such engagement folder"),
    (["run", "/nonexistent/engagement"], "no such engagement folder"),
    (["demo", "--sample", "nope"], "no sample engagement 'nope'"),
])
def test_bad_command_lines_exit_2(argv, message, capsys) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_invalid_config_names_the_key(make_engagement, capsys) -> None:
    root = make_engagement({"clients.csv": CLIENTS, "sales.csv": SALES},
                           {"cleanup": {"review_treshold": 80}})
    assert main(["check", str(root)]) == 3
    err = capsys.readouterr().err
    assert "cleanup.review_treshold: unknown key" in err


def test_run_unknown_step(make_engagement, capsys) -> None:
    root = make_engagement({"clients.csv": CLIENTS, "sales.csv": SALES})
    assert main(["run", str(root), "--steps", "07"]) == 2
    assert "unknown step '07'" in capsys.readouterr().err


def test_run_a_later_step_on_a_fresh_engagement_says_what_to_run(make_engagement,
                                                                  capsys) -> None:
    root = make_engagement({"clients.csv": CLIENTS, "sales.csv": SALES})
    assert main(["run", str(root), "--steps", "02"]) == 3
    err = capsys.readouterr().err
    assert "needs the results of 00_data_intake, 01_client_base_cleanup" in err
    assert "--from 00" in err and "Traceback" not in err


@pytest.mark.parametrize("argv,message", [
    (["run", "DIR", "--steps", "07"], "unknown step '07'"),
    (["present", "DIR", "09"], "unknown step '09'"),
    (["status", "DIR_WITHOUT_YAML"], "not an engagement (no engagement.yaml)"),
])
def test_names_that_do_not_exist_exit_2(argv, message, make_engagement, tmp_path,
                                        capsys) -> None:
    root = make_engagement({"clients.csv": CLIENTS, "sales.csv": SALES})
    (tmp_path / "plain").mkdir()
    argv = [str(root) if a == "DIR" else str(tmp_path / "plain") if a == "DIR_WITHOUT_YAML"
            else a for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_exit_codes_from_a_real_process(make_engagement, tmp_path) -> None:
    """The console script itself: argparse's usage error, bad data, help and version."""
    import subprocess
    import sys

    kam = [sys.executable, "-m", "kamlib.cli"]

    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*kam, *argv], capture_output=True, text=True, timeout=120)

    bad_option = run("run", "--no-such-option")
    assert bad_option.returncode == 2 and "usage: kam" in bad_option.stderr
    assert run("frobnicate").returncode == 2
    root = make_engagement({"clients.csv": CLIENTS, "sales.csv": SALES},
                           {"cleanup": {"review_treshold": 80}})
    bad_config = run("check", str(root))
    assert bad_config.returncode == 3 and "Traceback" not in bad_config.stderr
    helped = run("--help")
    assert helped.returncode == 0
    for code in ("0 ", "1 ", "2 ", "3 ", "4 ", "130"):
        assert f"\n  {code}" in helped.stdout, code
    assert "status" in helped.stdout and "open" in helped.stdout
    version = run("--version")
    from importlib import metadata

    assert version.returncode == 0
    assert version.stdout.startswith(f"kam (kamlib) {metadata.version('kamlib')}, Python "
                                     f"{sys.version.split()[0]}")


def test_a_bug_is_exit_4_without_traceback(make_engagement, monkeypatch, capsys) -> None:
    import kamlib.status

    def broken(_dir: object) -> None:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(kamlib.status, "engagement_status", broken)
    root = make_engagement({"clients.csv": CLIENTS, "sales.csv": SALES})
    assert main(["status", str(root)]) == 4
    err = capsys.readouterr().err
    assert "internal error ZeroDivisionError: a bug" in err and "Traceback" not in err


def _untimed(text: str) -> str:
    import re

    return re.sub(r"\(\d+(\.\d+)? s\)", "(t s)", text)


def test_the_console_script_ends_without_teardown_and_keeps_its_code(make_engagement,
                                                                       tmp_path) -> None:
    """``kam`` (``console_main``) skips the interpreter's teardown once every exit handler
    ran: its exit code, everything it printed through a pipe and the exit handlers' own work
    survive."""
    import subprocess
    import sys

    script = tmp_path / "kam_script.py"
    script.write_text(
        "import atexit, sys\n"
        "class Marker:\n"   # freed by the interpreter's teardown, if there is one
        "    def __del__(self, open=open, path=sys.argv[-1] + '.teardown'):\n"
        "        with open(path, 'w') as fh:\n"
        "            fh.write('ran')\n"
        "marker = Marker()\n"
        "if '--registered-before' in sys.argv:\n"
        "    sys.argv.remove('--registered-before')\n"
        "    atexit.register(print, end='')\n"
        "from kamlib import cli\n"
        "real = cli.main\n"
        "def main(argv=None):\n"
        "    atexit.register(lambda: open(sys.argv[-1] + '.handler', 'w').write('ran'))\n"
        "    return real(argv)\n"
        "cli.main = main\n"
        "cli.console_main()\n", encoding="utf-8")
    root = make_engagement({"clients.csv": CLIENTS, "sales.csv": SALES})

    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, str(script), *argv], capture_output=True,
                              text=True, timeout=120)

    ok = run("check", str(root))
    assert ok.returncode == 0, ok.stderr
    assert "Received" in ok.stdout or "sales" in ok.stdout.lower()
    assert (Path(str(root) + ".handler")).read_text() == "ran"
    assert not Path(str(root) + ".teardown").exists()
    # a handler registered before console_main's would run after it: the usual teardown
    again = run("--registered-before", "check", str(root))
    # the same output, but for the elapsed time ("OK: inputs are usable (0.9 s)")
    assert again.returncode == 0 and _untimed(again.stdout) == _untimed(ok.stdout)
    assert Path(str(root) + ".teardown").read_text() == "ran"
    bad = make_engagement({"clients.csv": CLIENTS, "sales.csv": SALES},
                          {"cleanup": {"review_treshold": 80}})
    failed = run("check", str(bad))
    assert failed.returncode == 3 and "review_treshold" in failed.stderr
    assert (Path(str(bad) + ".handler")).read_text() == "ran"


def test_the_fast_end_waits_for_a_live_thread_and_an_unfinished_main(monkeypatch) -> None:
    import threading

    from kamlib import cli

    ended: list[int] = []
    monkeypatch.setattr(cli.os, "_exit", ended.append)
    monkeypatch.setattr(cli, "_exit_code", [])
    cli._end_without_teardown()          # main did not return: the normal teardown
    assert ended == []
    cli._exit_code.append(3)
    release = threading.Event()
    worker = threading.Thread(target=release.wait, daemon=False)
    worker.start()
    try:
        cli._end_without_teardown()      # a thread still working: the normal teardown
        assert ended == []
    finally:
        release.set()
        worker.join()
    cli._end_without_teardown()
    assert ended == [3]
