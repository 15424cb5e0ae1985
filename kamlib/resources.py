"""Where the workbench's own files are: templates, step notebooks, sample engagements.

The workbench runs from a clone of its repository (``pip install -e .``); these folders sit
beside the ``kamlib`` package.
"""

from __future__ import annotations

from pathlib import Path

from .errors import KamError

__all__ = ["notebooks_dir", "repo_root", "samples_dir", "templates_dir"]


def repo_root() -> Path:
    """The workbench's repository folder (the parent of ``kamlib/``)."""
    return Path(__file__).resolve().parent.parent


def _folder(name: str) -> Path:
    path = repo_root() / name
    if not path.is_dir():
        raise KamError(f"the workbench's '{name}/' folder is missing", file=str(path),
                       hint="run kam from a clone of the workbench repository installed with "
                       "`pip install -e .` (make demo does this)")
    return path


def templates_dir() -> Path:
    """``templates/``: engagement.yaml template, report templates, i18n strings."""
    return _folder("templates")


def notebooks_dir() -> Path:
    """``notebooks/``: the step notebooks, committed executed on the sample."""
    return _folder("notebooks")


def samples_dir() -> Path:
    """``data_samples/``: sample engagements."""
    return _folder("data_samples")
