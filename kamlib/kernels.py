"""Kernels for the step notebooks, started one step ahead with the notebooks' imports done.

Each step runs in a fresh kernel (a clean namespace: the executed notebook is the record of
the step). Starting a kernel and importing the stack (pandas, polars, matplotlib,
kamlib) costs a few seconds of CPU per step, more than most steps' own work on an
engagement of a few thousand lines. :class:`KernelPool` starts the next steps' kernels while
the current step (or the intake) runs, on the machine's other core, and imports there the
modules each next notebook imports; the notebook then finds them in ``sys.modules``. Only
modules are imported ahead, no name is bound: the namespace the notebook sees is the one a
cold kernel gives it.

``KAM_WARM_KERNELS=0`` turns this off (every step then starts its own kernel, as papermill
does by default).
"""

from __future__ import annotations

import ast
import contextlib
import json
import logging
import os
import queue
import tempfile
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = ["RUN_TOKEN_ENV", "KernelPool", "ipc_kernel_manager", "notebook_imports",
           "shutdown"]

_log = logging.getLogger(__name__)

#: The environment variable through which a lock holder's child processes (the notebooks'
#: kernels) are recognised as part of the same run (:func:`kamlib.guard.engagement_lock`).
RUN_TOKEN_ENV = "KAM_RUN_TOKEN"

# IPython's history database would otherwise be written for every kernel; nbclient passes
# the same argument to the kernels it starts itself
_KERNEL_ARGS = ["--HistoryManager.hist_file=:memory:"]

# imported inside functions the notebooks call (not at the notebooks' top level), by step
# name: the report renders with these (not WeasyPrint: the PDF is printed by a child process,
# kamlib.pdf, which imports it itself)
_LATER_IMPORTS: dict[str, tuple[str, ...]] = {
    "report": ("kamlib.plots", "kamlib.report.html", "kamlib.report.xlsx",
               "kamlib.report.pptx", "kamlib.report.papers", "kamlib.kit"),
}


def ipc_kernel_manager() -> type:
    """A kernel manager on local IPC sockets in the temp folder: no TCP ports, no
    'running over TCP without encryption' warning, nothing left in the engagement."""
    from jupyter_client.manager import KernelManager

    class IPCKernelManager(KernelManager):
        def __init__(self, **kwargs: Any) -> None:
            kwargs.setdefault("transport", "ipc")
            kwargs.setdefault("ip", str(Path(tempfile.gettempdir()) /
                                        f"kam-kernel-{uuid.uuid4().hex[:12]}"))
            super().__init__(**kwargs)

    return IPCKernelManager


def notebook_imports(path: str | Path) -> list[str]:
    """The modules a notebook's code cells import at their top level, in order.

    ``import a.b`` gives ``a.b``; ``from a import b`` gives ``a`` and the candidate ``a.b``
    (``b`` may be a submodule or a name; the warm-up tries it and ignores a miss). Cells that
    do not parse (IPython magics) are skipped line by line.

    Parameters
    ----------
    path : path
        The notebook (``.ipynb``).

    Returns
    -------
    list of str
        Module names, without duplicates.
    """
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    found: dict[str, None] = {}
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        src = "".join(cell.get("source", []))
        lines = [ln for ln in src.splitlines() if not ln.lstrip().startswith(("%", "!"))]
        try:
            tree = ast.parse("\n".join(lines))
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    found[alias.name] = None
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found[node.module] = None
                for alias in node.names:
                    if alias.name != "*":
                        found[f"{node.module}.{alias.name}"] = None
    return list(found)


def _warm_up_code(modules: Iterable[str]) -> str:
    """Code that imports ``modules`` one by one, ignoring a miss, binding no name."""
    names = json.dumps(list(modules))
    return ("def __kam_warm_up():\n"
            "    import importlib\n"
            f"    for name in {names}:\n"
            "        try:\n"
            "            importlib.import_module(name)\n"
            "        except Exception:\n"
            "            pass\n"
            "__kam_warm_up()\n"
            "del __kam_warm_up\n")


class KernelPool:
    """Kernels waiting for the next steps, each started ahead with its imports done.

    Kernels are handed out by :meth:`take` in the order :meth:`prepare` started them: the
    runner prepares the steps that will run, in order, ``ahead`` of the one running (two by
    default: a short step no longer waits for the next kernel's imports, on the core the
    step itself leaves free).

    Parameters
    ----------
    cwd : path
        The kernels' working folder (papermill runs the steps with the engagement's root as
        the working folder).
    enabled : bool, optional
        Default: on unless ``KAM_WARM_KERNELS=0``.
    ahead : int
        How many kernels may wait at once (default 2).
    """

    def __init__(self, cwd: str | Path, *, enabled: bool | None = None, ahead: int = 2) -> None:
        self.cwd = Path(cwd)
        self.enabled = os.environ.get("KAM_WARM_KERNELS", "1") != "0" \
            if enabled is None else enabled
        self.ahead = max(1, int(ahead))
        self._waiting: deque[tuple[Any, threading.Thread]] = deque()
        #: a kernel started by :meth:`launch` for whichever step runs first, and the
        #: environment it was started with
        self._spare: tuple[Any, threading.Thread, queue.Queue[list[str] | None]] | None = None
        self._spare_env: dict[str, str] = {}

    @property
    def waiting(self) -> int:
        """How many kernels are waiting (started, their imports done or under way)."""
        return len(self._waiting)

    def prepare(self, notebook: str | Path | None, step_name: str = "") -> None:
        """Start a kernel for a coming step now, unless ``ahead`` are already waiting.

        A kernel that cannot start is not an error here: the step then starts its own, and
        reports a failure the usual way.
        """
        if not self.enabled or len(self._waiting) >= self.ahead or notebook is None:
            return
        modules = [*notebook_imports(notebook), *_LATER_IMPORTS.get(step_name, ())]
        if self._spare is not None and any(os.environ.get(k) != v
                                           for k, v in self._spare_env.items()):
            self._drop_spare()  # started in another environment (another run's token)
        if self._spare is not None:  # started by launch(): it imports this step's modules
            km, warming, orders = self._spare
            self._spare = None
            orders.put(modules)
            self._waiting.append((km, warming))
            return
        km = self._start()
        if km is None:
            return
        warming = threading.Thread(target=_warm_up, args=(km, modules), daemon=True,
                                   name="kam-warm-kernel")
        warming.start()
        self._waiting.append((km, warming))

    def launch(self, env: dict[str, str] | None = None) -> None:
        """Start a kernel now, before it is known which step runs first.

        The caller has not yet read the settings or checked which steps are up to date
        (half a second of imports and hashing for ``kam run``); the kernel starts meanwhile,
        on the other core, and the next :meth:`prepare` gives it its step's imports. When no
        step runs, :meth:`close` shuts it down without waiting for it.

        Parameters
        ----------
        env : dict, optional
            Variables the kernel's environment has beyond this process's, which this
            process will have set by the time a step runs (the run's token,
            :data:`RUN_TOKEN_ENV`, set when the run takes the engagement's lock). At
            :meth:`prepare` the kernel is used only if every variable of its environment
            has the same value in this process; variables this process gained since are
            not compared (libraries set some at import, e.g. polars' allocator settings,
            which the kernel's own imports set there too).
        """
        if not self.enabled or self._spare is not None or len(self._waiting) >= self.ahead:
            return
        full = {**os.environ, **(env or {})}
        km = self._start(full)
        if km is None:
            return
        orders: queue.Queue[list[str] | None] = queue.Queue(maxsize=1)
        warming = threading.Thread(target=_warm_up, args=(km, orders), daemon=True,
                                   name="kam-warm-kernel")
        warming.start()
        self._spare, self._spare_env = (km, warming, orders), full

    def _drop_spare(self) -> None:
        if self._spare is None:
            return
        km, warming, orders = self._spare
        self._spare = None
        orders.put(None)  # no step for it
        shutdown(km)
        warming.join(timeout=5)

    def _start(self, env: dict[str, str] | None = None) -> Any:
        """A started kernel's manager, or None (the step then starts its own, and reports a
        failure the usual way)."""
        km = ipc_kernel_manager()(kernel_name="python3")
        try:
            km.start_kernel(cwd=str(self.cwd), extra_arguments=list(_KERNEL_ARGS),
                            **({"env": env} if env is not None else {}))
        except Exception as exc:  # no kernel, no kernelspec: the step reports it itself
            _log.debug("no warm kernel: %s", exc)
            shutdown(km)
            return None
        return km

    def take(self) -> Any:
        """The first waiting kernel's manager (the caller shuts it down), or None.

        Waits until the kernel is up and its imports are done: the step could not start
        before that anyway, its cells queue behind the imports in the kernel.
        """
        if not self._waiting:
            return None
        km, warming = self._waiting.popleft()
        warming.join()
        try:
            alive = km.is_alive()
        except Exception:
            alive = False
        if not alive:
            shutdown(km)
            return None
        return km

    def close(self) -> None:
        """Shut the waiting kernels down now, their imports done or not (end of a run, a
        failure, Ctrl-C, a run with every step up to date)."""
        self._drop_spare()
        while self._waiting:
            km, warming = self._waiting.popleft()
            shutdown(km)
            warming.join(timeout=5)  # it sees its kernel gone within a second


def _warm_up(km: Any, modules: list[str] | queue.Queue[list[str] | None],
             timeout: float = 300) -> None:
    """Wait for the kernel, run the imports, wait for them to finish (in a thread); stop
    as soon as the kernel is gone (shut down by :meth:`KernelPool.close`). ``modules`` may
    be a queue the list comes from later (:meth:`KernelPool.launch`; None: stop)."""
    kc = km.client()
    deadline = time.monotonic() + timeout
    try:
        kc.start_channels()
        kc.wait_for_ready(timeout=timeout)
        names = modules.get() if isinstance(modules, queue.Queue) else modules
        if names is None:  # launched, then not needed
            return
        msg_id = kc.execute(_warm_up_code(names), silent=True, store_history=False)
        while time.monotonic() < deadline:
            try:
                reply = kc.get_shell_msg(timeout=0.5)
            except queue.Empty:
                if not km.is_alive():
                    return
                continue
            if reply.get("parent_header", {}).get("msg_id") == msg_id:
                break
    except Exception as exc:  # a kernel that died or hangs: the step will say so itself
        _log.debug("warm-up failed: %s", exc)
    finally:
        with contextlib.suppress(Exception):
            kc.stop_channels()


def shutdown(km: Any) -> None:
    """Shut a kernel down now and remove its connection files; never raises."""
    with contextlib.suppress(Exception):
        km.shutdown_kernel(now=True)
    with contextlib.suppress(Exception):
        km.cleanup_resources()
