"""nbformat and papermill imported without jsonschema's IRI grammar (kamlib.nbstack)."""

from __future__ import annotations

import subprocess
import sys

CODE = """
import sys
from kamlib.nbstack import import_nbformat
nbformat = import_nbformat()
nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
nbformat.validate(nb)                                  # validation still works
loaded = [m for m in sys.modules if m.startswith("rfc3987_syntax") and sys.modules[m]]
print("loaded" if loaded else "skipped", "jsonschema" in sys.modules)
"""

LATE = """
import sys
import jsonschema                                      # already there: nothing is changed
from kamlib.nbstack import skip_iri_grammar
skip_iri_grammar()
print("rfc3987_syntax" in sys.modules and sys.modules["rfc3987_syntax"] is None)
"""


def _run(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip()


def test_nbformat_validates_without_the_grammar() -> None:
    assert _run(CODE) == "skipped True"


def test_a_process_that_loaded_jsonschema_is_left_alone() -> None:
    assert _run(LATE) == "False"
