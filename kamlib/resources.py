"""Where the workbench's own files are: templates, step notebooks, sample engagements.

Two installs, one lookup:

* an installed package (``pip install kamlib``, a built wheel): the build copied the folders
  into the package, ``kamlib/_data/{templates,notebooks,data_samples}`` (``setup.py``), found
  here through :mod:`importlib.resources`;
* a clone of the repository (``pip install -e .``, ``make demo``): the folders at the
  repository's root, beside the ``kamlib`` package.

The package's own copy wins when it is there, so an installed ``kamlib`` never picks up
unrelated folders that happen to sit beside it in ``site-packages``.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from .errors import KamError

__all__ = ["DATA_FOLDERS", "notebooks_dir", "repo_root", "samples_dir", "templates_dir"]

#: the workbench's folders a built wheel carries under ``kamlib/_data/``
DATA_FOLDERS = ("templates", "notebooks", "data_samples")


def repo_root() -> Path:
    """The workbench's repository folder (the parent of ``kamlib/``) in a clone."""
    return Path(__file__).resolve().parent.parent


def _packaged(name: str) -> Path | None:
    """``kamlib/_data/<name>`` of an installed package, ``None`` when not there."""
    resource = files("kamlib") / "_data" / name
    if not resource.is_dir():
        return None
    path = Path(str(resource))
    return path if path.is_dir() else None  # a zipped package has no folder to copy from


def _folder(name: str) -> Path:
    packaged = _packaged(name)
    if packaged is not None:
        return packaged
    path = repo_root() / name
    if path.is_dir() and (repo_root() / "pyproject.toml").is_file():
        return path
    raise KamError(f"the workbench's '{name}/' folder is missing", file=str(path),
                   hint="reinstall the workbench (`pip install kamlib`, or from a clone "
                   "`pip install -e .`): the package carries it under kamlib/_data/")


def templates_dir() -> Path:
    """``templates/``: engagement.yaml template, report templates, i18n strings."""
    return _folder("templates")


def notebooks_dir() -> Path:
    """``notebooks/``: the step notebooks, committed executed on the sample."""
    return _folder("notebooks")


def samples_dir() -> Path:
    """``data_samples/``: sample engagements."""
    return _folder("data_samples")
