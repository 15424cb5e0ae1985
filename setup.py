"""Build hook: a wheel carries the workbench's own folders inside the package.

``templates/``, ``notebooks/`` and ``data_samples/`` stay at the repository's root (the
layout of the design); a built wheel (``pip install .``, ``python -m build``) copies them to
``kamlib/_data/`` so that an installed ``kamlib`` runs ``kam demo`` with no checkout.
``kamlib.resources`` finds them there, or at the root of a clone (an editable install, which
this hook leaves alone). Everything else is in ``pyproject.toml``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
#: the folders a wheel carries, copied to kamlib/_data/<name>/
DATA_FOLDERS = ("templates", "notebooks", "data_samples")
_SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")


class BuildPyWithData(build_py):
    """``build_py`` that also copies :data:`DATA_FOLDERS` into the built package."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the folders in the clone
        for name in DATA_FOLDERS:
            src = ROOT / name
            if not (src.is_dir() and any(src.iterdir())):
                raise SystemExit(f"cannot build kamlib: the folder '{name}/' is missing or "
                                 f"empty in {ROOT} (build from a clone of the repository, or "
                                 "from an sdist made by `python -m build`)")
            dst = Path(self.build_lib) / "kamlib" / "_data" / name
            if dst.exists():
                shutil.rmtree(dst)
            shutil.copytree(src, dst, ignore=_SKIP)


setup(cmdclass={"build_py": BuildPyWithData})
