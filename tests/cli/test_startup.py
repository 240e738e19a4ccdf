"""`srs review` starts light: the heavy libraries stay out until a command needs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys

HEAVY = ("genanki", "openpyxl", "fsrs_rs_python", "dateutil", "sqlite_utils", "anki", "tzlocal", "vl_convert")

PROBE = """
import json, sys
from srs_cli.main import cli
try:
    cli(["review"], standalone_mode=False)
finally:
    print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})), file=sys.stderr)
"""


def test_review_start_loads_no_heavy_library(srs, sample, db_path):
    assert srs("import", str(sample)).exit_code == 0
    assert srs("config", "set", "timezone", "America/Chicago").exit_code == 0
    env = {**os.environ, "SRS_DB": str(db_path)}
    done = subprocess.run(
        [sys.executable, "-c", PROBE], input="q\n", capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "[1]" in done.stdout  # the first card was shown
    loaded = set(json.loads(done.stderr.strip().splitlines()[-1]))
    assert "srs" in loaded and "fsrs" in loaded
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
