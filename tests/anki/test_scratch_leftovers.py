"""Issue 14, item 14: after `kill -9`, copies of study data stayed in the temporary folder
(`srs-export-*`, `srs-anki-*`) and a hidden `.partial` beside the export. They are private
and named after their process, and the next run removes those whose process is gone."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = """
import sys, time
from pathlib import Path
from srs.anki import scratch
out = Path(sys.argv[1])
with scratch.work_folder("export") as work, scratch.work_folder("anki") as other:
    Path(work, "collection.anki2").write_bytes(b"study data")
    partial = scratch.partial_beside(out, out.parent)
    print(work, other, partial, flush=True)
    time.sleep(60)
"""


def test_what_a_killed_export_leaves_is_private_and_removed_by_the_next_run(srs, sample, tmp_path, monkeypatch):
    scratch_dir = tmp_path / "tmp"
    scratch_dir.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch_dir))
    out = tmp_path / "out.apkg"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(out)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "TMPDIR": str(scratch_dir)},
    )
    work, other, partial = child.stdout.readline().split()
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    child.stdout.close()
    left = [Path(work), Path(other), Path(partial)]
    assert all(p.exists() for p in left)
    assert [oct(stat.S_IMODE(p.stat().st_mode)) for p in left] == ["0o700", "0o700", "0o600"]
    assert Path(work).name.startswith(f"srs-export-{child.pid}-")
    assert Path(other).name.startswith(f"srs-anki-{child.pid}-")
    assert Path(partial).name.startswith(f".out.apkg.srs{child.pid}-")
    # A live process's scratch files are left alone, and so are names srs did not make.
    alive = scratch_dir / f"srs-export-{os.getppid()}-live"
    alive.mkdir()
    foreign = scratch_dir / "srs-export-notours"
    foreign.mkdir()
    assert srs("import", str(sample)).exit_code == 0
    exported = srs("export", "-o", str(out))
    assert exported.exit_code == 0, exported.output
    assert not Path(work).exists() and not Path(partial).exists()
    assert Path(other).exists()  # srs-anki-* go when Anki files are next read
    assert alive.exists() and foreign.exists()
    assert sorted(p.name for p in scratch_dir.iterdir()) == sorted([Path(other).name, alive.name, foreign.name])
    assert [p.name for p in tmp_path.glob(".out.apkg.*")] == []


def test_an_old_scratch_folder_of_a_reused_process_id_goes_too(tmp_path):
    from srs.anki import scratch

    old = tmp_path / f"srs-anki-{os.getpid() + 0}-x"  # our own id: alive
    old.mkdir()
    assert scratch.remove_stale(tmp_path, "srs-anki-*") == 0
    day_ago = time.time() - scratch.STALE_AFTER_S - 60
    other = tmp_path / "srs-anki-1-y"  # init: alive, but a day old
    other.mkdir()
    os.utime(other, (day_ago, day_ago))
    assert scratch.remove_stale(tmp_path, "srs-anki-*") == 1
    assert old.exists() and not other.exists()
