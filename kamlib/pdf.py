"""Print an HTML page to an A4 PDF with WeasyPrint: here, or in a child process.

WeasyPrint's layout is the longest single job of the report step (a 40-page report takes
several seconds of CPU) and runs in pure Python. :class:`PdfJob` prints in a child process
while the caller goes on with the workbook, the deck and the working papers on the other
core; :meth:`PdfJob.wait` returns when the PDF is written, or raises what the child raised
(:class:`PdfUnavailable` when WeasyPrint or its system libraries are missing, so the caller
can still ship the HTML report).

The child can be started ahead (:func:`warm_up`, before the report model is built): it
imports WeasyPrint (a second of CPU) while the model is built on the other core, then waits
for its page; the next :class:`PdfJob` takes it.

Run as ``python -m kamlib.pdf PAGE.html OUT.pdf`` (or ``--serve``, reading the two paths from
standard input) by :class:`PdfJob`; not a user command.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from .atomic import atomic_write_bytes
from .errors import KamError

__all__ = ["PdfJob", "PdfUnavailable", "print_pdf", "warm_up"]

_PANGO_HINT = ("install the system libraries WeasyPrint needs (Debian/Ubuntu: "
               "`apt-get install libpango-1.0-0 libpangoft2-1.0-0`), or send the HTML report, "
               "which has the same content and prints to PDF from any browser")

# the child's exit codes
_UNAVAILABLE, _FAILED = 3, 4


class PdfUnavailable(KamError):  # noqa: N818 - the name callers catch
    """The PDF cannot be produced here: WeasyPrint or its system libraries are missing."""


def _weasyprint() -> Any:
    """Import WeasyPrint or raise :class:`PdfUnavailable` naming what is missing."""
    try:
        import weasyprint
    except ImportError as exc:
        raise PdfUnavailable(
            f"the PDF report needs the Python package WeasyPrint, which is not installed "
            f"({exc})", hint="`pip install weasyprint`, or send the HTML report") from exc
    except OSError as exc:  # cffi could not load pango / gobject / harfbuzz
        missing = re.search(r"'([^']*(?:pango|gobject|harfbuzz|fontconfig|cairo)[^']*)'",
                            str(exc))
        lib = missing.group(1) if missing else "Pango"
        raise PdfUnavailable(
            f"the PDF report cannot be made here: WeasyPrint cannot load the system library "
            f"{lib} ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})",
            hint=_PANGO_HINT) from exc
    return weasyprint


def _offline_fetcher(weasyprint: Any) -> Any:
    """A URL fetcher that reads ``data:`` URIs only: the report never fetches anything."""
    urls = weasyprint.urls
    if hasattr(urls, "URLFetcher"):  # recent WeasyPrint: a fetcher object
        return urls.URLFetcher(allowed_protocols=("data",))

    def fetch(url: str, *args: Any, **kwargs: Any) -> Any:  # older WeasyPrint: a function
        if not url.startswith("data:"):
            raise ValueError(f"the report does not load external resources: {url}")
        return urls.default_url_fetcher(url, *args, **kwargs)

    return fetch


def print_pdf(html: str, path: str | Path) -> Path:
    """Print ``html`` to the PDF ``path`` in this process, atomically; return the path.

    Raises
    ------
    PdfUnavailable
        WeasyPrint is not installed or its system libraries (Pango) are missing.
    """
    weasyprint = _weasyprint()
    pdf = weasyprint.HTML(string=html, url_fetcher=_offline_fetcher(weasyprint)).write_pdf()
    path = Path(path)
    atomic_write_bytes(path, pdf)
    return path


#: the child started ahead by warm_up, and the environment it was started with
_warm: tuple[subprocess.Popen[bytes], dict[str, str]] | None = None


def _spawn(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "kamlib.pdf", *args],
                            stdin=subprocess.PIPE if args == ("--serve",) else None,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def warm_up() -> None:
    """Start the printer's child now, so that WeasyPrint is imported while the caller builds
    the page; the next :class:`PdfJob` uses it. Does nothing when one is already waiting.
    A child never used ends with this process."""
    global _warm
    if _warm is not None and _warm[0].poll() is None:
        return
    _warm = (_spawn("--serve"), dict(os.environ))


def _take_warm() -> subprocess.Popen[bytes] | None:
    """The waiting child, if it is alive and was started with the current environment."""
    global _warm
    warm, _warm = _warm, None
    if warm is None:
        return None
    proc, env = warm
    if proc.poll() is None and env == dict(os.environ):
        return proc
    _stop(proc)
    return None


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.kill()
    for pipe in (proc.stdin, proc.stdout, proc.stderr):
        if pipe is not None:
            with contextlib.suppress(OSError):
                pipe.close()
    proc.wait()


@atexit.register
def _drop_warm() -> None:
    global _warm
    if _warm is not None:
        _stop(_warm[0])
        _warm = None


class PdfJob:
    """``html`` printed to ``path`` by a child process, started now (or by :func:`warm_up`).

    Parameters
    ----------
    html : str
        The page (every resource inlined as ``data:`` URIs).
    path : path
        The PDF to write (atomically, by the child).
    """

    def __init__(self, html: str, path: str | Path) -> None:
        self.path = Path(path)
        fd, name = tempfile.mkstemp(prefix="kam-page-", suffix=".html")
        with os.fdopen(fd, "wb") as fh:
            fh.write(html.encode("utf-8"))
        self._page = Path(name)
        warm = _take_warm()
        if warm is None:
            self._proc = _spawn(str(self._page), str(self.path))
            return
        self._proc = warm
        assert warm.stdin is not None
        try:
            warm.stdin.write(f"{self._page}\n{self.path}\n".encode())
            warm.stdin.flush()  # closed by wait()
        except OSError:  # the child died since: print with a new one
            _stop(warm)
            self._proc = _spawn(str(self._page), str(self.path))

    def wait(self) -> Path:
        """Wait for the child; the PDF's path, or what the child raised.

        Raises
        ------
        PdfUnavailable
            WeasyPrint or its system libraries are missing.
        KamError
            The child failed otherwise (its last line of output is in the message).
        """
        try:
            out, err = self._proc.communicate()
        finally:
            if self._proc.poll() is None:  # interrupted while waiting
                self._proc.kill()
                self._proc.wait()
            self._page.unlink(missing_ok=True)
        code = self._proc.returncode
        if code == 0:
            return self.path
        try:
            info = json.loads(out.decode("utf-8").strip().splitlines()[-1])
        except (ValueError, IndexError):
            info = {}
        if code == _UNAVAILABLE and info:
            raise PdfUnavailable(info.get("message", "the PDF cannot be made here"),
                                 hint=info.get("hint"))
        last = (info.get("message") or err.decode("utf-8", "replace").strip().splitlines()
                or [f"exit code {code}"])
        raise KamError(f"the PDF {self.path.name} could not be printed: "
                       f"{last if isinstance(last, str) else last[-1]}",
                       file=str(self.path), hint="the HTML report has the same content; "
                       "KAM_DEBUG=1 shows the printer's traceback")

    def cancel(self) -> None:
        """Stop the child (the caller failed before waiting) and remove its page file."""
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        self._page.unlink(missing_ok=True)


def _main(argv: list[str]) -> int:
    if argv == ["--serve"]:  # started ahead: import now, then wait for the paths
        with contextlib.suppress(PdfUnavailable):  # raised again, and reported, below
            _weasyprint()
        paths = [sys.stdin.readline().rstrip("\n") for _ in range(2)]
        if not all(paths):  # not used: the parent went on without a PDF
            return 0
        argv = paths
    page, out = Path(argv[0]), Path(argv[1])
    try:
        print_pdf(page.read_text(encoding="utf-8"), out)
    except PdfUnavailable as exc:
        print(json.dumps({"message": exc.message, "hint": exc.hint}))
        return _UNAVAILABLE
    except Exception as exc:  # reported by the parent with the file named
        if os.environ.get("KAM_DEBUG"):
            raise
        print(json.dumps({"message": f"{type(exc).__name__}: {exc}"}))
        return _FAILED
    return 0


def _exit_now(code: int) -> None:
    """End the child without the interpreter's teardown. The PDF is written (atomically,
    closed and renamed) before this runs; tearing down WeasyPrint's boxes and fonts took
    0.4-0.5 s of a 45-page report, which the report step waited for."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    _exit_now(_main(sys.argv[1:]))
