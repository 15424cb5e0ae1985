"""Account assignment (METHODS.md §4): a hand-computed case, infeasible inputs, greedy, chart."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes

from kamlib.errors import ConfigError
from kamlib.plots import workload_chart
from kamlib.sizing.assignment import assign_accounts, kams_needed, team_from_fte

HOURS = [100.0, 90.0, 80.0, 70.0, 60.0, 50.0]
IDS = ["a100", "a90", "a80", "a70", "a60", "a50"]
# τ = 5%: mean 150, band 142.5–157.5; 100 fits only with 50, then 90 only with 60
PAIRS = [{"a100", "a50"}, {"a90", "a60"}, {"a80", "a70"}]


def accounts(**cols: list) -> pd.DataFrame:
    return pd.DataFrame({"hours": HOURS, **cols}, index=pd.Index(IDS, name="entity_id"))


def team(capacity: float = 200.0, **cols: list) -> pd.DataFrame:
    return pd.DataFrame({"capacity": capacity, **cols}, index=pd.Index(["A", "B", "C"]))


def groups(assignment: pd.DataFrame) -> list[set[str]]:
    return sorted((set(g.index) for _, g in assignment.groupby("kam")), key=min)


def test_hand_computed_pairs_keep_every_owner() -> None:
    owners = ["A", "B", "C", "C", "B", "A"]
    acc = accounts(current_owner=owners, entity_name=[f"Client {i}" for i in IDS])
    out, info = assign_accounts(acc, team(), tolerance=0.05)
    assert info["method"] == "milp" and info["status"] == "optimal"
    assert groups(out) == sorted(PAIRS, key=min)
    assert list(out["kam"]) == owners
    assert not out["changed_owner"].any()
    assert info["owner_changes"] == 0 and info["objective"] == 0
    assert info["tolerance_met"] and info["max_deviation"] == pytest.approx(0.0)
    assert list(out.columns) == ["entity_name", "kam", "hours", "changed_owner", "same_region"]
    wl = info["workloads"]
    assert wl["hours"].tolist() == [150.0] * 3
    assert wl["utilisation"].tolist() == pytest.approx([0.75] * 3)
    assert info["mean"] == 150.0 and info["band"] == pytest.approx((142.5, 157.5))


def test_owner_changes_minimised() -> None:
    # 100 and 90 both with A, 60 and 50 both with C: each pair must lose one of them → 2
    acc = accounts(current_owner=["A", "A", "B", "B", "C", "C"])
    out, info = assign_accounts(acc, team(), tolerance=0.05)
    assert groups(out) == sorted(PAIRS, key=min)
    assert info["owner_changes"] == 2 == int(out["changed_owner"].sum())
    assert out.loc["a80", "kam"] == out.loc["a70", "kam"] == "B"
    assert info["objective"] == pytest.approx(2.0)


def test_unknown_or_departed_owner_and_no_owner() -> None:
    acc = accounts(current_owner=["Z", None, np.nan, "A", None, None])
    out, info = assign_accounts(acc, team(), tolerance=0.05)
    assert bool(out.loc["a100", "changed_owner"])  # Z left the team: always a change
    assert not out.loc[["a90", "a80", "a60", "a50"], "changed_owner"].any()
    assert out.loc["a70", "kam"] == "A"
    assert info["owner_changes"] == 1


def test_region_preference_when_free() -> None:
    regions = ["North", "South", "East", "East", "South", "North"]
    acc = accounts(region=regions)
    out, info = assign_accounts(acc, team(region=["South", "East", "North"]), tolerance=0.05)
    assert out["kam"].tolist() == ["C", "A", "B", "B", "A", "C"]
    assert out["same_region"].all() and info["out_of_region"] == 0
    # owner beats region (1.0 > 0.3): the 100-h account stays with A in the South
    acc = accounts(region=regions, current_owner=["A", None, None, None, None, "A"])
    out, info = assign_accounts(acc, team(region=["South", "East", "North"]), tolerance=0.05)
    assert out.loc["a100", "kam"] == "A" and info["owner_changes"] == 0
    # {100, 50} North → A South (2 out), {80, 70} East → B, {90, 60} South → C North (2 out)
    assert info["out_of_region"] == 4 and info["objective"] == pytest.approx(1.2)
    assert not out.loc["a100", "same_region"]


def test_same_region_unknown_is_na() -> None:
    out, _ = assign_accounts(accounts(), team(), tolerance=0.05)
    assert out["same_region"].isna().all()


def test_capacity_is_never_exceeded() -> None:
    # mean 150, τ = 0.5 allows 225, but A can take only 140
    kams = pd.DataFrame({"capacity": [140.0, 400.0, 400.0]}, index=["A", "B", "C"])
    _, info = assign_accounts(accounts(), kams, tolerance=0.5)
    assert info["workloads"].loc["A", "hours"] <= 140.0
    assert (info["workloads"]["utilisation"] <= 1.0).all()


@pytest.mark.parametrize("case, words", [
    ("zero capacity", ["'B'", "zero or negative capacity"]),
    ("over capacity", ["need 450 h", "has 300 h", "add 2 KAM", "reduce hours"]),
    ("heavy account", ["'a100'", "split it or raise the tolerance"]),
    ("tolerance", ["tolerance cannot be met", "raise the tolerance to 30%"]),
    ("no accounts", ["no accounts"]),
    ("no kams", ["no KAMs"]),
    ("small kam", ["'A'", "below the lower bound"]),
])
def test_infeasible_inputs(case: str, words: list[str]) -> None:
    acc, kams, tol = accounts(), team(), 0.05
    if case == "zero capacity":
        kams = team(capacity=[200.0, 0.0, 200.0])
    elif case == "over capacity":
        kams = team(capacity=100.0)
    elif case == "heavy account":
        tol = 0.5
        acc = pd.DataFrame({"hours": [400.0, 50.0, 50.0]}, index=["a100", "b", "c"])
    elif case == "tolerance":
        acc = pd.DataFrame({"hours": [100.0, 100.0, 100.0, 10.0]}, index=list("wxyz"))
        kams = pd.DataFrame({"capacity": [400.0, 400.0]}, index=["A", "B"])
    elif case == "no accounts":
        acc = acc.iloc[:0]
    elif case == "no kams":
        kams = kams.iloc[:0]
    elif case == "small kam":
        kams = team(capacity=[100.0, 300.0, 300.0])
    with pytest.raises(ConfigError) as err:
        assign_accounts(acc, kams, tolerance=tol)
    text = str(err.value)
    assert err.value.hint
    for w in words:
        assert w in text, (w, text)


def test_greedy_forced_hand_case() -> None:
    acc = accounts(current_owner=["A", "A", "B", "B", "C", "C"])
    out, info = assign_accounts(acc, team(), tolerance=0.05, force_greedy=True)
    assert info["method"] == "greedy" and "forced" in info["status"]
    assert groups(out) == sorted(PAIRS, key=min)
    assert info["tolerance_met"]
    assert info["owner_changes"] == 2  # whole-portfolio exchanges find the optimum here


def test_greedy_meets_tolerance_on_a_bigger_case() -> None:
    rng = np.random.default_rng(7)
    n, k = 80, 8
    acc = pd.DataFrame({
        "hours": np.round(rng.lognormal(np.log(100), 0.5, n), 1),
        "current_owner": rng.choice([f"KAM {i}" for i in range(1, k + 1)] + [None], n),
        "region": rng.choice(["N", "S"], n),
    }, index=[f"E{i}" for i in range(n)])
    kams = team_from_fte(k, acc["hours"].sum() / k * 1.15, regions=["N", "S"])
    g_out, g = assign_accounts(acc, kams, tolerance=0.1, force_greedy=True)
    _, m = assign_accounts(acc, kams, tolerance=0.1)
    assert g["tolerance_met"] and g["max_deviation"] <= 0.1 + 1e-9
    assert len(g_out) == n and g_out["kam"].isin(kams.index).all()
    assert m["objective"] <= g["objective"] + 1e-9


def test_kams_needed_and_team_from_fte() -> None:
    assert kams_needed(2700, 1350) == 2
    assert kams_needed(2701, 1350) == 3
    assert kams_needed(0, 1350) == 1
    with pytest.raises(ConfigError):
        kams_needed(100, 0)
    t = team_from_fte(4, 1350, regions=["N", "S", "E"], existing=["Ivanova", "KAM 1"])
    assert list(t.index) == ["Ivanova", "KAM 1", "KAM 2", "KAM 3"]
    assert t["region"].tolist() == ["N", "S", "E", "N"]
    assert (t["capacity"] == 1350).all()
    assert "region" not in team_from_fte(2, 1000).columns
    with pytest.raises(ConfigError, match="do not fit"):
        team_from_fte(1, 1000, existing=["X", "Y"])


def test_workload_chart() -> None:
    kams = team(capacity=[200.0, 180.0, 160.0])
    out, info = assign_accounts(accounts(), kams, tolerance=0.05)
    for data, lang in ((info, "en"), (info["workloads"], "ru"), (out, "en")):
        ax = workload_chart(data, lang=lang)
        assert isinstance(ax, Axes)
        bars = [p for p in ax.patches if p.get_gid() == "workload"]
        assert len(bars) == 3
        assert [b.get_width() for b in bars] == [150.0] * 3
        plt.close(ax.figure)
    fig, ax = plt.subplots()
    assert workload_chart(info, ax=ax) is ax
    labels = [t.get_text() for t in ax.texts]
    assert labels == ["75%", "83%", "94%"]
    plt.close(fig)


def test_greedy_fallback_when_solver_times_out(monkeypatch: pytest.MonkeyPatch) -> None:
    from types import SimpleNamespace

    import kamlib.sizing.assignment as mod

    def no_solution(*_a: object, **_k: object) -> SimpleNamespace:
        return SimpleNamespace(x=None, status=1, message="Time limit reached. ")

    monkeypatch.setattr(mod, "_solve", no_solution)
    out, info = assign_accounts(accounts(), team(), tolerance=0.05, time_limit=0.01)
    assert info["method"] == "greedy"
    assert "no solution within 0.01 s" in info["status"] and "greedy" in info["status"]
    assert info["tolerance_met"] and groups(out) == sorted(PAIRS, key=min)
