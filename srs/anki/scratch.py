"""Scratch copies of study data (an export being built, an Anki file being read): private,
and named after the process that made them, so that the next run removes the ones a killed
srs left behind (`kill -9` runs no cleanup).

A temporary folder is `srs-export-<pid>-<random>` or `srs-anki-<pid>-<random>` (0700, as
mkdtemp makes it) in the system's temporary folder; a package being written is
`.<name>.srs<pid>-<random>.partial` (0600, as mkstemp makes it) beside its target. One is
stale when its process is gone, or when it is a day old (a reused process id).
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

STALE_AFTER_S = 24 * 3600
_OWNER = re.compile(r"^srs-(?:export|anki)-(\d+)-|\.srs(\d+)-[^.]*\.partial$")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    except OSError:
        return False
    return True


def _stale(path: Path) -> bool:
    found = _OWNER.search(path.name)
    if found is None:
        return False
    try:
        info = path.lstat()
    except OSError:
        return False
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return False  # never another user's files
    return not _alive(int(found.group(1) or found.group(2))) or time.time() - info.st_mtime > STALE_AFTER_S


def remove_stale(folder: Path, pattern: str) -> int:
    """Remove what killed runs left in `folder` matching `pattern`; how many were removed."""
    removed = 0
    with contextlib.suppress(OSError):
        for path in Path(folder).glob(pattern):
            if not _stale(path):
                continue
            with contextlib.suppress(OSError):
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path)
                else:
                    path.unlink()
                removed += 1
    return removed


@contextlib.contextmanager
def work_folder(kind: str) -> Iterator[str]:
    """A private temporary folder `srs-<kind>-<pid>-…`, removed at the end; stale ones of earlier runs go first."""
    prefix = f"srs-{kind}-"
    remove_stale(Path(tempfile.gettempdir()), f"{prefix}*")
    with tempfile.TemporaryDirectory(prefix=f"{prefix}{os.getpid()}-") as work:
        yield work


def partial_beside(out: Path, folder: Path) -> str:
    """A new private (0600) hidden file beside `out` to write it through; stale ones of earlier runs go first."""
    remove_stale(folder, f".{glob.escape(out.name)}.srs*.partial")
    fd, partial = tempfile.mkstemp(prefix=f".{out.name}.srs{os.getpid()}-", suffix=".partial", dir=folder)
    os.close(fd)
    return partial
