"""Everything srs creates is readable by the student only (0600 files, 0700 folders),
whatever the umask: the database, its WAL and shared-memory files, backups, exports."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# Runs in a child with the umask under test; holds the database open (so the WAL and
# -shm files exist) while it reports every mode.
CHILD = """
import os, stat, sys
from pathlib import Path
from srs_cli.main import cli
from srs.store import open_store
folder, sample = Path(sys.argv[1]), sys.argv[2]
db = folder / "new-folder" / "srs.db"
def run(*args):
    try:
        cli(["--db", str(db), *args], standalone_mode=False)
    except SystemExit:
        pass
run("import", sample)
run("import", sample)          # the second import makes an automatic backup
run("backup")
run("export", "-o", str(folder / "out.apkg"))
store = open_store(db)
with store.write():
    store.set_config("probe", "1")   # the WAL now holds a frame
paths = [db.parent, db, Path(f"{db}-wal"), Path(f"{db}-shm"), db.parent / "backups", folder / "out.apkg"]
paths += sorted((db.parent / "backups").iterdir())
for path in paths:
    print(path.name, oct(stat.S_IMODE(path.stat().st_mode)))
store.close()
"""


@pytest.mark.parametrize("umask", [0o022, 0o000])
def test_created_files_are_private_whatever_the_umask(tmp_path: Path, sample: Path, umask: int) -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path), str(sample)],
        capture_output=True,
        text=True,
        preexec_fn=lambda: os.umask(umask),  # noqa: PLW1509 - single-threaded test process
        check=True,
    )
    modes = dict(
        line.split() for line in done.stdout.splitlines() if line.startswith(("srs", "new-folder", "backups", "out"))
    )
    assert modes.pop("new-folder") == "0o700"
    assert modes.pop("backups") == "0o700"
    assert {"srs.db", "srs.db-wal", "srs.db-shm", "out.apkg"} <= set(modes)
    assert len([name for name in modes if name.startswith("srs-")]) == 2  # one import, one manual backup
    assert set(modes.values()) == {"0o600"}, modes


INTERMEDIATE = """
import os, stat, sys
from pathlib import Path
from srs_cli.main import cli
folder, sample = Path(sys.argv[1]), sys.argv[2]
db = folder / "a" / "b" / "c" / "srs.db"
try:
    cli(["--db", str(db), "import", sample], standalone_mode=False)
except SystemExit:
    pass
for path in (folder / "a", folder / "a" / "b", folder / "a" / "b" / "c"):
    print(path.name, oct(stat.S_IMODE(path.stat().st_mode)))
"""


@pytest.mark.parametrize("umask", [0o022, 0o000])
def test_every_folder_srs_creates_is_private(tmp_path: Path, sample: Path, umask: int) -> None:
    """Issue 14, item 15: `mkdir(parents=True)` gave the folders above the last the umask's mode."""
    done = subprocess.run(
        [sys.executable, "-c", INTERMEDIATE, str(tmp_path), str(sample)],
        capture_output=True,
        text=True,
        preexec_fn=lambda: os.umask(umask),  # noqa: PLW1509 - single-threaded test process
        check=True,
    )
    modes = dict(line.split() for line in done.stdout.splitlines() if line.split()[-1].startswith("0o"))
    assert modes == {"a": "0o700", "b": "0o700", "c": "0o700"}, done.stdout + done.stderr
