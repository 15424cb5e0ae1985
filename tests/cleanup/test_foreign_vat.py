"""Foreign VAT numbers: checked by their country's rules (python-stdnum); an invalid one is
kept and flagged, and never used to merge records."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from stdnum import vatin

from kamlib.cleanup import identifier_checks
from kamlib.cleanup.matching import prepare_records
from kamlib.identifiers import foreign_vat_problem, is_valid_foreign_vat, tax_id_problem
from kamlib.resources import samples_dir
from kamlib.training.samples.helpers import _make_vat_ids

# published valid numbers (the European Commission's VIES examples and companies' invoices)
VALID = ["DE136695976", "FR40303265045", "NL004495445B01", "IT00743110157", "ESB58378431",
         "PL8567346215", "SE556188840401", "BE0776091951", "GB980780684", "ATU13585627"]


@pytest.mark.parametrize("vat", VALID)
def test_valid_numbers_pass(vat: str) -> None:
    assert is_valid_foreign_vat(vat) and foreign_vat_problem(vat) is None
    assert tax_id_problem(vat) is None


@pytest.mark.parametrize("vat,problem", [
    ("DE136695977", "check digit is wrong"),           # last digit changed
    ("FR41303265045", "check digit is wrong"),          # key changed
    ("FR595951746", "invalid length"),                  # EU-style shape, not a French number
    ("NL004495445B00", "invalid format"),
    ("XX123456789", "not known to the check"),          # no such country
])
def test_invalid_numbers_say_why(vat: str, problem: str) -> None:
    assert not is_valid_foreign_vat(vat)
    assert problem in (foreign_vat_problem(vat) or "")
    assert "not used to match clients" in (tax_id_problem(vat) or "")


def test_an_invalid_vat_number_is_kept_flagged_and_never_merges() -> None:
    clients = pd.DataFrame({
        "client_id": ["A1", "A2", "B1", "B2"],
        "name": ["Lumen Catering GmbH", "LUMEN CATERING GMBH", "Nimbus GmbH", "Nimbus Gmbh."],
        "tax_id": ["DE136695976", "DE136695976", "DE136695977", "DE136695977"]})
    rec = prepare_records(clients)
    assert rec["inn"].tolist() == ["DE136695976", "DE136695976", None, None]
    assert rec["inn_raw"].tolist() == clients["tax_id"].tolist()  # kept as written
    checks = identifier_checks(clients).set_index("client_id")
    assert checks.loc["A1", "vat_status"] == "valid"
    assert checks.loc["B1", "vat_status"].startswith("invalid: VAT number check digit")
    assert (checks["inn_status"] == "foreign / not an INN").all()


def test_the_generator_makes_valid_numbers_for_every_country() -> None:
    rng = np.random.default_rng(3)
    countries = np.array(["DE", "FR", "NL", "IT", "ES", "PL", "SE", "BE"] * 50)
    ids = _make_vat_ids(countries, rng.integers(10**8, 10**9, size=len(countries)))
    assert all(vatin.is_valid(v) for v in ids)
    assert [v[:2] for v in ids] == countries.tolist()
    again = _make_vat_ids(countries, np.random.default_rng(3).integers(10**8, 10**9,
                                                                       size=len(countries)))
    assert ids == again  # deterministic


def test_the_sample_engagements_foreign_ids_are_valid() -> None:
    ids = pd.read_csv(samples_dir() / "demo_en" / "raw" / "clients.csv", dtype=str)["Tax ID"]
    ids = ids.dropna()
    assert len(ids) > 100
    bad = [v for v in ids if not vatin.is_valid(v)]
    assert not bad, bad[:5]


@pytest.mark.parametrize("vat", [v for v in VALID if v[:2] in
                                 ("DE", "FR", "NL", "IT", "ES", "PL", "SE", "BE")])
def test_check_digits_recomputed_after_the_body_changed(vat: str) -> None:
    """What the anonymiser needs: change the body digits, get a valid number back."""
    from kamlib.identifiers import vat_with_check_digits

    assert vat_with_check_digits(vat) == vat  # a valid number is its own fix
    digits = [i for i, c in enumerate(vat) if c.isdigit()]
    for shift in range(1, 10):
        changed = list(vat)
        for i in digits[2:5]:  # body digits (past FR's key)
            changed[i] = str((int(changed[i]) + shift) % 10)
        fixed = vat_with_check_digits("".join(changed))
        if fixed is not None:  # NL / PL bodies whose check would be 10: none is possible
            assert is_valid_foreign_vat(fixed) and fixed[:2] == vat[:2]
            assert len(fixed) == len(vat)


def test_no_rule_for_other_countries() -> None:
    from kamlib.identifiers import vat_with_check_digits

    assert vat_with_check_digits("GB980780684") is None
    assert vat_with_check_digits("DE12") is None
