"""The report in a real browser: headless Chromium loads the page of a generated student.

No console errors, no network requests but the file itself, every chart drawn, the
hostile topic shown as text, no sideways scrolling on a phone; screenshots (desk,
dark, phone) are kept as test artifacts in the test's tmp_path.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from report_helpers import HOSTILE, assessments, chromium, generated_student, render

from srs import settings as settings_mod
from srs.report.charts import CHARTS
from srs.report.data import gather
from srs.report.html import page
from srs.store import open_store

NOW = datetime(2026, 11, 24, 18, tzinfo=UTC)
BROWSER = chromium()
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        BROWSER is None,
        reason="chromium is not installed (Debian: apt-get install chromium; .ci/run installs it where it can)",
    ),
]


def test_report_renders_in_chromium_with_every_chart_and_nothing_fetched(tmp_path):
    db = tmp_path / "student.db"
    generated_student(db, NOW)
    with open_store(db) as store:
        settings = settings_mod.load(store)
        scores, bands = assessments(settings.day_rule().day_of(NOW))
        report = gather(store, settings, NOW, scores=scores, bands=bands)
    html = tmp_path / "report.html"
    html.write_text(page(report), encoding="utf-8")
    artifacts = Path(os.environ.get("SRS_TEST_ARTIFACTS", tmp_path / "artifacts"))

    done = render(html, artifacts, binary=BROWSER)

    assert done.console == [] and done.exceptions == []
    assert done.requests == [html.resolve().as_uri()]  # the page itself, nothing else
    dom = done.dom
    assert set(dom["charts"]) == {name for name, _, _ in CHARTS}
    for name, chart in dom["charts"].items():
        assert not chart["empty"], name
        assert chart["marks"] > 5 and chart["width"] > 100 and chart["height"] > 50, (name, chart)
    assert HOSTILE in dom["cells"]  # shown as text: a table cell holds it as written ...
    assert any(label.startswith(HOSTILE[:30]) for label in dom["labels"])  # ... and chart labels too
    assert dom["images"] == 0 and dom["scripts"] == 0 and dom["title"] != "pwned"  # ... never run
    assert dom["phone_widest"] <= 400  # fits a phone's width: nothing scrolls sideways
    for shot in done.screenshots:
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
