"""Unit tests of kamlib.config and templates/engagement.yaml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from kamlib.config import EngagementConfig, InputSpec, load_config
from kamlib.engagement import init_engagement
from kamlib.errors import ConfigError
from tests.helpers import REPO, deep_merge

SECTIONS = ["client", "currency", "period", "report", "intake", "inputs", "cleanup",
            "profitability", "selection", "sizing"]


@pytest.fixture
def template_data(tmp_path: Path) -> dict[str, Any]:
    root = tmp_path / "e"
    init_engagement(root, client='ООО "Тест"')
    return yaml.safe_load((root / "engagement.yaml").read_text(encoding="utf-8"))


def write_cfg(tmp_path: Path, data: dict[str, Any] | str) -> Path:
    p = tmp_path / "cfg" / "engagement.yaml"
    p.parent.mkdir(parents=True, exist_ok=True)
    text = data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True)
    p.write_text(text, encoding="utf-8")
    return p


def load_with(tmp_path: Path, base: dict[str, Any], extra: dict[str, Any]) -> EngagementConfig:
    return load_config(write_cfg(tmp_path, deep_merge(base, extra)))


def error_of(tmp_path: Path, base: dict[str, Any], extra: dict[str, Any]) -> ConfigError:
    with pytest.raises(ConfigError) as ei:
        load_with(tmp_path, base, extra)
    return ei.value


# --------------------------------------------------------------------------- the template


def test_template_validates_with_every_section(tmp_path: Path) -> None:
    root = tmp_path / "e"
    init_engagement(root, client='ООО "Тест"')
    cfg = load_config(root / "engagement.yaml")
    assert cfg.client == 'ООО "Тест"'
    assert cfg.currency == "RUB"
    assert cfg.report.language == "ru"
    data = yaml.safe_load((root / "engagement.yaml").read_text(encoding="utf-8"))
    missing = [s for s in SECTIONS if s not in data]
    assert not missing, f"template lacks sections {missing}"
    assert set(data) == set(EngagementConfig.model_fields), (
        "template and model disagree: "
        f"{set(data) ^ set(EngagementConfig.model_fields)}")


def test_template_values_equal_model_defaults(template_data: dict[str, Any]) -> None:
    """The commented template documents the defaults: they must be the model's."""
    from_template = EngagementConfig.model_validate(template_data)
    defaults = EngagementConfig(client='ООО "Тест"')
    assert from_template.model_dump() == defaults.model_dump()


def test_template_documents_every_key(template_data: dict[str, Any]) -> None:
    for section in ("period", "report", "intake", "cleanup", "profitability", "selection",
                    "sizing"):
        model = EngagementConfig.model_fields[section].annotation
        keys = set(model.model_fields)  # type: ignore[union-attr]
        assert set(template_data[section]) == keys, (
            f"{section}: template keys differ from the model: "
            f"{set(template_data[section]) ^ keys}")


def test_template_raw_placeholders(tmp_path: Path) -> None:
    text = (REPO / "templates" / "engagement.yaml").read_text(encoding="utf-8")
    for ph in ("{client}", "{currency}", "{language}"):
        assert ph in text, f"placeholder {ph} missing from the template"


@pytest.mark.parametrize(("currency", "language"), [("eur", "en"), ("USD", "ru")])
def test_template_other_currency_language(tmp_path: Path, currency: str, language: str) -> None:
    init_engagement(tmp_path / "e", client="Acme: \"x\" #1", currency=currency,
                    language=language)
    cfg = load_config(tmp_path / "e" / "engagement.yaml")
    assert cfg.client == 'Acme: "x" #1'
    assert cfg.currency == currency.upper()
    assert cfg.report.language == language


def test_empty_file_needs_client(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="client"):
        load_config(write_cfg(tmp_path, ""))


def test_minimal_config_defaults(tmp_path: Path) -> None:
    cfg = load_config(write_cfg(tmp_path, {"client": "X"}))
    assert cfg.cleanup.review_threshold == 85 and cfg.cleanup.auto_merge_threshold == 95
    assert sum(cfg.selection.attractiveness.values()) == 100
    assert cfg.inputs == []


def test_report_in_other_languages_as_well(tmp_path: Path) -> None:
    cfg = load_config(write_cfg(tmp_path, {"client": "X", "report": {
        "language": "ru", "also_languages": ["en", "ru", "en"]}}))
    assert cfg.report.also_languages == ["en"]      # the report language and repeats left out
    assert load_config(write_cfg(tmp_path, {"client": "X"})).report.also_languages == []
    with pytest.raises(ConfigError, match="also_languages"):
        load_config(write_cfg(tmp_path, {"client": "X", "report": {"also_languages": ["de"]}}))


# --------------------------------------------------------------------------- errors


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as ei:
        load_config(tmp_path / "nowhere" / "engagement.yaml")
    assert "not found" in ei.value.message
    assert "kam init" in (ei.value.hint or "")


def test_unknown_top_level_key(tmp_path: Path, template_data: dict[str, Any]) -> None:
    err = error_of(tmp_path, template_data, {"clinet": "typo"})
    assert "clinet" in str(err), str(err)
    assert "unknown key" in str(err), str(err)


def test_unknown_nested_key(tmp_path: Path, template_data: dict[str, Any]) -> None:
    err = error_of(tmp_path, template_data, {"cleanup": {"review_treshold": 80}})
    assert "cleanup.review_treshold" in str(err), str(err)
    assert "unknown key" in str(err)


def test_yaml_syntax_error_has_line(tmp_path: Path) -> None:
    text = "client: X\nreport:\n  language: ru\n  formats: [html, pdf\ncleanup:\n  x: 1\n"
    with pytest.raises(ConfigError) as ei:
        load_config(write_cfg(tmp_path, text))
    err = ei.value
    assert "YAML syntax error" in err.message
    assert err.row is not None and 4 <= err.row <= 6, f"row {err.row}"


def test_yaml_bad_indentation_line(tmp_path: Path) -> None:
    text = "client: X\ncleanup:\n  review_threshold: 80\n auto_merge_threshold: 90\n"
    with pytest.raises(ConfigError) as ei:
        load_config(write_cfg(tmp_path, text))
    assert ei.value.row == 4, f"row {ei.value.row}: {ei.value}"


def test_not_a_mapping(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="mapping"):
        load_config(write_cfg(tmp_path, "- a\n- b\n"))


def test_not_utf8(tmp_path: Path) -> None:
    p = write_cfg(tmp_path, "x")
    p.write_bytes("client: ООО Тест\n".encode("cp1251"))
    with pytest.raises(ConfigError, match="UTF-8"):
        load_config(p)


@pytest.mark.parametrize("axis", ["attractiveness", "strength"])
def test_weights_must_sum_to_100(tmp_path: Path, template_data: dict[str, Any],
                                 axis: str) -> None:
    weights = dict(template_data["selection"][axis])
    first = next(iter(weights))
    weights[first] += 5
    data = dict(template_data)
    data["selection"] = {**template_data["selection"], axis: weights}
    with pytest.raises(ConfigError) as ei:
        load_config(write_cfg(tmp_path, data))
    assert f"{axis} weights sum to 105" in str(ei.value), str(ei.value)


def test_weights_other_sets_summing_to_100(tmp_path: Path,
                                           template_data: dict[str, Any]) -> None:
    data = dict(template_data)
    data["selection"] = {**template_data["selection"],
                         "attractiveness": {"contribution": 50.5, "revenue": 49.5}}
    cfg = load_config(write_cfg(tmp_path, data))
    assert cfg.selection.attractiveness == {"contribution": 50.5, "revenue": 49.5}


def test_review_above_auto_merge_is_error(tmp_path: Path,
                                          template_data: dict[str, Any]) -> None:
    err = error_of(tmp_path, template_data,
                   {"cleanup": {"review_threshold": 96, "auto_merge_threshold": 95}})
    assert "review_threshold" in str(err) and "auto_merge_threshold" in str(err), str(err)
    cfg = load_with(tmp_path, template_data,
                    {"cleanup": {"review_threshold": 95, "auto_merge_threshold": 95}})
    assert cfg.cleanup.review_threshold == 95


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        ({"currency": "RUBLES"}, "currency"),
        ({"report": {"language": "de"}}, "report.language"),
        ({"intake": {"vat_rate": 100}}, "intake.vat_rate"),
        ({"intake": {"date_order": "ymd"}}, "intake.date_order"),
        ({"cleanup": {"review_threshold": 101}}, "cleanup.review_threshold"),
        ({"period": {"start": "2025-01-01", "end": "2024-01-01"}}, "after"),
        ({"period": {"start": "not a date"}}, "period.start"),
        ({"sizing": {"working_hours": 0}}, "sizing.working_hours"),
    ],
)
def test_invalid_values(tmp_path: Path, template_data: dict[str, Any], extra: dict[str, Any],
                        needle: str) -> None:
    err = error_of(tmp_path, template_data, extra)
    assert needle in str(err), str(err)
    assert err.file and err.file.endswith("engagement.yaml")


# --------------------------------------------------------------------------- inputs


def test_inputs_unknown_canonical_column(tmp_path: Path, template_data: dict[str, Any]) -> None:
    data = dict(template_data)
    data["inputs"] = [{"file": "s.csv", "table": "sales",
                       "columns": {"net_revenue": "Сумма", "revenu": "Выручка"}}]
    with pytest.raises(ConfigError) as ei:
        load_config(write_cfg(tmp_path, data))
    msg = str(ei.value)
    assert "revenu" in msg and "sales" in msg, msg
    assert "inputs.0" in msg, msg


def test_inputs_columns_need_table(tmp_path: Path, template_data: dict[str, Any]) -> None:
    data = dict(template_data)
    data["inputs"] = [{"file": "s.csv", "columns": {"net_revenue": "Сумма"}}]
    with pytest.raises(ConfigError, match="needs 'table'"):
        load_config(write_cfg(tmp_path, data))


def test_inputs_unknown_table_and_key(tmp_path: Path, template_data: dict[str, Any]) -> None:
    data = dict(template_data)
    data["inputs"] = [{"file": "s.csv", "table": "invoices"}]
    with pytest.raises(ConfigError, match=r"inputs\.0\.table"):
        load_config(write_cfg(tmp_path, data))
    data["inputs"] = [{"file": "s.csv", "sheeet": "A"}]
    with pytest.raises(ConfigError, match="unknown key"):
        load_config(write_cfg(tmp_path, data))
    data["inputs"] = [{"table": "sales"}]
    with pytest.raises(ConfigError, match=r"inputs\.0\.file"):
        load_config(write_cfg(tmp_path, data))


def test_inputs_valid_spec(tmp_path: Path, template_data: dict[str, Any]) -> None:
    data = dict(template_data)
    data["inputs"] = [{"file": "Продажи.csv", "table": "sales", "encoding": "cp1251",
                       "header_row": 3, "decimal": ",",
                       "columns": {"net_revenue": "Сумма без НДС", "client_name": "Покупатель"}},
                      {"file": "old.xlsx", "skip": True}]
    cfg = load_config(write_cfg(tmp_path, data))
    a, b = cfg.inputs
    assert a.table == "sales" and a.header_row == 3 and a.decimal == ","
    assert a.columns["client_name"] == "Покупатель"
    assert b.skip is True and b.table is None


@pytest.mark.parametrize(
    ("given", "expected"),
    [("tab", "\t"), ("\\t", "\t"), ("\t", "\t"), ("semicolon", ";"), ("comma", ","),
     (";", ";"), ("|", "|"), (None, None)],
)
def test_delimiter_aliases(tmp_path: Path, template_data: dict[str, Any], given: str | None,
                           expected: str | None) -> None:
    data = dict(template_data)
    data["inputs"] = [{"file": "a.txt", "delimiter": given}]
    cfg = load_config(write_cfg(tmp_path, data))
    assert cfg.inputs[0].delimiter == expected


def test_delimiter_tab_written_by_hand(tmp_path: Path) -> None:
    text = 'client: X\ninputs:\n  - file: a.txt\n    delimiter: tab\n'
    assert load_config(write_cfg(tmp_path, text)).inputs[0].delimiter == "\t"


def test_delimiter_too_long(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="one character"):
        load_config(write_cfg(tmp_path, {"client": "X",
                                         "inputs": [{"file": "a", "delimiter": ";;"}]}))


def test_input_spec_header_row_positive() -> None:
    with pytest.raises(ValueError, match="greater than or equal to 1"):
        InputSpec(file="a.csv", header_row=0)
