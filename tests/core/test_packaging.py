"""What an install gets: supported Pythons, runtime without test tools, every package pinned."""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

from kamlib.errors import KamError

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
LOCK = ROOT / "requirements" / "constraints.txt"


def _name(req: str) -> str:
    return re.sub(r"[-_.]+", "-", Requirement(req).name).lower()


def _pins() -> dict[str, str]:
    out = {}
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"not a pin: {line}"
            out[_name(name)] = version.strip()
    return out


def test_supported_pythons_are_3_11_to_3_13() -> None:
    spec = SpecifierSet(PYPROJECT["requires-python"])
    assert all(v in spec for v in ("3.11.0", "3.12.1", "3.13.0"))
    assert "3.10.13" not in spec and "3.14.0" not in spec  # majors pinned
    assert f"{sys.version_info.major}.{sys.version_info.minor}.0" in spec


def test_the_runtime_does_not_install_the_test_tools() -> None:
    runtime = {_name(r) for r in PYPROJECT["dependencies"]} | {
        _name(r) for r in PYPROJECT["optional-dependencies"]["training"]}
    for tool in ("pytest", "nbval", "ruff", "playwright"):
        assert tool not in runtime
        assert tool in {_name(r) for r in PYPROJECT["optional-dependencies"]["test"]}


def test_every_dependency_is_pinned_within_its_range() -> None:
    """A dependency added to pyproject.toml without `make lock` fails here."""
    pins = _pins()
    for group in (PYPROJECT["dependencies"], *PYPROJECT["optional-dependencies"].values()):
        for req in map(Requirement, group):
            name = _name(str(req))
            assert name in pins, f"{name} is not in {LOCK.name}: run make lock"
            assert pins[name] in req.specifier, f"{name}=={pins[name]} outside {req.specifier}"


def test_the_commands_install_from_the_lock() -> None:
    make = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert 'pip install -q -c $(LOCK) -e ".[training]"' in make
    assert 'pip install -q -c $(LOCK) -e ".[test,training]"' in make
    demo = re.search(r"^demo: (.*)$", make, re.M)
    test = re.search(r"^test: (.*)$", make, re.M)
    assert demo and demo.group(1).strip() == "$(STAMP)"  # no test tools for a consultant
    assert test and test.group(1).strip() == "$(TEST_STAMP)"
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "pip install -c requirements/constraints.txt -e \".[training]\"" in readme


def test_conda_environment_has_pango_and_the_training_extra() -> None:
    """environment.yml: conda-forge's Python in pyproject's range, Pango for WeasyPrint (its
    documented minimum, 1.44) and fonts, then pip installs the workbench with the training
    extra (not the test tools) at the lock's versions."""
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert env["channels"] == ["conda-forge"]  # Pango with its fontconfig/HarfBuzz
    deps = [d for d in env["dependencies"] if isinstance(d, str)]
    names = {re.split(r"[<>=!~ ]", d, maxsplit=1)[0]: d for d in deps}
    python = names["python"].removeprefix("python")
    assert SpecifierSet(python) == SpecifierSet(PYPROJECT["requires-python"])
    pango = names["pango"].removeprefix("pango")
    assert SpecifierSet(pango).contains("1.44.0") and not SpecifierSet(pango).contains("1.43")
    assert "pip" in names and any(n.startswith("fonts-") for n in names)
    (pip,) = [d["pip"] for d in env["dependencies"] if isinstance(d, dict)]
    assert pip == ["-c requirements/constraints.txt", '-e ".[training]"']
    assert (ROOT / "requirements" / "constraints.txt").is_file()  # relative to the yml


# --------------------------------------------------------------------------- the wheel

def _git_files(folder: str) -> list[str]:
    """The files of ``folder`` the repository holds (what a clone has, nothing a run left)."""
    out = subprocess.run(["git", "ls-files", "-z", "--", folder], cwd=ROOT, check=True,
                         capture_output=True).stdout.decode("utf-8")
    return sorted(p for p in out.split("\0") if p)


def _build_wheel(dest: Path) -> Path:
    """``pip wheel . --no-deps``: what ``pip install .`` (or PyPI) would install."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q",
                    "-w", str(dest)], check=True, capture_output=True)
    (wheel,) = dest.glob("kamlib-*.whl")
    return wheel


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git clone: the wheel's contents are checked against git ls-files")
    return _build_wheel(tmp_path_factory.mktemp("wheel"))


def test_the_wheel_carries_templates_notebooks_and_samples(wheel: Path) -> None:
    """Every file of templates/, notebooks/ and data_samples/ is in the wheel, byte for byte,
    under kamlib/_data/ (where kamlib.resources looks first), and nothing else is there."""
    from kamlib.resources import DATA_FOLDERS

    setup_py = ast.parse((ROOT / "setup.py").read_text(encoding="utf-8"))
    copied = next(ast.literal_eval(n.value) for n in setup_py.body if isinstance(n, ast.Assign)
                  and getattr(n.targets[0], "id", "") == "DATA_FOLDERS")
    assert copied == DATA_FOLDERS  # the build hook copies what kamlib.resources looks for
    with zipfile.ZipFile(wheel) as zf:
        members = {i.filename: i for i in zf.infolist()}
        data = sorted(n.removeprefix("kamlib/_data/") for n in members
                      if n.startswith("kamlib/_data/"))
        tracked = [p for folder in DATA_FOLDERS for p in _git_files(folder)]
        assert "templates/i18n/ru/report.yaml" in tracked
        assert "data_samples/demo_ru/engagement.yaml" in tracked
        assert data == sorted(tracked)
        for rel in ("templates/report/master.pptx", "notebooks/02_profitability.ipynb",
                    "data_samples/training_vip/raw/Контрагенты.xlsx"):
            assert zf.read(f"kamlib/_data/{rel}") == (ROOT / rel).read_bytes(), rel
        assert "kamlib/py.typed" in members and "kamlib/cli.py" in members
        assert not [n for n in members if "__pycache__" in n or n.startswith("tests/")]
        entry = zf.read(next(n for n in members if n.endswith(".dist-info/entry_points.txt")))
        assert b"kam = kamlib.cli:console_main" in entry
        # no member reaches the 5 MB file limit (the generator keeps samples under 4.5 MB)
        assert max(i.file_size for i in members.values()) < 5_000_000


def test_resources_prefer_the_packaged_copy(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """An installed kamlib reads kamlib/_data/; a clone (no _data) reads the repository root."""
    from kamlib import resources

    assert resources.templates_dir() == ROOT / "templates"  # this clone: editable install
    fake = tmp_path / "kamlib"
    (fake / "_data" / "templates").mkdir(parents=True)
    monkeypatch.setattr(resources, "files", lambda package: fake)
    assert resources.templates_dir() == fake / "_data" / "templates"
    monkeypatch.setattr(resources, "repo_root", lambda: tmp_path)  # site-packages: no clone
    with pytest.raises(KamError, match="'notebooks/' folder is missing") as err:
        resources.notebooks_dir()
    assert "pip install" in (err.value.hint or "")


_WHEEL_ENV = "KAM_TEST_WHEEL"


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get(_WHEEL_ENV),
                    reason=f"installs the wheel and its dependencies into a fresh venv and runs "
                    f"kam demo (5 to 8 minutes): set {_WHEEL_ENV}=1 (or a Python to build the "
                    "venv with); .ci/run does it in the Python 3.13 smoke")
def test_pip_install_the_wheel_then_kam_demo(tmp_path: Path) -> None:
    """``pip install kamlib[training]`` (the wheel, from the lock) into a fresh venv, then
    ``kam --version`` and ``kam demo`` from a folder outside the repository: no make, no
    clone. ``KAM_TEST_WHEEL_OUT``: keep the demo engagement there (the smoke compares its
    figures with the main venv's)."""
    python = os.environ[_WHEEL_ENV]
    python = sys.executable if python == "1" else python
    wheel = _build_wheel(tmp_path / "dist")
    venv = tmp_path / "venv"
    subprocess.run([python, "-m", "venv", str(venv)], check=True)  # no system site-packages
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    vpy = bindir / "python"
    pip = [str(vpy), "-m", "pip", "install", "-q"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-c", str(LOCK), f"{wheel}[training]"], check=True)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{bindir}{os.pathsep}{env.get('PATH', '')}"

    def kam(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(bindir / "kam"), *args], cwd=outside, env=env, text=True,
                              capture_output=True, check=False)

    version = kam("--version")
    assert version.returncode == 0, version.stderr
    assert version.stdout.startswith(f"kam (kamlib) {PYPROJECT['version']}")
    where = subprocess.run([str(vpy), "-c", "import kamlib.resources as r; "
                            "print(r.templates_dir()); print(r.samples_dir())"],
                           cwd=outside, env=env, text=True, capture_output=True, check=True)
    assert all(str(ROOT) not in line and "site-packages" in line
               for line in where.stdout.splitlines())
    out = Path(os.environ.get("KAM_TEST_WHEEL_OUT") or outside / "vip")
    demo = kam("demo", str(out), "--sample", "training_vip")
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    for lang in ("ru", "en"):
        for ext in ("html", "pdf", "xlsx", "pptx"):
            assert (out / "reports" / f"audit_report_{lang}.{ext}").stat().st_size > 0
    # both languages rendered by the run's report step (report.also_languages for this run;
    # the engagement's file keeps its own settings)
    s5 = json.loads((out / "work" / "05_audit_report" / "summary.json").read_text("utf-8"))
    assert set(s5["files"]) == {"ru", "en"} and "as well:" not in demo.stdout
    assert "also_languages" not in (out / "engagement.yaml").read_text(encoding="utf-8")
    # the lesson's answer key (the generator's figures): the installed workbench finds it
    truth = json.loads((ROOT / "data_samples" / "training_vip" / "truth.json")
                       .read_text(encoding="utf-8"))
    s1 = json.loads((out / "work" / "01_client_base_cleanup" / "summary.json")
                    .read_text(encoding="utf-8"))
    s2 = json.loads((out / "work" / "02_profitability" / "summary.json")
                    .read_text(encoding="utf-8"))
    assert s1["records"] == truth["sizes"]["catalogue_records"] == 400
    assert s1["net_revenue"] == truth["totals"]["net_revenue"]
    vip, first = truth["lesson"]["figures"], s2["large_loss_makers"][0]
    assert (first["entity_id"], first["contribution"]) == (vip["code"], vip["contribution"])


def test_the_package_imports_its_modules_on_first_use() -> None:
    """``import kamlib`` (and the PDF printer's child, ``python -m kamlib.pdf``) loads no data
    stack; every public name still resolves, and is listed by ``dir``."""
    code = ("import sys, kamlib, kamlib.pdf\n"
            "heavy = sorted(m for m in ('numpy', 'pandas', 'polars', 'matplotlib') "
            "if m in sys.modules)\n"
            "missing = [n for n in kamlib.__all__ if n not in dir(kamlib)]\n"
            "print(heavy, missing)\n"
            "from kamlib import STEPS, ingest, run_pipeline, build_report, open_engagement\n"
            "print(all(callable(f) for f in (ingest, run_pipeline, build_report, "
            "open_engagement)), len(STEPS) > 0)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout.splitlines()
    assert out == ["[] []", "True True"]
