"""Import the notebook stack (nbformat, papermill) without the IRI grammar it never uses.

jsonschema imports ``rfc3987_syntax`` when that package is installed (the Jupyter server's
``jupyter-events`` pulls it in), and ``rfc3987_syntax`` compiles a Lark grammar at import:
about 3 s of CPU in every process that imports nbformat, i.e. every ``kam run`` and every
report (the working papers). That grammar only checks the ``iri`` and ``iri-reference``
string formats, which no notebook schema uses. The processes that run or export notebooks
therefore mark the module as absent before jsonschema is first imported; jsonschema then
skips those two format checks, as it does wherever the package is not installed. The
Jupyter server processes (``kam open``, ``kam present``) do not go through here.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

__all__ = ["import_nbformat", "import_papermill", "skip_iri_grammar"]


def skip_iri_grammar() -> None:
    """Mark ``rfc3987_syntax`` absent, unless jsonschema (or the module) is already loaded."""
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


def import_nbformat() -> ModuleType:
    """``nbformat``, imported without the IRI grammar (:func:`skip_iri_grammar`)."""
    skip_iri_grammar()
    return importlib.import_module("nbformat")


def import_papermill() -> ModuleType:
    """``papermill``, imported without the IRI grammar (:func:`skip_iri_grammar`)."""
    skip_iri_grammar()
    return importlib.import_module("papermill")
