"""Benchmark: `kam run` of a generated engagement (issue 14), per step, then the report step
alone, then a re-run after one changed setting.

Generates a 1C-style engagement (`kamlib.training.samples.generate_engagement`, profile `ru_1c`)
with N sales lines, then, each as a `kam` process of its own:

1. `kam run` (every step, the report in its formats included): wall time, and each step's
   seconds as `work/manifest.json` records them;
2. `kam run --steps 05` (the report step alone);
3. one setting changed (`sizing.contact_hours_per_month`, read by step 4 only) and `kam run`
   again: which steps ran (only 04 and the report should) and the wall time.

Targets: the whole run ≤ 30 s, the report step ≤ 10 s, the re-run ≤ 15 s. The peer is the
run's own intake step beside `kam check` of the same files in the same run (the floor any
run has to pay).

    python bench/run.py [--lines 250000] [--clients 3000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

TARGET_RUN_S, TARGET_REPORT_S, TARGET_RERUN_S = 30.0, 10.0, 15.0
KAM = str(Path(sys.executable).with_name("kam"))


def _kam(*args: str) -> tuple[float, str]:
    t0 = time.perf_counter()
    proc = subprocess.run([KAM, *args], capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode:
        raise SystemExit(f"kam {' '.join(args)} failed ({proc.returncode}):\n"
                         f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return wall, proc.stdout


def _steps(root: Path) -> dict[str, float | None]:
    """Each step's seconds of its last run, from the manifest."""
    man = json.loads((root / "work" / "manifest.json").read_text(encoding="utf-8"))
    steps = man.get("steps", {})
    return {k: (v or {}).get("seconds") for k, v in sorted(steps.items())}


def _ran(root: Path) -> tuple[list[str], list[str]]:
    man = json.loads((root / "work" / "manifest.json").read_text(encoding="utf-8"))
    last = man.get("last_run", {})
    return sorted(last.get("ran", {})), sorted(last.get("up_to_date", []))


def _mark(ok: bool) -> str:
    return "meets" if ok else "MISSES"


def main() -> int:
    """Generate, run, print each figure beside its target."""
    global KAM
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=250_000)
    ap.add_argument("--clients", type=int, default=3_000)
    ap.add_argument("--keep", type=Path, help="generate the engagement here and keep it")
    ap.add_argument("--kam", default=KAM)
    args = ap.parse_args()
    KAM = args.kam
    from kamlib.training import samples
    from kamlib.training.samples import formatting

    # the generator caps each file at a size fit for committed samples; these are not kept
    formatting.MAX_FILE_BYTES = 1 << 40

    root = args.keep or Path(tempfile.mkdtemp(prefix="kam-run-")) / "eng"
    if root.exists():
        shutil.rmtree(root)
    t0 = time.perf_counter()
    samples.generate_engagement(root, profile="ru_1c", n_clients=args.clients, n_lines=args.lines)
    mb = sum(p.stat().st_size for p in (root / "raw").rglob("*") if p.is_file()) / 2**20
    print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; engagement of "
          f"{args.lines:,} lines, {args.clients:,} clients, {mb:,.0f} MB raw, generated in "
          f"{time.perf_counter() - t0:.1f} s", flush=True)
    try:
        check_s, _ = _kam("check", str(root), "--max-rows", "1")
        run_s, _ = _kam("run", str(root), "-q")
        steps = _steps(root)
        print(f"  kam run          {run_s:7.1f} s   target ≤ {TARGET_RUN_S:.0f} s: "
              f"{_mark(run_s <= TARGET_RUN_S)}   (load {os.getloadavg()[0]:.1f})")
        for k, s in steps.items():
            print(f"    step {k:<10} {s if s is None else f'{s:6.1f}'} s")
        intake = next((s for k, s in steps.items() if k.startswith("00")), None)
        print(f"  peer: kam check  {check_s:7.1f} s  (the run's intake step: {intake} s)")
        rep_s, _ = _kam("run", str(root), "-q", "--steps", "05")
        rep_step = next((s for k, s in _steps(root).items() if k.startswith("05")), None)
        print(f"  report alone     {rep_s:7.1f} s  (step 05 {rep_step} s)   target ≤ "
              f"{TARGET_REPORT_S:.0f} s: {_mark(rep_s <= TARGET_REPORT_S)}")
        cfg_path = root / "engagement.yaml"
        cfg = yaml.safe_load(cfg_path.read_text(encoding="utf-8"))
        sizing = cfg.setdefault("sizing", {}) or {}
        lo, mid, hi = sizing.get("contact_hours_per_month", [2.0, 4.0, 8.0])
        sizing["contact_hours_per_month"] = [lo, (mid + hi) / 2, hi]
        cfg["sizing"] = sizing
        cfg_path.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False),
                            encoding="utf-8")
        again_s, _ = _kam("run", str(root), "-q")
        ran, fresh = _ran(root)
        print(f"  re-run after sizing.contact_hours_per_month changed {again_s:7.1f} s   "
              f"target ≤ {TARGET_RERUN_S:.0f} s: {_mark(again_s <= TARGET_RERUN_S)}; ran "
              f"{', '.join(ran) or 'nothing'}; up to date {', '.join(fresh) or 'none'}")
    finally:
        if not args.keep:
            shutil.rmtree(root.parent, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
