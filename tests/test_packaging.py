"""What an install gets: supported Pythons, runtime without test tools, every package pinned."""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parent.parent
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
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert "conda-forge" in env["channels"]
    deps = [d for d in env["dependencies"] if isinstance(d, str)]
    assert any(d.startswith("pango") for d in deps)
    python = next(d for d in deps if d.startswith("python"))
    assert SpecifierSet(python.removeprefix("python")).contains("3.13.0")
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-c requirements/constraints.txt" in pip and '-e ".[training]"' in pip
