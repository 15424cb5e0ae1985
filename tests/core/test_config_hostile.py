"""Hostile engagement.yaml: every mistake is a ConfigError naming the key, the value and what
to do; nothing is silently taken, and nothing ends in an internal error."""

from __future__ import annotations

from pathlib import Path

import pytest

from kamlib.cli import main
from kamlib.config import load_config
from kamlib.engagement import init_engagement
from kamlib.errors import ConfigError

BASE = 'client: "ООО Тест"\n'


def _error(tmp_path: Path, text: str) -> ConfigError:
    p = tmp_path / "engagement.yaml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(p)
    assert info.value.hint, "an error must say what to do"
    return info.value


CASES = {
    "duplicate key": (BASE + "currency: RUB\ncurrency: EUR\n",
                      ["'currency' is given twice", "lines 2 and 3"]),
    "duplicate section": (BASE + "cleanup:\n  dormant_k: 3\nreport:\n  language: en\n"
                          "cleanup:\n  lost_months: 6\n", ["'cleanup'", "lines 2 and 6"]),
    "duplicate nested key": (BASE + "profitability:\n  cost_rates:\n    order: 10\n"
                             "    order: 20\n", ["'order'", "lines 4 and 5"]),
    "nan weight": (BASE + "selection:\n  attractiveness: {contribution: .nan, revenue: 20, "
                   "growth: 20, strategic_fit: 15, potential: 15}\n",
                   ["selection.attractiveness.contribution", "finite number"]),
    "infinite rate": (BASE + "profitability:\n  cost_rates: {order: .inf}\n",
                      ["cost_rates.order", "finite number"]),
    "negative cost rate": (BASE + "profitability:\n  cost_rates: {order: -5}\n",
                           ["cost_rates.order", "greater than or equal to 0", "-5"]),
    "negative pool": (BASE + "profitability:\n  cost_pools: {delivery: -1000000}\n",
                      ["cost_pools.delivery", "greater than or equal to 0"]),
    "typo driver": (BASE + "profitability:\n  cost_rates: {ordr: 10}\n",
                    ["unknown cost driver in cost_rates 'ordr'", "order", "service_hour"]),
    "typo pool driver": (BASE + "profitability:\n  cost_pools: {deliveries: 10}\n",
                         ["cost_pools 'deliveries'"]),
    "typo avoidable": (BASE + "profitability:\n  avoidable: [delivry]\n",
                       ["avoidable 'delivry'"]),
    "typo quadrant": (BASE + "sizing:\n  meetings_per_year: {Strategic: 24, Stars: 12}\n",
                      ["quadrant in meetings_per_year 'Stars'", "Streamline"]),
    "typo contacts": (BASE + "sizing:\n  default_contacts: {strategic: 6}\n",
                      ["default_contacts 'strategic'"]),
    "typo judgement": (BASE + "sizing:\n  response_judgement: {at_zero: 0.85, at_current: 1,"
                       " at_plus_50: 1.08, at_saturation: 1.15}\n",
                       ["response_judgement 'at_plus_50'", "at_plus50"]),
    "judgement not increasing": (BASE + "sizing:\n  response_judgement: {at_zero: 1.2, "
                                 "at_current: 1, at_plus50: 1.08, at_saturation: 1.15}\n",
                                 ["must increase", "1.2"]),
    "typo kpi": (BASE + "sizing:\n  kpi_targets: {contributon: 5}\n",
                 ["kpi_targets 'contributon'", "contribution"]),
    "retention above 1": (BASE + "selection:\n  retention: [0.8, 1.5]\n",
                          ["selection.retention", "strictly between 0 and 1", "1.5"]),
    "retention zero": (BASE + "selection:\n  retention: [0]\n", ["selection.retention"]),
    "invalid date": (BASE + "period:\n  start: 2024-02-30\n",
                     ["period.start", "'2024-02-30'"]),
    "abc unordered": (BASE + "profitability:\n  abc_cutoffs: [0.95, 0.8]\n",
                      ["abc_cutoffs", "increasing"]),
    "empty file": ("", ["engagement.yaml is empty", "kam init"]),
    "comments only": ("# nothing here\n", ["is empty"]),
    "a list": ("- a\n- b\n", ["must be a mapping"]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_config(tmp_path: Path, name: str) -> None:
    text, expected = CASES[name]
    err = _error(tmp_path, text)
    message = str(err)
    for part in expected:
        assert part in message, message


def test_valid_settings_still_load(tmp_path: Path) -> None:
    p = tmp_path / "engagement.yaml"
    p.write_text(BASE + "period:\n  start: 2024-02-29\nprofitability:\n  cost_rates: "
                 "{call: 5, order: 0}\n  cost_pools: {delivery: 1000}\nsizing:\n"
                 "  kpi_targets: {growth: 5, days_late: 10}\n", encoding="utf-8")
    cfg = load_config(p)
    assert str(cfg.period.start) == "2024-02-29"
    assert cfg.profitability.cost_rates["call"] == 5


def test_cli_reports_config_error_with_exit_2(tmp_path: Path, capsys) -> None:
    root = tmp_path / "e"
    init_engagement(root)
    (root / "engagement.yaml").write_text(BASE + "period:\n  start: 2024-02-30\n",
                                          encoding="utf-8")
    for cmd in ("check", "run", "report"):
        assert main([cmd, str(root)]) == 3
        err = capsys.readouterr().err
        assert "ConfigError" in err and "period.start" in err and "internal error" not in err
