"""Writing results to the user's disk, safely.

Every file a command writes (the report, a frontier, ``validate --write``) goes through
here, under four rules:

1. **Checked before any work.** :func:`check_file` and :func:`check_folder` refuse, with one
   line, a missing parent folder, a folder that cannot be written, a path that is a folder,
   a symbolic link, or an existing file without ``force``. Commands call them before a search
   that may take a minute.
2. **Atomic.** :func:`write_file` writes a temporary file in the target's own folder and
   renames it into place (``os.replace``, atomic on POSIX), so a reader sees the old file or
   the new one, never half of one; the temporary file is removed on any failure.
3. **All or nothing.** :func:`write_files` first writes every file of a set (a report and
   its CSVs) to temporary files, and renames them into place only when all were produced;
   Ctrl-C is held off during the renames, so an interruption leaves the previous set intact
   (or nothing) and never a mixture.
4. **Only our own files.** ``force`` replaces files this project names (the report's file
   names), never other files in the folder, and never follows a symbolic link out of it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

from siliconomics.errors import SiliconomicsError


def check_folder(folder: Path, field: str, *, create: bool = False) -> None:
    """``folder`` exists (or, with ``create``, its parent does) and can be written."""
    if folder.is_symlink():
        raise SiliconomicsError(f"{field}: {folder} is a symbolic link; give the folder itself")
    if folder.exists() and not folder.is_dir():
        raise SiliconomicsError(f"{field}: {folder} is a file, not a folder")
    target = folder if folder.exists() or not create else _existing_parent(folder, field)
    if not target.is_dir():
        raise SiliconomicsError(f"{field}: folder {target} does not exist")
    if not os.access(target, os.W_OK | os.X_OK):
        raise SiliconomicsError(f"{field}: cannot write in folder {target} (permission denied)")


def _existing_parent(folder: Path, field: str) -> Path:
    parent = folder.absolute().parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise SiliconomicsError(f"{field}: {parent} is a file, not a folder")
    return parent


def check_file(path: Path, field: str, *, force: bool = False) -> None:
    """``path`` can be written: its folder exists and is writable; it is not a folder or a
    symbolic link; it does not exist yet unless ``force``."""
    if path.is_symlink():
        raise SiliconomicsError(f"{field}: {path} is a symbolic link; not writing through it")
    if path.is_dir():
        raise SiliconomicsError(f"{field}: {path} is a folder, not a file")
    if path.exists() and not force:
        raise SiliconomicsError(f"{field}: {path} exists; not overwriting it (use --force)")
    folder = path.absolute().parent
    if not folder.is_dir():
        raise SiliconomicsError(f"{field}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise SiliconomicsError(f"{field}: cannot write in folder {folder} (permission denied)")


def write_file(path: Path, content: str, field: str, *, force: bool = False) -> None:
    """Write ``content`` (UTF-8) to ``path`` atomically, after :func:`check_file`."""
    write_files(path.absolute().parent, {path.name: content}, field, force=force)


def write_files(folder: Path, contents: Mapping[str, str], field: str, *, force: bool) -> None:
    """Write every ``name -> text`` of ``contents`` into ``folder``, all or nothing."""
    for name in contents:
        check_file(folder / name, field, force=force)
    staged: dict[str, Path] = {}
    try:
        for name, text in contents.items():
            staged[name] = _stage(folder, name, text, field)
        with _no_interrupt():
            for name, tmp in staged.items():
                os.replace(tmp, folder / name)
    finally:
        for tmp in staged.values():
            tmp.unlink(missing_ok=True)


def _stage(folder: Path, name: str, text: str, field: str) -> Path:
    """A temporary file beside the target (same filesystem, so the rename is atomic)."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        raise SiliconomicsError(f"{field}: cannot write {folder / name}: {exc.strerror}") from None
    return Path(tmp)


@contextlib.contextmanager
def _no_interrupt() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) until the block is done, then deliver it.

    Only the main thread may set signal handlers; elsewhere the block runs as is.
    """
    received: list[object] = []
    try:
        previous = signal.signal(signal.SIGINT, lambda *args: received.append(args))
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if received:
            raise KeyboardInterrupt
