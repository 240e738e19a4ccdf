"""Vega-Lite specs for the report's charts, and their rendering to static SVG.

The SVG is drawn in-process by vl-convert (Vega's own renderer, no browser, no
network), so the page holds finished pictures and runs no script. Text colours
are left to the page's stylesheet (light and dark); data colours read on both.
Each spec function takes report records and returns a spec, or None when there
is nothing to draw (the page then shows a note instead).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .data import (
    PASS_LINES,
    AreaBar,
    BandCell,
    CalibrationBin,
    DayReviews,
    Forecast,
    MissWeek,
    Report,
    Retention,
    ScorePoint,
    Trend,
)

Spec = dict[str, Any]
WIDTH = 560
PALETTE = ["#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2", "#eeca3b", "#9d755d"]
INK = "#444"  # axis and label colour in the SVG; the page's stylesheet sets its own for light and dark
CONFIG: Spec = {
    "background": None,
    "font": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif",
    "view": {"stroke": None},
    "axis": {
        "labelColor": INK,
        "titleColor": INK,
        "domainColor": INK,
        "tickColor": INK,
        "gridColor": "#8884",
        "labelFontSize": 11,
        "titleFontSize": 11,
        "titleFontWeight": "normal",
    },  # fmt: skip
    "legend": {"labelColor": INK, "titleColor": INK, "labelFontSize": 11, "titleFontSize": 11, "orient": "bottom"},
    "title": {"color": INK},
    "text": {"color": INK},
    "range": {"category": PALETTE},
}
BAND_ORDER = ("lower", "borderline", "same", "higher")
BAND_COLORS = ("#e45756", "#eeca3b", "#9ecae9", "#54a24b")


def _spec(body: Spec, height: int | None = None, width: int | None = WIDTH) -> Spec:
    spec: Spec = {"$schema": "https://vega.github.io/schema/vega-lite/v5.json", "config": CONFIG, "padding": 8}
    if width is not None:
        spec["width"] = width
    if height is not None:
        spec["height"] = height
    spec.update(body)
    return spec


def _short(name: str, limit: int = 38) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


# -- weak areas ------------------------------------------------------------------------------


def weak_bars(areas: Sequence[AreaBar]) -> Spec | None:
    """Misses per area, longest bar first, labelled with Qbank accuracy."""
    if not areas:
        return None
    values = [
        {
            "rank": i,
            "name": f"{i + 1}. {_short(a.name)}",
            "misses": a.misses,
            "label": f"{a.misses}" + ("" if a.accuracy is None else f" · {a.accuracy:.0%} right"),
        }
        for i, a in enumerate(areas)
    ]
    y = {"field": "name", "type": "nominal", "sort": {"field": "rank"}, "title": None, "axis": {"labelLimit": 260}}
    return _spec(
        {
            "data": {"values": values},
            "height": {"step": 20},
            "encoding": {"y": y, "x": {"field": "misses", "type": "quantitative", "title": "misses",
                                       "scale": {"domainMax": areas[0].misses * 1.3}}},  # room for the labels
            "layer": [
                {"mark": {"type": "bar", "color": PALETTE[0], "cornerRadiusEnd": 2}},
                {"mark": {"type": "text", "align": "left", "dx": 4, "color": INK},
                 "encoding": {"text": {"field": "label"}}},
            ],
        }
    )  # fmt: skip


def systems_vs_outline(areas: Sequence[AreaBar]) -> Spec | None:
    """Each system's share of the misses beside its share of the exam (the USMLE outline)."""
    rows = [a for a in areas if a.outline_share is not None]
    if not rows:
        return None
    values = []
    for i, a in enumerate(rows):
        name = f"{_short(a.name, 30)}"
        values.append({"rank": i, "name": name, "what": "your misses", "share": a.share})
        values.append({"rank": i, "name": name, "what": "exam outline", "share": a.outline_share})
    return _spec(
        {
            "data": {"values": values},
            "height": {"step": 12},
            "mark": {"type": "bar", "cornerRadiusEnd": 2},
            "encoding": {
                "y": {"field": "name", "type": "nominal", "sort": {"field": "rank"}, "title": None},
                "yOffset": {"field": "what", "sort": ["your misses", "exam outline"]},
                "x": {"field": "share", "type": "quantitative", "axis": {"format": "%"}, "title": "share"},
                "color": {
                    "field": "what",
                    "type": "nominal",
                    "sort": ["your misses", "exam outline"],
                    "scale": {"range": [PALETTE[0], "#9d9d9d"]},
                    "title": None,
                },
            },  # fmt: skip
        }
    )


def reason_mix(areas: Sequence[AreaBar]) -> Spec | None:
    """Why each subject's questions were missed, as shares of its misses with a reason."""
    values = []
    for i, area in enumerate(areas):
        total = sum(n for _, n in area.reasons)
        for reason, n in area.reasons:
            values.append({"rank": i, "name": _short(area.name, 30), "reason": reason, "share": n / total, "n": n})
    if not values:
        return None
    return _spec(
        {
            "data": {"values": values},
            "height": {"step": 20},
            "mark": "bar",
            "encoding": {
                "y": {"field": "name", "type": "nominal", "sort": {"field": "rank"}, "title": None},
                "x": {
                    "field": "share",
                    "type": "quantitative",
                    "stack": "normalize",
                    "axis": {"format": "%"},
                    "title": "share of misses with a reason",
                },
                "color": {"field": "reason", "type": "nominal", "title": None},
            },  # fmt: skip
        }
    )


# -- self-assessments --------------------------------------------------------------------------


def score_line(scores: Sequence[ScorePoint], trend: Trend | None, exam: Any) -> Spec | None:
    """Scores over time with the pass lines, the trend to the exam, and the exam date."""
    if not scores:
        return None
    points = [{"date": s.date.isoformat(), "percent": s.percent, "test": f"{s.kind} {s.form}".strip()} for s in scores]
    lowest = min(40.0, *(s.percent for s in scores))
    highest = max(90.0, *(s.percent for s in scores))
    x = {"field": "date", "type": "temporal", "title": None}
    y = {"field": "percent", "type": "quantitative", "scale": {"domain": [lowest, highest]}, "title": "percent"}
    layers: list[Spec] = [
        {"data": {"values": [{"percent": p, "label": f"{p:.0f}%"} for p in PASS_LINES]},
         "mark": {"type": "rule", "strokeDash": [4, 4], "color": "#e45756"}, "encoding": {"y": y}},
        {"data": {"values": points},
         "mark": {"type": "line", "point": {"filled": True, "size": 50}, "color": PALETTE[0]},
         "encoding": {"x": x, "y": y}},
        {"data": {"values": points}, "mark": {"type": "text", "dy": -10, "fontSize": 10, "color": INK},
         "encoding": {"x": x, "y": y, "text": {"field": "test"}}},
    ]  # fmt: skip
    if trend is not None and exam is not None and trend.at_exam is not None:
        last = scores[-1]
        line = [{"date": last.date.isoformat(), "percent": last.percent},
                {"date": exam.isoformat(),
                 "percent": last.percent + trend.slope_per_week * (exam - last.date).days / 7}]  # fmt: skip
        layers.append({"data": {"values": line}, "mark": {"type": "line", "strokeDash": [2, 3], "color": PALETTE[2]},
                       "encoding": {"x": x, "y": y}})  # fmt: skip
    if exam is not None:
        layers.append({"data": {"values": [{"date": exam.isoformat()}]}, "mark": {"type": "rule", "color": INK},
                       "encoding": {"x": x}})  # fmt: skip
    return _spec({"layer": layers}, height=220)


def band_heatmap(bands: Sequence[BandCell]) -> Spec | None:
    """Content-area bands per assessment: one row per area, one column per assessment."""
    if not bands:
        return None
    order = list(BAND_ORDER) + sorted({b.band for b in bands} - set(BAND_ORDER))
    values = [{"assessment": b.assessment, "area": _short(b.area, 34), "band": b.band} for b in bands]
    assessments = list(dict.fromkeys(b.assessment for b in bands))
    return _spec(
        {
            "data": {"values": values},
            "width": {"step": 70},
            "height": {"step": 18},
            "mark": {"type": "rect", "cornerRadius": 2},
            "encoding": {
                "x": {
                    "field": "assessment",
                    "type": "nominal",
                    "sort": assessments,
                    "title": None,
                    "axis": {"labelAngle": 0, "orient": "top"},
                },
                "y": {"field": "area", "type": "nominal", "title": None, "sort": None, "axis": {"labelLimit": 240}},
                "color": {
                    "field": "band",
                    "type": "nominal",
                    "sort": order,
                    "title": None,
                    "scale": {"domain": order, "range": list(BAND_COLORS) + PALETTE[4:][: len(order) - 4]},
                },
            },  # fmt: skip
        }
    )


# -- reviews and retention ------------------------------------------------------------------------


def reviews_per_day(days: Sequence[DayReviews]) -> Spec | None:
    if not any(d.reviews for d in days):
        return None
    values = []
    for d in days:
        day = d.day.isoformat()
        values.append({"day": day, "kind": "new", "n": d.first})
        values.append({"day": day, "kind": "recalled", "n": d.reviews - d.again - d.first})
        values.append({"day": day, "kind": "again", "n": d.again})
    kinds = ["recalled", "again", "new"]
    return _spec(
        {
            "data": {"values": values},
            "mark": {"type": "bar"},
            "encoding": {
                "x": {
                    "field": "day",
                    "type": "temporal",
                    "timeUnit": "yearmonthdate",
                    "title": None,
                    "axis": {"format": "%d %b"},
                },
                "y": {"field": "n", "type": "quantitative", "title": "answers", "stack": "zero"},
                "color": {
                    "field": "kind",
                    "type": "nominal",
                    "sort": kinds,
                    "title": None,
                    "scale": {"domain": kinds, "range": [PALETTE[0], PALETTE[3], PALETTE[2]]},
                },
                "order": {"field": "kind", "sort": "descending"},
            },  # fmt: skip
        },
        height=180,
    )


def retention_bars(retention: Sequence[Retention]) -> Spec | None:
    """Measured recall per tier and window, with the tier's desired retention as a tick."""
    rows = [r for r in retention if r.judged]
    if not rows:
        return None
    values = [
        {"tier": r.tier, "window": f"last {r.days} days", "rate": r.rate, "desired": r.desired,
         "label": f"{r.rate:.1%} of {r.judged}"}
        for r in rows
    ]  # fmt: skip
    low = max(0.0, min(0.6, *(r.rate or 0 for r in rows)) - 0.05)
    x = {"field": "rate", "type": "quantitative", "scale": {"domain": [low, 1]}, "axis": {"format": "%"},
         "title": "recalled"}  # fmt: skip
    y = {"field": "window", "type": "nominal", "title": None}
    return _spec(
        {
            "data": {"values": values},
            "facet": {"row": {"field": "tier", "type": "nominal", "title": None, "header": {"labelColor": INK}}},
            "spec": {
                "width": WIDTH - 120,
                "height": {"step": 22},
                "layer": [
                    {"mark": {"type": "bar", "color": PALETTE[0], "clip": True}, "encoding": {"x": x, "y": y}},
                    {
                        "mark": {"type": "tick", "color": PALETTE[3], "thickness": 3},
                        "encoding": {"x": {"field": "desired", "type": "quantitative"}, "y": y},
                    },
                    {
                        "mark": {"type": "text", "align": "left", "dx": 4, "color": "white", "x": 0},
                        "encoding": {"y": y, "text": {"field": "label"}},
                    },
                ],
            },  # fmt: skip
        },
        width=None,
    )


def forecast_bars(forecast: Forecast | None, exam: Any) -> Spec | None:
    if forecast is None or not any(d.reviews or d.new for d in forecast.days):
        return None
    values = [
        {"day": d.day.isoformat(), "reviews": d.reviews, "new": d.new, "kind": "rest day" if d.rest else "study day"}
        for d in forecast.days
    ]
    x = {"field": "day", "type": "temporal", "timeUnit": "yearmonthdate", "title": None, "axis": {"format": "%d %b"}}
    encoding: Spec = {"x": x, "y": {"field": "reviews", "type": "quantitative", "title": "reviews"}}
    if any(d.rest for d in forecast.days):
        encoding["color"] = {"field": "kind", "type": "nominal", "title": None,
                             "scale": {"domain": ["study day", "rest day"],
                                       "range": [PALETTE[0], PALETTE[6]]}}  # fmt: skip
    layers: list[Spec] = [{"mark": {"type": "bar", "color": PALETTE[0]}, "encoding": encoding}]
    if exam is not None:
        layers.append({"data": {"values": [{"day": exam.isoformat()}]}, "mark": {"type": "rule", "color": PALETTE[3],
                       "strokeWidth": 2}, "encoding": {"x": {"field": "day", "type": "temporal"}}})  # fmt: skip
    return _spec({"data": {"values": values}, "layer": layers}, height=180)


def miss_timeline(weeks: Sequence[MissWeek]) -> Spec | None:
    if not any(w.misses for w in weeks):
        return None
    values = [{"week": w.week.isoformat(), "subject": _short(w.subject, 30), "misses": w.misses} for w in weeks]
    subjects = list(dict.fromkeys(v["subject"] for v in values))
    return _spec(
        {
            "data": {"values": values},
            "mark": {"type": "line", "point": True},
            "encoding": {
                "x": {"field": "week", "type": "temporal", "title": "week of", "axis": {"format": "%d %b"}},
                "y": {"field": "misses", "type": "quantitative", "title": "misses"},
                "color": {"field": "subject", "type": "nominal", "sort": subjects, "title": None},
            },
        },
        height=200,
    )


def calibration_plot(bins: Sequence[CalibrationBin]) -> Spec | None:
    if not bins:
        return None
    values = [
        {"parameters": b.parameters, "predicted": b.predicted, "observed": b.observed, "n": b.count} for b in bins
    ]
    axis = {"type": "quantitative", "scale": {"domain": [0, 1]}, "axis": {"format": "%"}}
    return _spec(
        {
            "width": 300,
            "height": 300,
            "layer": [
                {"data": {"values": [{"p": 0}, {"p": 1}]},
                 "mark": {"type": "line", "strokeDash": [4, 4], "color": "#999"},
                 "encoding": {"x": {"field": "p", **axis, "title": "predicted recall"},
                              "y": {"field": "p", **axis, "title": "observed recall"}}},
                {"data": {"values": values}, "mark": {"type": "line"},
                 "encoding": {"x": {"field": "predicted", **axis}, "y": {"field": "observed", **axis},
                              "color": {"field": "parameters", "type": "nominal", "title": None,
                                        "sort": ["default", "fitted"]}}},
                {"data": {"values": values}, "mark": {"type": "point", "filled": True},
                 "encoding": {"x": {"field": "predicted", **axis}, "y": {"field": "observed", **axis},
                              "color": {"field": "parameters", "type": "nominal", "sort": ["default", "fitted"]},
                              "size": {"field": "n", "type": "quantitative", "title": "answers"}}},
            ],
        }
    )  # fmt: skip


# -- the charts of a report, in page order ------------------------------------------------------------

CHARTS: tuple[tuple[str, str, Callable[[Report], Spec | None]], ...] = (
    ("weak-topics", "weak", lambda r: weak_bars(r.areas.get("topic", ()))),
    ("weak-subjects", "weak", lambda r: weak_bars(r.areas.get("subject", ()))),
    ("weak-systems", "weak", lambda r: systems_vs_outline(r.areas.get("system", ()))),
    ("reasons", "weak", lambda r: reason_mix(r.areas.get("subject", ()))),
    ("scores", "scores", lambda r: score_line(r.scores, r.trend, r.exam_date)),
    ("bands", "bands", lambda r: band_heatmap(r.bands)),
    ("reviews", "reviews", lambda r: reviews_per_day(r.reviews)),
    ("retention", "reviews", lambda r: retention_bars(r.retention)),
    ("forecast", "forecast", lambda r: forecast_bars(r.forecast, r.exam_date)),
    ("timeline", "timeline", lambda r: miss_timeline(r.timeline)),
    ("calibration", "fit", lambda r: calibration_plot(r.fit.bins if r.fit else ())),
)


def specs(report: Report) -> dict[str, Spec | None]:
    """Every chart's spec by its id (None: nothing to draw)."""
    return {name: build(report) for name, _section, build in CHARTS}


def render_svg(spec: Spec) -> str:
    """A spec drawn as standalone SVG text (labels escaped by Vega's renderer)."""
    import vl_convert

    return str(vl_convert.vegalite_to_svg(spec))


def warm_up() -> None:
    """Start the drawing engine (about half a second), e.g. in a thread while the data is read."""
    render_svg(
        {"data": {"values": [{"x": 1}]}, "mark": "point", "encoding": {"x": {"field": "x", "type": "quantitative"}}}
    )
