"""The quick start, end to end through the CLI."""

from __future__ import annotations

import json
import zipfile


def test_sample_import_due_export(srs, sample, tmp_path):
    result = srs("import", str(sample))
    assert result.exit_code == 0, result.output
    assert "93 rows read: 77 new cards, 8 repeated misses, 8 correct attempts, 0 duplicates skipped" in result.output

    due = json.loads(srs("due", "--json").output)
    assert due["cards"] == 77
    assert due["days"][0]["new"] == 20  # the default daily new-card limit

    out = tmp_path / "misses.apkg"
    result = srs("export", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "Wrote 77 notes" in result.output
    with zipfile.ZipFile(out) as archive:
        assert "collection.anki2" in archive.namelist()
