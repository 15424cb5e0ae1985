"""kamlib.resources: the workbench's own folders, in a clone."""

from __future__ import annotations

from pathlib import Path

from kamlib.resources import (
    DATA_FOLDERS,
    notebooks_dir,
    repo_root,
    samples_dir,
    templates_dir,
)
from tests.helpers import REPO


def test_folders_of_the_clone() -> None:
    assert repo_root() == REPO
    assert (templates_dir(), notebooks_dir(), samples_dir()) == \
        (REPO / "templates", REPO / "notebooks", REPO / "data_samples")
    assert DATA_FOLDERS == ("templates", "notebooks", "data_samples")


def test_they_hold_what_the_steps_read() -> None:
    assert (notebooks_dir() / "00_data_intake.ipynb").is_file()
    assert (samples_dir() / "demo_ru" / "engagement.yaml").is_file()
    assert isinstance(templates_dir(), Path) and (templates_dir() / "i18n").is_dir()
