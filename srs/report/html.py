"""The progress report as one self-contained HTML page.

Charts are inline SVG drawn beforehand (srs.report.charts), styles are inline,
and a Content-Security-Policy forbids scripts and every network fetch: the file
opens the same on a laptop, a phone or offline. All student text is escaped
here or by Vega's SVG renderer; nothing the student wrote becomes markup.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from html import escape

from .charts import CHARTS, INK, Spec, render_svg, specs
from .data import PASS_LINES, REVIEW_DAYS, TIMELINE_WEEKS, AreaBar, ForecastDay, Report

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"

STYLE = f"""
:root {{ --bg: #ffffff; --fg: #1d1f23; --muted: #5f6670; --card: #f5f6f8; --line: #d9dce1; --accent: #4c78a8; }}
@media (prefers-color-scheme: dark) {{
  :root {{ --bg: #111315; --fg: #e6e7e9; --muted: #a3a9b2; --card: #1b1e22; --line: #33373d; --accent: #7aa6d6; }}
}}
* {{ box-sizing: border-box; }}
html {{ color-scheme: light dark; -webkit-text-size-adjust: 100%; }}
body {{ margin: 0; background: var(--bg); color: var(--fg);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }}
main {{ max-width: 1180px; margin: 0 auto; padding: 16px clamp(10px, 3vw, 28px) 40px; }}
h1 {{ font-size: 1.6rem; margin: 8px 0 2px; }}
h2 {{ font-size: 1.2rem; margin: 28px 0 10px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }}
h3 {{ font-size: 0.95rem; margin: 0 0 6px; color: var(--muted); font-weight: 600; }}
p.meta, .note, figcaption {{ color: var(--muted); }}
.tiles {{ display: grid; grid-template-columns: repeat(auto-fit, minmax(140px, 1fr)); gap: 10px; margin: 14px 0; }}
.tile {{ background: var(--card); border-radius: 10px; padding: 10px 12px; }}
.tile b {{ display: block; font-size: 1.35rem; }}
.tile span {{ color: var(--muted); font-size: 0.85rem; }}
.grid {{ display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 500px), 1fr)); gap: 14px; }}
figure.chart {{ margin: 0; background: var(--card); border-radius: 10px; padding: 12px; min-width: 0; }}
figure.chart svg {{ display: block; max-width: 100%; height: auto; overflow: visible; }}
figure.chart svg text[fill="{INK}"] {{ fill: var(--fg); }}
figure.chart svg [stroke="{INK}"] {{ stroke: var(--muted); }}
p.empty {{ background: var(--card); border-radius: 10px; padding: 14px; color: var(--muted); margin: 0; }}
table {{ border-collapse: collapse; width: 100%; font-size: 0.9rem; }}
th, td {{ text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }}
td.n, th.n {{ text-align: right; font-variant-numeric: tabular-nums; }}
.scroll {{ overflow-x: auto; }}
details {{ margin-top: 10px; }}
summary {{ cursor: pointer; color: var(--accent); }}
footer {{ margin-top: 36px; color: var(--muted); font-size: 0.85rem; }}
"""

CAPTIONS = {
    "weak-topics": "Topics by misses (Qbank misses and failed reviews), with Qbank accuracy",
    "weak-subjects": "Subjects by misses, with Qbank accuracy",
    "weak-systems": "Systems: your share of misses beside the USMLE outline's share of the exam",
    "reasons": "Why you missed them, per subject",
    "scores": f"Self-assessment scores, with the {PASS_LINES[0]:.0f}% and {PASS_LINES[1]:.0f}% lines, "
    "the trend and the exam date",
    "bands": "Content-area bands on each assessment",
    "reviews": f"Answers per day, the last {REVIEW_DAYS} days",
    "retention": "True retention: measured recall of reviews (bar) vs the desired retention (tick), per tier",
    "forecast": "Reviews per day ahead",
    "timeline": f"Misses per week by subject, the last {TIMELINE_WEEKS} weeks",
    "calibration": "Calibration: predicted vs observed recall, in bins (closer to the diagonal is better)",
}
SECTIONS = (
    ("weak", "Weak areas"),
    ("scores", "Self-assessments"),
    ("reviews", "Reviews and retention"),
    ("forecast", "The workload ahead"),
    ("timeline", "Miss timeline"),
    ("fit", "FSRS fit"),
)


def render_charts(report: Report, render: Callable[[Spec], str] = render_svg) -> dict[str, str | None]:
    """Every chart's SVG by id (None where there is nothing to draw). One after another:
    vl-convert draws on one engine, and threads made it slower (1.5 s vs 1.0 s for nine)."""
    return {name: None if spec is None else render(spec) for name, spec in specs(report).items()}


def page(report: Report, svgs: Mapping[str, str | None] | None = None) -> str:
    """The whole page as text; `svgs` are the drawn charts (drawn here when not given)."""
    drawn = render_charts(report) if svgs is None else svgs
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="color-scheme" content="light dark">',
        f"<title>srs progress report, {report.today:%d %b %Y}</title>",
        f"<style>{STYLE}</style></head><body><main>",
        _header(report),
    ]
    for section, title in SECTIONS:
        parts.append(f'<section id="{section}"><h2>{escape(title)}</h2>')
        parts.append(_section_body(report, section, drawn))
        parts.append("</section>")
    parts.append(
        f"<footer>Made by srs on {report.generated:%Y-%m-%d %H:%M} UTC from your own log. "
        "This file runs no script and loads nothing from the network.</footer>"
    )
    parts.append("</main></body></html>")
    return "\n".join(parts)


def _header(report: Report) -> str:
    tiles = [("cards", f"{report.cards:,}"), ("reviews in all", f"{report.reviews_total:,}")]
    recent = [r for r in report.retention if r.days == 30 and r.judged]
    if recent:
        judged = sum(r.judged for r in recent)
        tiles.append(("true retention, 30 days", f"{sum(r.recalled for r in recent) / judged:.1%}"))
    week = report.reviews[-7:]
    tiles.append(("answers, last 7 days", f"{sum(d.reviews for d in week):,}"))
    if report.exam_date is not None:
        left = (report.exam_date - report.today).days
        tiles.append((f"exam {report.exam_date:%d %b %Y}", f"{left} days" if left >= 0 else "past"))
    if report.scores:
        last = report.scores[-1]
        tiles.append((f"latest: {last.kind} {last.form}".strip(), f"{last.percent:.0f}%"))
    tile_html = "".join(f'<div class="tile"><b>{escape(v)}</b><span>{escape(k)}</span></div>' for k, v in tiles)
    return (
        "<header><h1>Progress report</h1>"
        f'<p class="meta">Study day {report.today:%A %d %B %Y}</p>'
        f'<div class="tiles">{tile_html}</div></header>'
    )


def _chart(name: str, drawn: Mapping[str, str | None], empty: str) -> str:
    svg = drawn.get(name)
    if not svg:
        return f'<p class="empty" id="chart-{name}" data-empty="1">{escape(empty)}</p>'
    return f'<figure class="chart" id="chart-{name}"><h3>{escape(CAPTIONS[name])}</h3>{svg}</figure>'


def _section_body(report: Report, section: str, drawn: Mapping[str, str | None]) -> str:
    note = report.notes.get(section, "")
    charts = [name for name, where, _ in CHARTS if where == section]
    if section == "scores":
        charts = ["scores", "bands"]
    notes = {name: report.notes.get("bands" if name == "bands" else section, "Nothing to show yet.") for name in charts}
    if section == "weak" and not note:
        notes["reasons"] = "No reasons recorded: a `reason` column in your miss log fills this in."
    body = '<div class="grid">' + "".join(_chart(n, drawn, notes[n]) for n in charts) + "</div>"
    if section == "weak" and not note:
        body += _weak_tables(report)
    elif section == "scores" and report.trend is not None:
        t = report.trend
        body += f'<p class="note">Trend: {t.slope_per_week:+.1f} points a week over {t.points} scores'
        body += f"; {t.at_exam:.0f}% by the exam at this pace.</p>" if t.at_exam is not None else ".</p>"
    elif section == "reviews":
        body += _retention_table(report)
    elif section == "forecast" and report.forecast is not None and _ahead(report.forecast.days, note):
        days = report.forecast.days
        body += f'<p class="note">{escape(note)} ' if note else '<p class="note">'
        total = sum(d.reviews for d in days)
        body += f"{total:,} reviews over {len(days)} days, {max(d.reviews for d in days):,} at most in a day"
        if report.forecast.sampled > 1:
            body += f" (estimated from 1 in {report.forecast.sampled} studied cards)"
        body += ".</p>"
    elif section == "fit" and report.fit is not None:
        body += _fit_table(report)
    return body


def _ahead(days: Sequence[ForecastDay], note: str) -> bool:
    """Whether to sum the days ahead: not when all are empty and the note says why."""
    return any(d.reviews for d in days) or not note


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _weak_tables(report: Report) -> str:
    out = ["<details><summary>The tables behind the weak-area charts</summary>"]
    for group, areas in report.areas.items():
        if not areas:
            continue
        rows = "".join(_area_row(a) for a in areas)
        outline = "<th>USMLE outline</th>" if group == "system" else ""
        out.append(
            f'<h3>{escape(group.title())}s</h3><div class="scroll"><table><thead><tr><th>{escape(group)}</th>'
            f'<th class="n">misses</th><th class="n">share</th><th class="n">accuracy</th><th>why</th>{outline}'
            f"</tr></thead><tbody>{rows}</tbody></table></div>"
        )
    out.append("</details>")
    return "".join(out)


def _area_row(area: AreaBar) -> str:
    why = ", ".join(f"{reason} {n}" for reason, n in area.reasons[:3])
    outline = f"<td>{escape(area.outline or '–')}</td>" if area.group == "system" else ""
    return (
        f'<tr><td class="area">{escape(area.name)}</td><td class="n">{area.misses}</td>'
        f'<td class="n">{_pct(area.share)}</td><td class="n">{_pct(area.accuracy)}</td>'
        f"<td>{escape(why)}</td>{outline}</tr>"
    )


def _retention_table(report: Report) -> str:
    if not any(r.judged for r in report.retention):
        return ""
    rows = "".join(
        f"<tr><td>{escape(r.tier)}</td><td>last {r.days} days</td><td class='n'>{r.judged:,}</td>"
        f"<td class='n'>{'–' if r.rate is None else f'{r.rate:.1%}'}</td><td class='n'>{r.desired:.0%}</td></tr>"
        for r in report.retention
    )
    return (
        '<div class="scroll"><table><thead><tr><th>tier</th><th>window</th><th class="n">reviews judged</th>'
        f'<th class="n">recalled</th><th class="n">desired</th></tr></thead><tbody>{rows}</tbody></table></div>'
        '<p class="note">Judged: review answers given a study day or more after the card\'s previous one.</p>'
    )


def _fit_table(report: Report) -> str:
    fit = report.fit
    assert fit is not None

    def cell(value: float | None) -> str:
        return "–" if value is None else f"{value:.4f}"

    rows = "".join(
        f"<tr><td>{label}</td><td class='n'>{cell(getattr(fit.default, key))}</td>"
        f"<td class='n'>{cell(getattr(fit.fitted, key))}</td><td>{better}</td></tr>"
        for key, label, better in (
            ("log_loss", "log loss", "lower is better"),
            ("rmse_bins", "RMSE (bins)", "lower is better"),
            ("auc", "AUC", "higher is better"),
        )
    )
    return (
        '<div class="scroll"><table><thead><tr><th></th><th class="n">default</th><th class="n">fitted</th><th></th>'
        f"</tr></thead><tbody>{rows}</tbody></table></div>"
        f'<p class="note">On your latest {fit.judged:,} answers'
        + (f" (those of 1 in {fit.sampled} cards)" if fit.sampled > 1 else "")
        + "; the parameters were fitted on "
        f"{fit.fitted_on:%d %b %Y} from {fit.trained_on:,} reviews, these among them. "
        "<code>srs evaluate</code> judges them on reviews they have not seen.</p>"
    )
