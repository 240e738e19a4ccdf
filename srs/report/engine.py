"""The chart engine in a process of its own, started before the log is read.

vl-convert holds the GIL while it starts (about half a second) and while it draws, so a
thread cannot overlap it with reading the log: measured, a thread warming the engine made
the reading slower by as much as the warm-up took. A second process runs beside the
reading on another core; the specs go to it and the SVG text comes back. Where a process
cannot be started, the charts are drawn here, as before.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from types import TracebackType

from srs.report.charts import Spec, render_svg, warm_up


def draw_all(specs: Mapping[str, Spec]) -> dict[str, str]:
    """Every spec drawn, by id (one after another: vl-convert draws on one engine)."""
    return {name: render_svg(spec) for name, spec in specs.items()}


class ChartEngine:
    """`with ChartEngine() as engine: ...; engine.draw(specs)`: the engine warms up meanwhile."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._warm: Future[None] | None = None
        try:
            # spawn, not fork: a fork of a process whose engine already runs (its threads and
            # locks copied mid-use) hangs; a fresh interpreter costs a few tenths of a second,
            # spent beside the reading
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=context)
            self._warm = self._pool.submit(warm_up)
        except (OSError, ValueError, NotImplementedError):  # no processes here: draw in this one
            self._pool = None

    def draw(self, specs: Mapping[str, Spec | None]) -> dict[str, str | None]:
        """The SVG of each spec by id (None where the spec is None: nothing to draw)."""
        todo = {name: spec for name, spec in specs.items() if spec is not None}
        drawn: dict[str, str] | None = None
        if self._pool is not None:
            try:
                drawn = self._pool.submit(draw_all, todo).result()
            except (BrokenProcessPool, OSError):  # the helper died (killed, out of memory): draw here
                drawn = None
        if drawn is None:
            drawn = draw_all(todo)
        return {name: drawn.get(name) for name in specs}

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> ChartEngine:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()
