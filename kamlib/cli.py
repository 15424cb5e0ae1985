"""The ``kam`` command: init, check, run, status, open, report, demo, present, anonymise, kit.

Errors of the workbench's family (:class:`~kamlib.errors.KamError`) are printed as a message
with its file, row, column and value and what to do, never as a traceback. The exit codes
(:data:`EXIT_CODES`, also in ``kam --help``) tell a script what went wrong:

0 done; 1 ``kam check``: the inputs are not usable yet; 2 bad command line (argparse's own
code for usage errors: an unknown command or option, a folder that does not exist, an
unknown step or sample); 3 the client's data, ``engagement.yaml`` or the engagement's state
stop the work (a :class:`~kamlib.errors.KamError`: fix the data or the settings, the message
says how); 4 internal error, a bug in the workbench; 130 interrupted (Ctrl-C), the shell's
convention.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import json
import os
import sys
import threading
from pathlib import Path
from typing import Literal, NoReturn, TextIO

from .errors import ConfigError, KamError
from .text import for_terminal

__all__ = ["EXIT_CODES", "UsageError", "build_parser", "console_main", "main"]

#: Exit codes of ``kam``: code → meaning (printed by ``kam --help``).
EXIT_CODES: dict[int, str] = {
    0: "done",
    1: "kam check: the inputs are not usable yet (the problems are listed)",
    2: "bad command line: unknown command or option, no such folder, unknown step or sample",
    3: "the client's data, engagement.yaml or the engagement's state stop the work "
       "(the message says what to fix)",
    4: "internal error: a bug in the workbench (KAM_DEBUG=1 shows the traceback)",
    130: "interrupted (Ctrl-C)",
}


class UsageError(KamError):
    """The command line names something that does not exist (a folder, a step, a sample):
    exit code 2, like argparse's own usage errors."""


def _engagement_arg(path: str) -> Path:
    """An existing engagement folder named on the command line, else a :class:`UsageError`."""
    root = Path(path)
    if not root.is_dir():
        raise UsageError("no such engagement folder", file=str(root.resolve()),
                         hint="check the path; create an engagement with `kam init DIR`")
    if not (root / "engagement.yaml").exists():
        raise UsageError("the folder is not an engagement (no engagement.yaml)",
                         file=str(root.resolve()),
                         hint="name the engagement folder (the one holding engagement.yaml)")
    return root


def _steps_arg(steps: list[str] | None, from_step: str | None) -> None:
    """Unknown step names on the command line are usage errors (exit 2)."""
    from .runner import _select

    try:
        _select(steps, from_step)
    except ConfigError as exc:
        raise UsageError(exc.message, value=exc.value, hint=exc.hint) from None


def _out(*parts: object, file: TextIO | None = None, flush: bool = False) -> None:
    """Print ``parts`` like ``print``, every one through :func:`~kamlib.text.for_terminal`:
    file names, headers, values and client names come from the client's files and must not
    reach the terminal as control characters or escape sequences."""
    print(*(for_terminal(p) for p in parts), file=file or sys.stdout, flush=flush)


def _cmd_init(args: argparse.Namespace) -> int:
    from .engagement import init_engagement

    eng = init_engagement(args.dir, client=args.client, currency=args.currency,
                          language=args.lang, force=args.force)
    _out(f"Engagement created in {eng.root}")
    _out(f"  1. put the client's exports (1C, Excel, CSV) into {eng.raw}/")
    _out(f"  2. send {eng.root / 'data_request.xlsx'} to the client if data is missing")
    _out(f"  3. kam check {args.dir}    then    kam run {args.dir}")
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    from .engagement import Engagement
    from .intake import ingest, summary_text

    eng = Engagement.open(_engagement_arg(args.dir))
    # progress on a terminal only (stderr): the report on stdout stays the same
    result = ingest(eng.root, eng.config, on_progress=(
        lambda m: _out(f"  {m}", file=sys.stderr, flush=True)) if sys.stderr.isatty() else None)
    _out(f"Engagement: {eng.config.client} ({eng.root})")
    _out(summary_text(result, max_rejected=args.max_rows))
    _out()
    if result.ok:
        _out(f"OK: inputs are usable ({result.seconds:.1f} s). Next: kam run {args.dir}")
        return 0
    _out("NOT OK: fix the errors above, then run kam check again.")
    return 1


def _cmd_run(args: argparse.Namespace) -> int:
    import uuid

    from .kernels import RUN_TOKEN_ENV, KernelPool

    steps = [s for chunk in args.steps for s in chunk.split(",")] if args.steps else None
    root = Path(_engagement_arg(args.dir)).resolve()
    # a kernel starts on the other core while this process imports the workbench, reads
    # the settings and checks which steps are up to date; the first step that runs takes
    # it (none: it is stopped)
    token = uuid.uuid4().hex  # the run's, known to the kernel started before the lock
    pool = KernelPool(root)
    pool.launch(env={RUN_TOKEN_ENV: token})
    try:
        _steps_arg(steps, args.from_step)
        from .engagement import Engagement
        from .runner import run_pipeline

        eng = Engagement.open(root)
        run_pipeline(eng, steps=steps, from_step=args.from_step, force=args.force,
                     on_progress=None if args.quiet else lambda m: _out(m, flush=True),
                     cell_progress=args.verbose or (not args.quiet and sys.stderr.isatty()),
                     pool=pool, run_token=token)
    finally:
        pool.close()
    if args.quiet:
        _out(f"done: {eng.root}")
        return 0
    _print_outputs(eng.root)
    _print_reports(eng.root)
    return 0


def _print_outputs(root: Path) -> None:
    from .steps import step

    summary = root / "work" / step("00").folder / "summary.json"
    if summary.exists():
        from .intake import format_amount

        s = json.loads(summary.read_text(encoding="utf-8"))
        period = " … ".join(s["period"]) if s.get("period") else "—"
        def n(x: int) -> str:
            return f"{x:,}".replace(",", " ")

        _out(f"\nReceived: {s['files']} files; {n(s['clients'])} clients; "
              f"{n(s['sales_lines'])} sales lines, {period}; net revenue "
              f"{_amount(s['net_revenue'])}; rejected {n(s['rejected_rows'])} rows "
              f"({_amount(s['rejected_money'])})")
        if s.get("missing"):
            _out("Not received (narrows the analysis): " + ", ".join(s["missing"]))
    cleanup = root / "work" / step("01").folder / "summary.json"
    if cleanup.exists():
        c = json.loads(cleanup.read_text(encoding="utf-8"))
        _out(f"Client base: {c['records']} records → {c['entities']} legal entities → "
              f"{c['groups']} groups; {c['buying_entities']} bought in the period, "
              f"{c['active_entities']} active or new; {c['to_review']} pairs to review in "
              f"{c.get('review_sheet', 'review/duplicates.xlsx')}")
    profit = root / "work" / step("02").folder / "summary.json"
    if profit.exists():
        from .intake import format_amount

        p = json.loads(profit.read_text(encoding="utf-8"))
        t, conc = p["totals"], p["concentration"]
        worst = p["large_loss_makers"][0]["name"] if p["large_loss_makers"] else "—"
        contribution = format_amount(f"{t['contribution']:.2f}")
        revenue = format_amount(f"{t['net_revenue']:.2f}")
        _out(f"Profitability: contribution {contribution} on {revenue} net revenue; "
              f"{p['loss_making_entities']} entities lose money (largest: {worst}); "
              f"top-3 {conc['top3']:.1%} of revenue, HHI {conc['hhi']:.3f}")
    selection = root / "work" / step("03").folder / "summary.json"
    if selection.exists():
        k = json.loads(selection.read_text(encoding="utf-8"))
        single = ", ".join(x["name"] for x in k["single_point_of_contact"][:3]) or "none"
        _out(f"Key clients: {k['key_clients']} of {k['long_list']} on the long list "
              f"({k['solid']} solid, {k['borderline']} borderline), "
              f"{k['key_revenue_share']:.0%} of revenue; single point of contact: {single}")
    sizing = root / "work" / step("04").folder / "summary.json"
    if sizing.exists():
        from .i18n import Formatter, load_strings, say

        z = json.loads(sizing.read_text(encoding="utf-8"))
        bc = z.get("business_case") or {}
        en, fmt = load_strings("en"), Formatter("en", z.get("currency") or "RUB")
        cost = _amount((bc.get("cost") or {}).get("total", {}).get("amount", z["team_cost"]))
        today = []
        if z.get("current_kams") is not None:
            today.append(f"{z['current_kams']} in a KAM role in the team table")
        if z.get("current_owners") is not None:
            today.append(f"{z['current_owners']} managers hold the key clients")
        _out(f"KAM team: {z['kams']} KAMs for {z['key_accounts']} key clients, {cost} a year"
              f"; assignment {z['assignment']['method']}, owner changes "
              f"{z['assignment']['owner_changes']}; KPIs: "
              + "; ".join(en.get(f"kpi.{k['kpi']}", k["kpi"]) or k["kpi"] for k in z["kpis"])
              + (f"; today: {', '.join(today)}" if today else ""))
        if bc.get("verdict"):
            _out(f"Business case: {say(bc['verdict'], en, fmt)}")
    _out(f"\nOutputs in {root}:")
    for sub, what in (("work", "artefacts (Parquet, summary.json) and manifest.json"),
                      ("notebooks", "executed notebooks, the record of the run (kam open DIR)"),
                      ("reports", "deliverables"), ("review", "sheets for people to fill")):
        path = root / sub
        if path.exists() and any(path.iterdir()):
            _out(f"  {path}/  — {what}")


def _amount(x: object) -> str:
    """A summary's exact amount for the terminal (``1 234 567,89``)."""
    from decimal import Decimal

    from .intake import format_amount

    return format_amount(f"{Decimal(str(x or 0)):.2f}")


def _cmd_demo(args: argparse.Namespace) -> int:
    from .engagement import Engagement, copy_engagement
    from .resources import samples_dir
    from .runner import run_pipeline

    src = samples_dir() / args.sample
    if not (src / "engagement.yaml").exists():
        names = sorted(p.name for p in samples_dir().iterdir() if (p / "engagement.yaml").exists())
        raise UsageError(f"no sample engagement '{args.sample}'", value=args.sample,
                       hint=f"samples: {', '.join(names)}")
    dst = Path(args.dir or Path("demo") / args.sample)
    if dst.exists() and any(dst.iterdir()):
        if not (dst / "engagement.yaml").exists():
            raise KamError("the folder exists and is not an engagement", file=str(dst),
                           hint="choose another folder")
        _out(f"Re-running the existing demo engagement in {dst}")
    else:
        copy_engagement(src, dst)
        _out(f"Copied sample '{args.sample}' to {dst}")
    eng = Engagement.open(dst)
    # the sample's deliverables in both languages, rendered by the run's report step (this
    # run only: engagement.yaml is not changed)
    other: list[Literal["ru", "en"]] = [
        lang for lang in ("ru", "en") if lang != eng.config.report.language]
    eng.config.report.also_languages = other
    run_pipeline(eng, on_progress=lambda m: _out(m, flush=True),
                 cell_progress=sys.stderr.isatty())
    from .report import build_report, report_manifest

    missing = [lang for lang in other if lang not in (report_manifest(eng.root).get("files") or {})]
    if missing:  # the report step was up to date, from a run in one language
        _out(f"Report in {', '.join(missing)} as well:")
        build_report(eng.root, languages=missing, papers=False, on_progress=_out)
    _print_outputs(eng.root)
    _print_reports(eng.root)
    return 0


def _print_reports(root: Path) -> None:
    from .report import report_manifest

    r = report_manifest(root)
    if not r:
        return
    _out("\nDeliverables:")
    for lang, files in sorted(r.get("files", {}).items()):
        _out(f"  {lang}: " + ", ".join(str(root / f) for f in files.values()))
    if r.get("papers"):
        _out(f"  working papers: {root / 'reports' / 'working_papers'}/ "
              f"({len(r['papers'])} files)")
    for w in r.get("warnings", []):
        _out(f"  note: {w}")


def _cmd_report(args: argparse.Namespace) -> int:
    from .report import build_report

    langs = [x for chunk in args.lang for x in chunk.split(",")] if args.lang else None
    fmts = [x for chunk in args.format for x in chunk.split(",")] if args.format else None
    _engagement_arg(args.dir)
    _out(f"Rendering the report of {args.dir} from its artefacts (no step is re-run):")
    build_report(args.dir, languages=langs, formats=fmts, papers=not args.no_papers,
                 on_progress=_out)
    _print_reports(Path(args.dir))
    return 0


def _cmd_present(args: argparse.Namespace) -> int:
    from .notebook.present import _steps, present

    _engagement_arg(args.dir)
    try:
        _steps(args.step)
    except ConfigError as exc:
        raise UsageError(exc.message, value=exc.value, hint=exc.hint) from None
    return present(args.dir, args.step, port=args.port, open_browser=not args.no_browser,
                   mode=args.mode)


def _cmd_classroom(args: argparse.Namespace) -> int:
    from .training.classroom import write_materials

    _engagement_arg(args.dir)
    langs = tuple(args.lang or ("ru", "en"))
    for path in write_materials(args.dir, languages=langs, pdf=args.pdf):
        _out(f"  {path}")
    return 0


def _cmd_status(args: argparse.Namespace) -> int:
    from .status import as_json, engagement_status

    status = engagement_status(_engagement_arg(args.dir))
    _out(as_json(status) if args.json else status.text())
    return 0


def _lab_kernel_dir() -> Path:
    """A Jupyter data folder whose ``python3`` kernel is this Python (the one ``kam`` runs
    in, with kamlib installed): put first on ``JUPYTER_PATH``, it wins over a ``python3``
    kernel of another Python in the user's Jupyter folders."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="kam-lab-"))
    spec = folder / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": f"Python {sys.version_info.major}.{sys.version_info.minor} (kamlib)",
        "language": "python", "metadata": {"debugger": True}}, indent=1), encoding="utf-8")
    return folder


def lab_command(root: Path, *, port: int = 0, open_browser: bool = True
                ) -> tuple[list[str], dict[str, str]]:
    """The command line and environment that open JupyterLab on an engagement.

    JupyterLab runs with this Python, rooted at the engagement folder and showing its
    ``notebooks/``; its ``python3`` kernel is this Python too (see :func:`_lab_kernel_dir`).
    """
    data = _lab_kernel_dir()
    env = dict(os.environ)
    env["JUPYTER_PATH"] = os.pathsep.join(
        [str(data), *filter(None, [os.environ.get("JUPYTER_PATH")])])
    cmd = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={root.resolve()}",
           "--ServerApp.ip=127.0.0.1"]
    if (root / "notebooks").is_dir():
        cmd.append("--ServerApp.default_url=/lab/tree/notebooks")
    if port:
        cmd += [f"--ServerApp.port={port}", "--ServerApp.port_retries=0"]
    if not open_browser:
        cmd.append("--no-browser")
    if getattr(os, "geteuid", lambda: 1)() == 0:  # a container or CI runner: Jupyter refuses
        cmd.append("--allow-root")
    return cmd, env


def _cmd_open(args: argparse.Namespace) -> int:
    import shutil
    import subprocess

    root = _engagement_arg(args.dir).resolve()
    if args.port and not 0 < args.port < 65536:
        raise UsageError("a port is a number from 1 to 65535", value=args.port,
                         hint="leave --port out to let JupyterLab choose")
    cmd, env = lab_command(root, port=args.port, open_browser=not args.no_browser)
    _out(f"Opening JupyterLab on {root} (kernel: this Python, {sys.executable}).\n"
          "The notebooks in notebooks/ are the record of the last run: re-running one there "
          "stops with a message and changes nothing; to re-run a step on this engagement use "
          f"`kam run {args.dir} --steps NN` (its settings are in engagement.yaml). "
          "Stop JupyterLab with Ctrl-C.", flush=True)
    from .notebook.present import _stop_on_signals

    proc = subprocess.Popen(cmd, env=env)
    try:
        with _stop_on_signals():  # SIGTERM / SIGHUP: stop JupyterLab too, as Ctrl-C does
            return int(proc.wait())
    except KeyboardInterrupt:
        print("Stopping JupyterLab …", file=sys.stderr)
        proc.terminate()  # the server shuts its kernels down
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        return 0
    finally:
        shutil.rmtree(Path(env["JUPYTER_PATH"].split(os.pathsep)[0]), ignore_errors=True)


def _cmd_anonymise(args: argparse.Namespace) -> int:
    from .training.anonymise import anonymise_engagement

    _engagement_arg(args.dir)
    result = anonymise_engagement(args.dir, args.out, seed=args.seed, factor=args.factor,
                                  shift_years=args.shift_years, overwrite=args.force)
    _out(result.describe())
    return 0


def _version() -> str:
    from importlib import metadata

    try:
        version = metadata.version("kamlib")
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a source tree
        version = "unknown (not installed)"
    return (f"kam (kamlib) {version}, Python {sys.version.split()[0]} at {sys.executable}")


def _cmd_kit(args: argparse.Namespace) -> int:
    from datetime import date

    from .kit.documents import write_kit

    root = _engagement_arg(args.dir)
    deadline = None
    if args.deadline:
        try:
            deadline = date.fromisoformat(args.deadline)
        except ValueError:
            raise UsageError("the deadline is not a date", value=args.deadline,
                             hint="write it as YYYY-MM-DD, e.g. 2026-12-17") from None
    files = write_kit(root, args.language, deadline=deadline, contact=args.contact)
    _out(f"Engagement kit written to {root.resolve() / 'kit'}:")
    for p in files:
        _out(f"  {p.name}")
    if not any(p.suffix == ".pdf" for p in files):
        _out("  (no PDF of the letter: WeasyPrint cannot print here; send the HTML)")
    _out("Filled questionnaire: save it as review/alignment.xlsx, then "
         f"kam run {args.dir} --from 04")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``kam``."""
    p = argparse.ArgumentParser(
        prog="kam", description="KAM Audit Workbench: audit a company's client base for key "
        "account management, from raw exports to the report.",
        epilog="exit codes:\n" + "\n".join(f"  {k:<4} {v}" for k, v in EXIT_CODES.items()),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=_version())
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("init", help="create an engagement folder")
    s.add_argument("dir")
    s.add_argument("--client", default=None, help="the audited company's name (default: a "
                   "placeholder in the report language)")
    s.add_argument("--currency", default="RUB")
    s.add_argument("--lang", default="ru", choices=["ru", "en"], help="report language")
    s.add_argument("--force", action="store_true", help="rewrite engagement.yaml (raw/ kept)")
    s.set_defaults(func=_cmd_init)

    s = sub.add_parser("check", help="read raw/ and say what was read and what is wrong")
    s.add_argument("dir")
    s.add_argument("--max-rows", type=int, default=10, help="problems listed per kind")
    s.set_defaults(func=_cmd_check)

    s = sub.add_parser("run", help="run intake and the audit steps")
    s.add_argument("dir")
    s.add_argument("--steps", nargs="+", help="only these steps, e.g. 00 01")
    s.add_argument("--from", dest="from_step", help="this step and the ones after it")
    s.add_argument("--force", action="store_true", help="run every chosen step, even those "
                   "up to date (by default a step whose notebook, settings, input files and "
                   "upstream results are unchanged since its last run is skipped)")
    loud = s.add_mutually_exclusive_group()
    loud.add_argument("-q", "--quiet", action="store_true", help="print only problems and "
                      "the engagement folder at the end")
    loud.add_argument("-v", "--verbose", action="store_true", help="also each notebook's cell "
                      "progress when the output is not a terminal (on a terminal it is shown "
                      "by default)")
    s.set_defaults(func=_cmd_run)

    s = sub.add_parser("status", help="which steps ran, when, on which inputs; what is "
                       "stale and why; what waits for a person")
    s.add_argument("dir")
    s.add_argument("--json", action="store_true", help="print the status as JSON")
    s.set_defaults(func=_cmd_status)

    s = sub.add_parser("open", help="open JupyterLab on the engagement's notebooks, with "
                       "the workbench's Python as the kernel")
    s.add_argument("dir")
    s.add_argument("--port", type=int, default=0, help="the port (default: a free one)")
    s.add_argument("--no-browser", action="store_true")
    s.set_defaults(func=_cmd_open)

    s = sub.add_parser("report", help="render the deliverables from a finished run "
                       "(HTML, PDF, XLSX, PPTX; ru/en) without re-running the steps")
    s.add_argument("dir")
    s.add_argument("--lang", nargs="+", help="ru and/or en (default: engagement.yaml's)")
    s.add_argument("--format", nargs="+", help="html pdf xlsx pptx (default: engagement.yaml's)")
    s.add_argument("--no-papers", action="store_true", help="skip the working papers")
    s.set_defaults(func=_cmd_report)

    s = sub.add_parser("present", help="serve the notebooks without code, with widgets "
                       "(Voilà; training sessions)")
    s.add_argument("dir")
    s.add_argument("step", nargs="?", help="one step, e.g. 02 (default: all)")
    s.add_argument("--port", type=int, default=0,
                   help="the port (default: a free one, printed)")
    s.add_argument("--no-browser", action="store_true")
    s.add_argument("--mode", choices=("trainer", "participant"), default="trainer",
                   help="participant: questions and data, the conclusions behind a button the "
                   "trainer presses (default: trainer, everything shown)")
    s.set_defaults(func=_cmd_present)

    s = sub.add_parser("classroom", help="participant materials of a lesson case: worksheet, "
                       "answer sheet and timings per exercise, in Russian and English")
    s.add_argument("dir", help="a lesson case copied by kam demo (run it first for step 4's "
                   "figures)")
    s.add_argument("--lang", nargs="+", choices=("ru", "en"), help="default: ru en")
    s.add_argument("--pdf", action="store_true", help="also print them to PDF (WeasyPrint)")
    s.set_defaults(func=_cmd_classroom)

    s = sub.add_parser("anonymise", help="turn an engagement into a training one: names, "
                       "tax ids and people replaced, amounts scaled, dates shifted")
    s.add_argument("dir")
    s.add_argument("out")
    s.add_argument("--seed", type=int, help="fix the secret (default: random)")
    s.add_argument("--factor", type=float, help="scale money by this (default: secret)")
    s.add_argument("--shift-years", type=int, help="shift dates by whole years (default: "
                   "secret, a multiple of 4)")
    s.add_argument("--force", action="store_true", help="overwrite OUT")
    s.set_defaults(func=_cmd_anonymise)

    s = sub.add_parser("demo", help="copy a sample engagement and run it")
    s.add_argument("dir", nargs="?", help="where to put it (default: demo/SAMPLE)")
    s.add_argument("--sample", default="demo_ru", help="demo_ru (1C-style) or demo_en")
    s.set_defaults(func=_cmd_demo)

    s = sub.add_parser("kit", help="write the engagement kit into DIR/kit/: data-request "
                       "letter and workbook, interview guides, workshop deck, alignment "
                       "questionnaire, 90-day roadmap")
    s.add_argument("dir")
    s.add_argument("--language", choices=["ru", "en"], help="the kit's language (default: "
                   "engagement.yaml's report language)")
    s.add_argument("--deadline", help="the data request's deadline, YYYY-MM-DD (default: in "
                   "14 days)")
    s.add_argument("--contact", help="whom the client asks about the request (name, phone, "
                   "e-mail)")
    s.set_defaults(func=_cmd_kit)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``kam`` console script."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except UsageError as exc:
        _out(f"kam {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KamError as exc:
        _out(f"\nkam {args.command}: {type(exc).__name__}\n  {exc}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        _out("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: say so, point at the traceback only on request
        if os.environ.get("KAM_DEBUG"):
            raise
        _out(f"\nkam {args.command}: internal error {type(exc).__name__}: {exc}\n"
              "  This is a bug in the workbench. Re-run with KAM_DEBUG=1 for the traceback "
              "and report it.", file=sys.stderr)
        return 4


#: the exit code :func:`console_main` ends with, once every exit handler has run
_exit_code: list[int] = []


def _end_without_teardown() -> None:
    """The last exit handler of ``kam``: end the process now with its code.

    Runs after every other exit handler (it is registered first) and after Python has joined
    the non-daemon threads, when only the interpreter's teardown is left: freeing every
    module and object one by one, 0.3-0.5 s after a run whose results are already written,
    closed and swapped in. Nothing is skipped when a thread is still alive or when ``main``
    did not return (an exception on its way out)."""
    if not _exit_code or any(t.is_alive() and not t.daemon for t in threading.enumerate()
                             if t is not threading.main_thread()):
        return
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(_exit_code[0])


def console_main() -> NoReturn:
    """The ``kam`` console script: :func:`main` with the process's exit code; the process
    ends without the interpreter's teardown (:func:`_end_without_teardown`) when no other
    exit handler was registered before this one (it must run last)."""
    if getattr(atexit, "_ncallbacks", lambda: 1)() == 0:
        atexit.register(_end_without_teardown)
    code = main()
    _exit_code.append(code)
    sys.exit(code)


if __name__ == "__main__":
    console_main()
