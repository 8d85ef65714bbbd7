"""Atomic file writes: a reader sees the old file or the new one, never half of one.

The new text goes to a temporary file in the same directory, is flushed and fsynced,
gets the mode of the file it replaces, and is then renamed over it with
:func:`os.replace`; finally the directory is fsynced so the rename itself is durable.
With ``backup=True`` the previous content stays beside the file as ``<name>~`` (the
backup-file convention of Emacs and many other tools, ignored by most global
gitignores). If anything fails before the rename, the original file is untouched and
the temporary file is removed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from pathlib import Path

BACKUP_SUFFIX = "~"


def backup_path(path: Path) -> Path:
    """Where :func:`write_atomic` keeps the previous version of ``path``."""
    return path.with_name(path.name + BACKUP_SUFFIX)


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _fsync_directory(directory: Path) -> None:
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
    try:
        fd = os.open(directory, flags)
    except OSError:  # e.g. Windows cannot open directories
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomic(path: Path, text: str, *, backup: bool = True) -> None:
    """Replace ``path`` with ``text`` (UTF-8, newlines written as given) atomically.

    A symlink is followed, so the link stays and its target is replaced. The file's mode
    is preserved (a new file gets the default mode for the umask). With ``backup`` the
    previous content is kept as ``<name>~``.
    """
    target = Path(os.path.realpath(path))
    directory = target.parent
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
        exists = True
    except FileNotFoundError:
        mode = _default_mode()
        exists = False
    data = text.encode("utf-8")
    fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp, mode)
        if backup and exists:
            _keep_backup(target)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    _fsync_directory(directory)


def _keep_backup(target: Path) -> None:
    """Make ``<name>~`` a copy of the current file (a hard link where possible)."""
    backup = backup_path(target)
    staging = target.with_name(f".{target.name}.bak-staging")
    with contextlib.suppress(FileNotFoundError):
        staging.unlink()
    try:
        os.link(target, staging)
    except OSError:
        shutil.copy2(target, staging)
    os.replace(staging, backup)
