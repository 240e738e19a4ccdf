"""The chart engine's own process (srs.report.engine): the same SVG as drawing here, and
the charts still drawn when that process dies."""

from __future__ import annotations

import os
import signal

from srs.report.charts import render_svg
from srs.report.engine import ChartEngine

SPEC = {
    "data": {"values": [{"day": "2026-11-30", "reviews": 12}, {"day": "2026-12-01", "reviews": 30}]},
    "mark": "bar",
    "encoding": {"x": {"field": "day", "type": "ordinal"}, "y": {"field": "reviews", "type": "quantitative"}},
}


def test_the_engine_draws_what_drawing_here_draws_and_keeps_empty_charts_empty():
    with ChartEngine() as engine:
        drawn = engine.draw({"reviews": SPEC, "nothing": None})
        assert engine._pool is not None  # a process of its own on this machine
        helper = set(engine._pool._processes)
    assert drawn == {"reviews": render_svg(SPEC), "nothing": None}
    assert drawn["reviews"].lstrip().startswith("<svg") and os.getpid() not in helper


def test_when_the_engines_process_dies_the_charts_are_drawn_here():
    with ChartEngine() as engine:
        assert engine._pool is not None
        engine.draw({"warm": SPEC})  # the process is up
        for pid in list(engine._pool._processes):
            os.kill(pid, signal.SIGKILL)
        drawn = engine.draw({"reviews": SPEC})
    assert drawn == {"reviews": render_svg(SPEC)}
