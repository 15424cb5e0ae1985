"""kamlib.fingerprint: what changed since a step ran, and which step finished last."""

from __future__ import annotations

from kamlib.fingerprint import changes, finished_after, next_seq

NOW = {"code": "c1", "settings": {"profitability": "s1"},
       "inputs": {"raw/sales.csv": "h1", "raw/clients.csv": "h2"},
       "upstream": {"01": "u1", "00": "u0"}}


def test_up_to_date_and_never_run() -> None:
    assert changes(NOW, NOW) == []
    assert changes(None, NOW) == ["no fingerprint of its last run"]


def test_each_change_named_once_in_order() -> None:
    then = {"code": "c0", "settings": {"profitability": "s0", "old": "x"},
            "inputs": {"raw/sales.csv": "h0", "raw/gone.csv": "h9"},
            "upstream": {"00": "u0", "01": "old"}}
    now = {**NOW, "upstream": {"00": None, "01": "u1"}}
    assert changes(then, now) == [
        "its notebook or the workbench's version changed",
        "engagement.yaml's 'old' changed",
        "engagement.yaml's 'profitability' changed",
        "raw/clients.csv added",
        "raw/gone.csv removed",
        "raw/sales.csv changed",
        "the results of 00 are missing",
        "the results of 01 changed",
    ]


def test_sequence_over_clock() -> None:
    assert next_seq({}) == 1
    assert next_seq({"00": {"seq": 3}, "01": {"seq": None}, "version": "1"}) == 4
    # the same second: the finishing numbers decide
    a = {"seq": 5, "finished": "2026-01-01T10:00:00"}
    b = {"seq": 4, "finished": "2026-01-01T10:00:00"}
    assert finished_after(a, b) and not finished_after(b, a)
    # an older log without numbers: the clock decides
    assert finished_after({"finished": "2026-01-02"}, {"seq": 9, "finished": "2026-01-01"})
