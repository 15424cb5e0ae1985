"""The `kam` command: clear messages and exit codes, never a traceback for user errors."""

from __future__ import annotations

import pytest

from kamlib.cli import main

SALES = "Дата;Документ;Код контрагента;Сумма без НДС\r\n01.02.2024;Д1;K1;10,00\r\n"
CLIENTS = "Код;Наименование\r\nK1;ООО Альфа\r\n"


def test_init_creates_engagement(tmp_path, capsys) -> None:
    root = tmp_path / "acme"
    assert main(["init", str(root), "--client", "Acme", "--lang", "en"]) == 0
    assert (root / "engagement.yaml").exists() and (root / "data_request.xlsx").exists()
    assert "kam check" in capsys.readouterr().out
    assert main(["init", str(root)]) == 2
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
def test_user_errors_are_messages(argv, message, capsys) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_invalid_config_names_the_key(make_engagement, capsys) -> None:
    root = make_engagement({"clients.csv": CLIENTS, "sales.csv": SALES},
                           {"cleanup": {"review_treshold": 80}})
    assert main(["check", str(root)]) == 2
    err = capsys.readouterr().err
    assert "cleanup.review_treshold: unknown key" in err


def test_run_unknown_step(make_engagement, capsys) -> None:
    root = make_engagement({"clients.csv": CLIENTS, "sales.csv": SALES})
    assert main(["run", str(root), "--steps", "07"]) == 2
    assert "unknown step '07'" in capsys.readouterr().err


def test_run_a_later_step_on_a_fresh_engagement_says_what_to_run(make_engagement,
                                                                  capsys) -> None:
    root = make_engagement({"clients.csv": CLIENTS, "sales.csv": SALES})
    assert main(["run", str(root), "--steps", "02"]) == 2
    err = capsys.readouterr().err
    assert "needs the results of 00_data_intake, 01_client_base_cleanup" in err
    assert "--from 00" in err and "Traceback" not in err
