"""Atomic file writes: a reader sees the old file or the new one, never half of one.

The new text goes to a temporary file in the same directory, is flushed and fsynced,
gets the mode of the file it replaces, and is then renamed over it with
:func:`os.replace`; finally the directory is fsynced so the rename itself is durable.
With ``backup=True`` the previous content stays beside the file as ``<name>~`` (the
backup-file convention of Emacs and many other tools, ignored by most global
gitignores).

A read-only file (no write permission bit, or not writable by this user) is refused
with :class:`PermissionError`: the rename would otherwise replace it, since replacing
needs only the directory's permission. Every failure raises an :class:`OSError`
subclass whose message names the file; the original file is then untouched and no
temporary file is left behind.
"""

from __future__ import annotations

import contextlib
import errno
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


def _error(kind: type[OSError], code: int | None, message: str) -> OSError:
    """An ``OSError`` of ``kind`` whose ``str()`` is exactly ``message`` (``errno`` kept)."""
    try:
        error = kind(message)
    except Exception:  # a subclass with another constructor
        error = OSError(message)
    error.errno = code
    return error


def _failed(path: Path, doing: str, cause: BaseException) -> OSError:
    """``cause`` restated with the file's path (an OSError keeps its class and errno)."""
    if isinstance(cause, OSError):
        reason = cause.strerror or str(cause) or type(cause).__name__
        return _error(type(cause), cause.errno, f"{path}: cannot {doing}: {reason}")
    return _error(OSError, errno.EINVAL, f"{path}: cannot {doing}: {cause}")


def write_atomic(path: Path, text: str, *, backup: bool = True) -> None:
    """Replace ``path`` with ``text`` (UTF-8, newlines written as given) atomically.

    A symlink is followed, so the link stays and its target is replaced. The file's mode
    is preserved (a new file gets the default mode for the umask). With ``backup`` the
    previous content is kept as ``<name>~``. A read-only file raises
    :class:`PermissionError` ("<path> is read-only"); any other failure raises an
    :class:`OSError` naming ``path``. On failure the file is unchanged and no temporary
    file remains.
    """
    target = Path(os.path.realpath(path))
    directory = target.parent
    try:
        info = target.stat()
    except FileNotFoundError:
        mode = _default_mode()
        exists = False
    except OSError as error:
        raise _failed(path, "write the file", error) from error
    else:
        if stat.S_ISDIR(info.st_mode):
            raise _error(IsADirectoryError, errno.EISDIR, f"{path} is a directory")
        mode = stat.S_IMODE(info.st_mode)
        exists = True
        # root may write anything; a file nobody may write is still read-only for us
        if not mode & 0o222 or not os.access(target, os.W_OK):
            raise _error(PermissionError, errno.EACCES, f"{path} is read-only")
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise _failed(path, "write the file", error) from error
    try:
        fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as error:
        raise _failed(path, f"create a temporary file in {directory}", error) from error
    temp = Path(temp_name)
    doing = "write the file"
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp, mode)
        if backup and exists:
            doing = f"keep the backup {backup_path(path)}"
            _keep_backup(target)
        doing = "replace the file"
        os.replace(temp, target)
    except BaseException as error:
        with contextlib.suppress(OSError):
            temp.unlink()
        if isinstance(error, OSError):
            raise _failed(path, doing, error) from error
        raise
    _fsync_directory(directory)


def _keep_backup(target: Path) -> None:
    """Make ``<name>~`` a copy of the current file (a hard link where possible)."""
    backup = backup_path(target)
    staging = target.with_name(f".{target.name}.bak-staging")
    with contextlib.suppress(FileNotFoundError):
        staging.unlink()
    try:
        try:
            os.link(target, staging)
        except OSError:
            shutil.copy2(target, staging)
        os.replace(staging, backup)
    except BaseException:
        with contextlib.suppress(OSError):
            staging.unlink()
        raise
