"""Provenance stamp: which code and which data produced a result.

:func:`build_stamp` answers "could someone reproduce this page?" with four facts: the package
version, the git commit of the source tree (when it runs from a git checkout), a SHA-256 over
every data file the catalog was loaded from (built-in folder and overlay), and when it was
made. It never fails: a missing git, a tree that is not a checkout or a slow git all give
``git_commit: None``.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import siliconomics
from siliconomics.catalog.loader import Catalog
from siliconomics.catalog.roots import data_dirs

#: Seconds one git call may take before the commit is reported as unknown.
GIT_TIMEOUT_S = 2.0
#: Bytes read at a time while hashing.
CHUNK_BYTES = 1 << 16


def _git(args: list[str], cwd: Path) -> str | None:
    """stdout of ``git args`` run in ``cwd``, or None on any failure. GIT_DIR and
    GIT_WORK_TREE are dropped so that ``cwd`` alone decides which repository answers."""
    env = {k: v for k, v in os.environ.items() if k not in ("GIT_DIR", "GIT_WORK_TREE")}
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def git_commit(package_dir: Path | None = None) -> str | None:
    """Short commit of the checkout the package runs from, else None.

    The package's own ``__init__.py`` must be tracked by that repository: an installed copy
    in a virtual environment that happens to sit inside some other checkout is not that
    checkout's code, so it gets None rather than an unrelated commit.
    """
    pkg = package_dir or Path(siliconomics.__file__).resolve().parent
    if not pkg.is_dir():
        return None
    if _git(["ls-files", "--error-unmatch", "--", "__init__.py"], pkg) is None:
        return None
    return _git(["rev-parse", "--short", "HEAD"], pkg) or None


def _data_files(root: Path) -> Iterator[tuple[str, Path]]:
    """(path relative to ``root`` in POSIX form, path) of every regular file under ``root``,
    sorted by the relative path, skipping hidden files and Python caches."""
    found = []
    for p in root.rglob("*"):
        rel = p.relative_to(root)
        if any(part.startswith(".") or part == "__pycache__" for part in rel.parts):
            continue
        if p.is_file():
            found.append((rel.as_posix(), p))
    yield from sorted(found)


def catalog_sha256(catalog: Catalog) -> str:
    """SHA-256 (hex) over the data files of ``catalog``: the built-in folder, then its
    overlay folder.

    Each file contributes its folder's role (``builtin`` or ``overlay<i>``), its path relative
    to that folder, its length and its bytes, in sorted path order, so the hash depends on the
    content only, not on where the package or the overlay is installed or on directory
    listing order. The length prefix keeps two files from running into each other.
    """
    h = hashlib.sha256()
    for i, root in enumerate(data_dirs(catalog)):
        role = "builtin" if i == 0 else f"overlay{i}"
        for rel, path in _data_files(root):
            h.update(f"{role}/{rel}\0{path.stat().st_size}\0".encode())
            with path.open("rb") as f:
                while chunk := f.read(CHUNK_BYTES):
                    h.update(chunk)
    return h.hexdigest()


def build_stamp(catalog: Catalog, *, now: datetime | None = None) -> dict[str, Any]:
    """{version, git_commit, catalog_sha256, made_utc} for ``catalog``.

    ``made_utc`` is an ISO 8601 date-time in UTC to the second; ``now`` fixes it for tests
    (a naive ``now`` is taken as UTC).
    """
    t = now or datetime.now(UTC)
    t = t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)
    return {
        "version": siliconomics.__version__,
        "git_commit": git_commit(),
        "catalog_sha256": catalog_sha256(catalog),
        "made_utc": t.isoformat(timespec="seconds"),
    }
