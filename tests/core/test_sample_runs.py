"""kamlib.sample_runs: a notebook run with its defaults starts from the longest kept run of the
sample it can use and runs only the steps still missing; without the folder, from the sample.

The steps' notebooks are replaced by their functions (what each notebook calls), so the test
runs the real steps without a kernel per step."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kamlib import runner
from kamlib.sample_runs import CACHE_ENV, sample_with_steps_before
from kamlib.steps import step as find_step

SAMPLE = "training_vip"


@pytest.fixture
def steps_run(monkeypatch) -> list[str]:
    """Each step run, in order (its function called in-process instead of its notebook)."""
    from kamlib.cleanup import run_cleanup
    from kamlib.profitability import run_profitability
    from kamlib.selection import run_selection
    from kamlib.sizing import run_sizing

    functions = {"01": run_cleanup, "02": run_profitability, "03": run_selection,
                 "04": run_sizing}
    calls: list[str] = []

    def run_step(eng, step, **_):
        calls.append(step.number)
        functions[step.number](eng.root, step.dir(eng))
        return {"status": "ok", "seconds": 0.0, "finished": "2026-12-04T10:00:00+00:00",
                "note": f"test {step.number}"}

    monkeypatch.setattr(runner, "run_step", run_step)
    return calls


def _summary(eng, step: str) -> dict:
    return json.loads(find_step(step).summary_path(eng).read_text("utf-8"))


def test_kept_runs_are_reused_and_only_missing_steps_run(tmp_path: Path, monkeypatch,
                                                         steps_run: list[str]) -> None:
    cache = tmp_path / "kept"
    monkeypatch.setenv(CACHE_ENV, str(cache))

    first = sample_with_steps_before(SAMPLE, "03_key_client_profile")
    assert steps_run == ["01", "02"]
    assert sorted(p.name for p in cache.iterdir()) == [f"{SAMPLE}.0", f"{SAMPLE}.1",
                                                        f"{SAMPLE}.2"]
    manifest = json.loads((first.work / "manifest.json").read_text("utf-8"))
    assert list(manifest["steps"]) == ["00_data_intake", "01_client_base_cleanup",
                                       "02_profitability"]

    steps_run.clear()
    second = sample_with_steps_before(SAMPLE, "04_kam_team_sizing")
    assert steps_run == ["03"]                      # 00–02 copied from the kept run
    assert second.root != first.root
    manifest = json.loads((second.work / "manifest.json").read_text("utf-8"))
    assert list(manifest["steps"]) == ["00_data_intake", "01_client_base_cleanup",
                                       "02_profitability", "03_key_client_profile"]
    assert manifest["steps"]["02_profitability"]["note"] == "test 02"  # the kept entries
    assert manifest["status"] == "ok"
    for step in ("00", "01", "02"):
        assert _summary(second, step) == _summary(first, step)
    assert not (cache / f"{SAMPLE}.2" / "work" / find_step("03").folder).exists()  # a copy

    steps_run.clear()
    third = sample_with_steps_before(SAMPLE, "02_profitability")
    assert steps_run == []                          # the intake and 01, kept
    assert not find_step("02").summary_path(third).exists()
    assert not list(cache.glob(".*"))               # no half-kept copy left behind


def test_without_the_folder_every_run_starts_from_the_sample(monkeypatch,
                                                            steps_run: list[str]) -> None:
    monkeypatch.delenv(CACHE_ENV, raising=False)
    a = sample_with_steps_before(SAMPLE, "02_profitability")
    b = sample_with_steps_before(SAMPLE, "02_profitability")
    assert steps_run == ["01", "01"]
    assert a.root != b.root
    assert _summary(a, "01") == _summary(b, "01")
