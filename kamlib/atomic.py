"""Small file utilities every step needs: hashing, JSON-safe values and atomic writes.

A step writes its outputs aside and swaps them in only when everything succeeded, so that a
failed run leaves the previous results intact; :mod:`kamlib.io` re-exports these names.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

__all__ = [
    "atomic_dir",
    "atomic_write_bytes",
    "atomic_write_json",
    "sha256_file",
    "to_jsonable",
]


def sha256_file(path: str | os.PathLike[str], chunk: int = 1 << 20) -> str:
    """Return the SHA-256 hex digest of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: a temp file in the same folder, then rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def to_jsonable(obj: Any) -> Any:
    """Plain Python for JSON: numpy and pandas scalars unwrapped, NaN → None, periods and
    timestamps as text, containers converted recursively."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, str | bool | int) or obj is None:
        return obj
    if isinstance(obj, float):
        return None if obj != obj else obj
    if hasattr(obj, "item"):  # numpy scalars
        try:
            return to_jsonable(obj.item())
        except (ValueError, AttributeError):
            pass
    return str(obj)


def atomic_write_json(path: str | os.PathLike[str], obj: Any) -> None:
    """Write ``obj`` as pretty UTF-8 JSON, atomically (numpy/pandas values converted)."""
    text = json.dumps(to_jsonable(obj), ensure_ascii=False, indent=2, default=str)
    atomic_write_bytes(path, (text + "\n").encode("utf-8"))


class atomic_dir:  # noqa: N801 - used as a context manager, reads like a function
    """Build a folder's new contents aside and swap it in only if everything succeeded.

    >>> with atomic_dir(work / "00_intake") as tmp:   # doctest: +SKIP
    ...     write_everything_into(tmp)
    # on success the old folder is replaced; on any exception it is left untouched.
    """

    def __init__(self, target: str | os.PathLike[str]) -> None:
        self.target = Path(target)

    def __enter__(self) -> Path:
        self.target.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = Path(tempfile.mkdtemp(prefix=f".{self.target.name}.new.",
                                         dir=self.target.parent))
        os.chmod(self.tmp, 0o777 & ~_umask())
        return self.tmp

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            return
        old = None
        if self.target.exists():
            old = self.target.with_name(f".{self.target.name}.old.{os.getpid()}")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(self.target, old)
        os.replace(self.tmp, self.target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
