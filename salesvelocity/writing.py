"""Writing outputs so that no command can destroy data: reports, exports, quarantine files, mappings.

Every file is written to a temporary file beside its target and renamed into place, so a command killed
mid-write leaves the previous file intact. A target that is the database or one of the command's own
inputs is refused; an existing file is replaced only with ``force`` — or, for the files a command names
by default (``salesvelocity-report.html`` …), when salesvelocity wrote it (its generator mark).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

from salesvelocity.errors import SalesVelocityError

#: Found in the first bytes of every HTML page salesvelocity writes.
GENERATOR_MARK = b'<meta name="generator" content="salesvelocity">'
_NOTHING: dict[Path, str] = {}


class OutputError(SalesVelocityError):
    """An output file or folder that cannot or must not be written."""


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and os.path.samefile(a, b))
    except OSError:
        return False


def _ours(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return GENERATOR_MARK in fh.read(4096)
    except OSError:
        return False


def check_target(
    path: Path,
    *,
    force: bool = False,
    protected: Mapping[Path, str] = _NOTHING,
    default: bool = False,
    folder: bool = False,
) -> None:
    """Raise OutputError unless ``path`` may be written (see the module docstring).

    ``protected`` maps the paths this command must never write (the database, its inputs) to what they
    are, for the message.
    """
    for other, what in protected.items():
        if _same(path, Path(other)):
            raise OutputError(f"{path} is {what}; writing there would destroy it", hint="choose another output path")
    parent = path.parent
    if not parent.is_dir():
        raise OutputError(
            f"cannot write {path}: the folder {parent} does not exist",
            hint=f"create it first (mkdir -p {parent}) or choose another path",
        )
    if not os.access(parent, os.W_OK):
        raise OutputError(f"cannot write {path}: the folder {parent} is not writable", hint="choose another path")
    if folder:
        if path.exists() and not path.is_dir():
            raise OutputError(f"{path} is a file, not a folder", hint="give a folder for one CSV file per section")
        if path.is_dir() and any(path.iterdir()) and not force:
            raise OutputError(f"the folder {path} is not empty", hint="pass --force to replace what is in it")
        return
    if path.is_dir():
        raise OutputError(f"{path} is a folder", hint="give a file name, e.g. report.html")
    if path.exists() and not force and not (default and _ours(path)):
        raise OutputError(f"{path} exists already", hint="pass --force to replace it, or choose another path")


def write_file(
    path: Path,
    content: str | bytes,
    *,
    force: bool = False,
    protected: Mapping[Path, str] = _NOTHING,
    default: bool = False,
) -> Path:
    """Write ``content`` to ``path`` atomically after ``check_target``; return the path."""
    check_target(path, force=force, protected=protected, default=default)
    data = content.encode("utf-8") if isinstance(content, str) else content
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(temp, 0o644 & ~_umask())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    return path


def write_folder(
    folder: Path, files: dict[str, str | bytes], *, force: bool = False, protected: Mapping[Path, str] = _NOTHING
) -> list[Path]:
    """Write ``files`` (name → content) as the whole content of ``folder``, never a mix of old and new.

    They go into a fresh folder beside it, which then takes the old folder's place.
    """
    check_target(folder, force=force, protected=protected, folder=True)
    staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}."))
    try:
        for name, content in files.items():
            data = content.encode("utf-8") if isinstance(content, str) else content
            (staging / name).write_bytes(data)
            (staging / name).chmod(0o644 & ~_umask())
        staging.chmod(0o755 & ~_umask())
        if folder.exists():
            old = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.old."))
            os.rmdir(old)
            os.replace(folder, old)
            os.replace(staging, folder)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return [folder / name for name in files]


#: The user's umask when the command started: reports and exports follow it, while the command itself
#: runs under 077 (``private_files``) so that the database and its write-ahead log stay private.
_user_umask: int | None = None


def private_files() -> None:
    """From now on every file this process creates is readable by its owner only, except the outputs
    written here, which keep the user's usual permissions."""
    global _user_umask
    if _user_umask is None:
        _user_umask = os.umask(0o077)


def _umask() -> int:
    if _user_umask is not None:
        return _user_umask
    current = os.umask(0)
    os.umask(current)
    return current
