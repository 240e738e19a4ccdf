"""The report's key numbers as text for an 80-column terminal: sparklines and bars.

Pure functions over the report records; the caller decides on colour (ANSI
escapes only when `color` is true, e.g. not with NO_COLOR or a pipe).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .data import Report, Retention

WIDTH = 80
TICKS = "▁▂▃▄▅▆▇█"
BLOCKS = " ▏▎▍▌▋▊▉█"
SPARK = 40  # longest sparkline
BAR = 24
NAME = 26
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def sparkline(values: Sequence[float], width: int = SPARK) -> str:
    """One character per value (averaged into `width` buckets when there are more);
    the lowest value is ▁, the highest █, all-equal values a flat ▁ line."""
    if not values:
        return ""
    points = list(values)
    if len(points) > width:
        points = [
            sum(chunk) / len(chunk)
            for i in range(width)
            if (chunk := points[i * len(values) // width : (i + 1) * len(values) // width])
        ]
    low, high = min(points), max(points)
    if high == low:
        return TICKS[0] * len(points)
    return "".join(TICKS[min(len(TICKS) - 1, int((v - low) / (high - low) * (len(TICKS) - 1) + 0.5))] for v in points)


def bar(value: float, top: float, width: int = BAR) -> str:
    """A horizontal bar of `value` against `top`, in eighths of a character (at least ▏ when > 0)."""
    if top <= 0 or value <= 0:
        return ""
    eighths = max(1, round(min(value, top) / top * width * 8))
    full, part = divmod(eighths, 8)
    return "█" * full + (BLOCKS[part] if part else "")


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


class _Paint:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.color and text else text

    def bold(self, text: str) -> str:
        return self(text, "1")


def stats_lines(report: Report, *, color: bool = False, rows: int = 5) -> list[str]:
    """`srs stats`: the report's key numbers, each line at most 80 columns."""
    paint = _Paint(color)
    out = [
        paint.bold("Progress")
        + f"  study day {report.today:%a %d %b %Y} · {report.cards:,} cards · {report.reviews_total:,} reviews"
    ]
    if report.exam_date is not None:
        left = (report.exam_date - report.today).days
        out.append(f"Exam {report.exam_date:%a %d %b %Y}: " + (f"{left} days left" if left >= 0 else "past"))
    out += _reviews(report, paint)
    out += _scores(report, paint)
    out += _forecast(report, paint)
    for group in ("topic", "system"):
        out += _areas(report, group, rows, paint)
    out += _timeline(report, paint)
    out += _fit(report, paint)
    return [line if _visible(line) <= WIDTH else _cut(line, WIDTH) for line in out]


def _visible(line: str) -> int:
    return len(_ANSI.sub("", line))


def _reviews(report: Report, paint: _Paint) -> list[str]:
    out = ["", paint.bold("Reviews")]
    if not any(d.reviews for d in report.reviews):
        return out + ["  " + report.notes.get("reviews", "No reviews yet.")]
    last30 = [d.reviews for d in report.reviews[-30:]]
    out.append(f"  last 30 days  {sparkline(last30, 30)}  {sum(last30) / len(last30):,.0f}/day, {sum(last30):,} in all")
    for r in report.retention:
        out.append(_retention_line(r, paint))
    return out


def _retention_line(r: Retention, paint: _Paint) -> str:
    label = f"  retention {r.tier:<10} {r.days:>2} days"
    if r.rate is None:
        return f"{label}  –  (no reviews judged yet; desired {r.desired:.0%})"
    mark = paint("▲", "32") if r.rate >= r.desired else paint("▼", "31")
    return f"{label}  {r.rate:6.1%} {mark} desired {r.desired:.0%}  ({r.judged:,} reviews judged)"


def _scores(report: Report, paint: _Paint) -> list[str]:
    out = ["", paint.bold("Self-assessments")]
    if not report.scores:
        return out + ["  " + report.notes.get("scores", "No self-assessments recorded yet.")]
    values = [s.percent for s in report.scores]
    latest = report.scores[-1]
    line = f"  {sparkline(values, 20)}  latest {latest.kind} {latest.form}: {latest.percent:.0f}%"
    if report.trend is not None:
        line += f", {report.trend.slope_per_week:+.1f}/week"
        if report.trend.at_exam is not None:
            line += f", {report.trend.at_exam:.0f}% at the exam"
    out.append(line)
    return out


def _forecast(report: Report, paint: _Paint) -> list[str]:
    forecast = report.forecast
    if forecast is None or not forecast.days:
        return []
    values = [d.reviews for d in forecast.days]
    rest = sum(1 for d in forecast.days if d.rest)
    out = ["", paint.bold("Forecast")]
    if any(values) or "forecast" not in report.notes:  # a row of zeros beside the note would contradict it
        per_day = sum(values) / len(values)
        out.append(f"  next {len(values)} days  {sparkline(values)}  peak {max(values):,}, {per_day:,.0f}/day")
        if rest:
            out.append(f"  {rest} rest day" + ("" if rest == 1 else "s"))
    if "forecast" in report.notes:
        out.append("  " + report.notes["forecast"])
    return out


def _areas(report: Report, group: str, rows: int, paint: _Paint) -> list[str]:
    areas = report.areas.get(group, ())[:rows]
    if not areas:
        return []
    top = areas[0].misses
    out = ["", paint.bold(f"Weak {group}s") + "  (misses, Qbank accuracy)"]
    for area in areas:
        accuracy = "  –" if area.accuracy is None else f"{area.accuracy:3.0%}"
        name = _cut(area.name, NAME)
        out.append(f"  {name:<{NAME}} {paint(f'{bar(area.misses, top):<{BAR}}', '34')} {area.misses:>6} {accuracy:>5}")
    return out


def _timeline(report: Report, paint: _Paint) -> list[str]:
    if not any(w.misses for w in report.timeline):
        return []
    out = ["", paint.bold("Misses per week") + f"  (last {len({w.week for w in report.timeline})} weeks)"]
    subjects = list(dict.fromkeys(w.subject for w in report.timeline))
    for subject in subjects:
        weeks = [w.misses for w in report.timeline if w.subject == subject]
        out.append(
            f"  {_cut(subject, NAME):<{NAME}} {sparkline(weeks):<13}  {sum(weeks):>5} in all, {weeks[-1]} last week"
        )
    return out


def _fit(report: Report, paint: _Paint) -> list[str]:
    fit = report.fit
    if fit is None:
        return []

    def pair(a: float | None, b: float | None) -> str:
        return "–" if a is None or b is None else f"{a:.3f} → {b:.3f}"

    return [
        "",
        paint.bold("FSRS fit") + f"  default → fitted, on your latest {fit.judged:,} answers",
        f"  log loss {pair(fit.default.log_loss, fit.fitted.log_loss)}   "
        f"RMSE(bins) {pair(fit.default.rmse_bins, fit.fitted.rmse_bins)}   AUC {pair(fit.default.auc, fit.fitted.auc)}",
    ]
