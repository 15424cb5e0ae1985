"""Benchmark: how fast each step notebook's widget answers a control, on demo_ru or larger.

Copies the sample engagement ``demo_ru`` (3,000 clients) to a temporary folder — or, with
``--clients N``, generates an engagement of N clients there with the project's own sample
generator (:func:`kamlib.training.samples.generate_engagement`, profile ``ru_1c``, seed 42,
as demo_ru is made; its sales lines scaled from demo_ru's 120,000 per 3,000 clients unless
``--lines`` says otherwise; nothing is kept) — runs steps 0–4 in-process
(as ``tests/conftest.py::demo_ru_steps`` does, no papermill), builds the widget of each step
from the step's artefacts — the intake explorer (00), the cleanup thresholds (01), the
cost-to-serve rates (02) and the portfolio weights (03, with the notebook's scorer) — and moves
each widget's main control ``--n`` times with
:func:`kamlib.notebook.widgets.time_update`: the time of
one update runs from the control's change to the new chart's PNG in the widget's ``Output``.
Prints the median and maximum wall time per widget, and the median CPU time of the process
(less sensitive to other programs on a shared machine).

    python bench/widgets.py [--n 10] [--clients 5000] [--profile 01 [--profiler pyinstrument]]

Target (issue 14): every update under 200 ms at 5,000 clients on the 2-core reference
machine.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

from kamlib import plots
from kamlib.notebook.widgets import sizing_widget, step_widget, time_update, weights_widget

TARGET_MS = 200.0
#: demo_ru's size (``make samples``: ``generate_engagement`` defaults of the ru_1c profile)
DEMO_CLIENTS, DEMO_LINES = 3_000, 120_000


def generate(root: Path, clients: int, lines: int | None) -> None:
    """An engagement of ``clients`` clients in ``root``, made as demo_ru is (ru_1c, seed 42)."""
    from kamlib.training import samples
    from kamlib.training.samples import formatting

    # the generator caps each file at a size fit for committed samples; this one is not kept
    formatting.MAX_FILE_BYTES = 1 << 40
    n_lines = lines if lines is not None else round(DEMO_LINES * clients / DEMO_CLIENTS)
    samples.generate_engagement(root, profile="ru_1c", n_clients=clients, n_lines=n_lines,
                                seed=42)


def prepare(root: Path, clients: int | None = None, lines: int | None = None) -> dict[str, Any]:
    """demo_ru (or a generated engagement of ``clients``) in ``root`` with steps 0–4 run
    in-process; step 3's and step 4's results for their widgets."""
    from kamlib.cleanup import run_cleanup
    from kamlib.engagement import Engagement, copy_engagement
    from kamlib.profitability import run_profitability
    from kamlib.resources import samples_dir
    from kamlib.runner import run_intake
    from kamlib.selection import run_selection

    if clients is None:
        copy_engagement(samples_dir() / "demo_ru", root)
    else:
        generate(root, clients, lines)
    eng = Engagement.open(root)
    run_intake(eng)
    run_cleanup(root, eng.step_dir("01_client_base_cleanup"))
    run_profitability(root, eng.step_dir("02_profitability"))
    selection = run_selection(root, eng.step_dir("03_key_client_profile"))
    from kamlib.sizing import run_sizing

    # a step's result is read-only (kamlib.steps.StepResult): step 3's parts plus step 4's
    res = dict(selection.parts)
    res["sizing"] = run_sizing(root, eng.step_dir("04_kam_team_sizing"))
    return res


def weights_box(root: Path, res: dict[str, Any]) -> Any:
    """The weights widget exactly as notebook 03 builds it."""
    from kamlib.engagement import Engagement
    from kamlib.selection.scoring import score_portfolio

    eng = Engagement.open(root)
    params = eng.config.selection
    table = res["table"]

    def score_fn(scores: Any, a: dict[str, float], st: dict[str, float]) -> Any:
        out = score_portfolio(scores, a, st, eligible=res["eligible"], max_n=res["max_n"],
                              threshold=params.threshold)
        return out.join(table[["entity_name", "net_revenue", "contribution"]])

    return weights_widget(res["scores"], params.attractiveness, params.strength,
                          score_fn=score_fn, lang=eng.config.report.language)


def measure(box: Any, n: int) -> dict[str, float]:
    """``time_update`` (wall) plus the median CPU time of the same moves."""
    control, values = box.timing_control()
    original = control.value
    cpu = []
    for i in range(n):
        t = time.process_time()
        control.value = values[i % len(values)]
        cpu.append(time.process_time() - t)
    control.value = original
    wall = time_update(box, n=n)
    return {**wall, "cpu_median": statistics.median(cpu)}


def profile(box: Any, n: int, profiler: str) -> None:
    """Print a profile of ``n`` updates of ``box``."""
    if profiler == "pyinstrument":
        from pyinstrument import Profiler

        pi = Profiler(interval=0.0005)
        pi.start()
        time_update(box, n=n)
        pi.stop()
        print(pi.output_text(unicode=True, color=False))
        return
    prof = cProfile.Profile()
    prof.enable()
    time_update(box, n=n)
    prof.disable()
    pstats.Stats(prof, stream=sys.stdout).sort_stats("cumulative").print_stats(30)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=10, help="updates per widget (default 10)")
    ap.add_argument("--clients", type=int, default=None,
                    help="generate an engagement of this many clients instead of demo_ru "
                         "(the issue's target is at 5000)")
    ap.add_argument("--lines", type=int, default=None,
                    help="sales lines of the generated engagement (default: demo_ru's "
                         "120,000 per 3,000 clients)")
    ap.add_argument("--profile", choices=["00", "01", "02", "03", "04"],
                    help="profile the updates of this step's widget")
    ap.add_argument("--profiler", choices=["cprofile", "pyinstrument"], default="cprofile",
                    help="the profiler of --profile (default cprofile)")
    args = ap.parse_args(argv)
    plots.set_theme()  # as the notebooks do
    with tempfile.TemporaryDirectory(prefix="kam-bench-widgets-") as tmp:
        root = Path(tmp) / ("demo_ru" if args.clients is None else "generated")
        t0 = time.perf_counter()
        res = prepare(root, args.clients, args.lines)
        what = "demo_ru (3,000 clients)" if args.clients is None else \
            f"generated ru_1c engagement of {args.clients:,} clients"
        print(f"{what}, steps 0–4 in-process: {time.perf_counter() - t0:.1f} s "
              f"({os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}); "
              f"{len(res['scores']):,} scored entities, {len(res['sizing']['key']):,} key")
        names = {"00": "intake explorer (file dropdown)",
                 "01": "cleanup thresholds (auto-merge slider)",
                 "02": "cost-to-serve rates (delivery slider)",
                 "03": "portfolio weights (first attractiveness slider)",
                 "04": "hours and capacity (meeting-hours slider)"}
        worst = worst_max = 0.0
        clients = args.clients or DEMO_CLIENTS
        for step, name in names.items():
            t = time.perf_counter()
            if step == "03":
                box = weights_box(root, res)
            elif step == "04":
                from kamlib.engagement import Engagement

                box = sizing_widget(res["sizing"]["key"], Engagement.open(root).config.sizing,
                                    lang="ru")
            else:
                box = step_widget(root, step)
            build = time.perf_counter() - t
            if args.profile == step:
                profile(box, args.n, args.profiler)
            r = measure(box, args.n)
            worst, worst_max = max(worst, r["median"]), max(worst_max, r["max"])
            mark = "meets" if r["median"] * 1000 < TARGET_MS else "MISSES"
            print(f"{step} {name:50} built in {build * 1000:5.0f} ms; update median "
                  f"{r['median'] * 1000:6.1f} ms, max {r['max'] * 1000:6.1f} ms "
                  f"(CPU median {r['cpu_median'] * 1000:5.1f} ms) over {args.n}; "
                  f"target < {TARGET_MS:.0f} ms: {mark}")
        print(f"slowest median {worst * 1000:.0f} ms, slowest single update "
              f"{worst_max * 1000:.0f} ms — target {TARGET_MS:.0f} ms per change at "
              f"{clients:,} clients: {'met' if worst * 1000 < TARGET_MS else 'NOT met'} "
              f"by the medians (load {os.getloadavg()[0]:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
