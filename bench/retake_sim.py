"""Does the priority pay? A simulated retake cohort under each ordering policy.

    python bench/retake_sim.py                  # the full run (docs/priority.md), about 5 min on 2 cores
    python bench/retake_sim.py --quick          # a small cohort (the test suite runs this)
    python bench/retake_sim.py --plot docs/retake_sim.png --json results.json

Each policy studies the same students (same weaknesses, memories, Qbank draws and exam)
for 6, 8 and 12 weeks at a fixed number of review minutes a day; the table gives the
expected exam score with a 95 % interval over students, the paired gain over plain FSRS
due order, the review minutes spent and the minutes per point gained. See
srs/plan/simulation.py for the model.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, replace
from functools import lru_cache

from srs.plan.simulation import Cohort, CohortSpec, Plan, Policy, make_cohort, run, summarise

REFERENCE = "fsrs-due"
SRS = "srs defaults (miss x blueprint + tier)"  # before this run; now shipped: "miss x blueprint"


def policies() -> list[Policy]:
    off = {"high_yield_retention": None}
    tier = {"high_yield_retention": 0.95}  # the tier as srs shipped it until this run turned it off
    return [
        Policy("random", order="random", **off),
        Policy(REFERENCE, order="due", **off),
        Policy("fsrs-due + tier", order="due", **tier),
        Policy("miss", exam_tilt=0.0, **off),
        Policy("miss + tier", exam_tilt=0.0, **tier),
        Policy("miss x blueprint", **off),
        Policy(SRS, **tier),
        Policy("srs, half-life 7", half_life=7.0, **tier),
        Policy("srs, half-life 14", half_life=14.0, **tier),
        Policy("srs, half-life 60", half_life=60.0, **tier),
        Policy("srs, no half-life", half_life=math.inf, **tier),
        Policy("srs, tilt 0.5", exam_tilt=0.5, **tier),
        Policy("srs, tilt 1", exam_tilt=1.0, **tier),
        Policy("srs, high-yield at 2", high_yield_misses=2, **tier),
        Policy("srs, high-yield at 5", high_yield_misses=5, **tier),
        Policy("srs, retention 0.90/0.97", high_yield_retention=0.97),
        Policy("srs, no subject/system term", subject=0.0, system=0.0, **tier),
        Policy("srs, no recall factor", recall_factor=False, **tier),
        Policy("miss x blueprint, half-life 7", half_life=7.0, **off),
        Policy("miss x blueprint, half-life 14", half_life=14.0, **off),
        Policy("miss x blueprint, no half-life", half_life=math.inf, **off),
        Policy("miss x blueprint, tilt 1", exam_tilt=1.0, **off),
    ]




QUICK = CohortSpec(students=12, topics=60, facts_per_topic=4, exam_questions=120, prior_questions=200)


@lru_cache(maxsize=2)
def cohort(spec: CohortSpec, seed: int) -> Cohort:
    return make_cohort(spec, seed)


def job(spec: CohortSpec, seed: int, policy: Policy, plan: Plan):
    return run(cohort(spec, seed), policy, plan, seed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small cohort, two weeks (the tests run this)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--students", type=int, default=None)
    parser.add_argument("--weeks", type=int, nargs="+", default=None)
    parser.add_argument("--minutes", type=float, nargs="+", default=None, help="review minutes a study day")
    parser.add_argument("--qbank-follows-blueprint", type=float, default=1.0)
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--json", help="write every row here")
    parser.add_argument("--plot", help="write a PNG of the gains over fsrs-due here (needs matplotlib: the sim extra)")
    args = parser.parse_args(argv)

    spec = QUICK if args.quick else CohortSpec()
    spec = replace(spec, qbank_follows_blueprint=args.qbank_follows_blueprint)
    if args.students:
        spec = replace(spec, students=args.students)
    weeks = args.weeks or ([2] if args.quick else [6, 8, 12])
    minutes = args.minutes or ([5.0] if args.quick else [20.0, 45.0])
    base = Plan(qbank_per_day=12, new_per_day=8) if args.quick else Plan()
    plans = [replace(base, days=7 * w, minutes=m) for m in minutes for w in weeks]
    chosen = policies()

    started = time.perf_counter()
    tasks = [(spec, args.seed, p, plan) for plan in plans for p in chosen]
    if args.jobs > 1:
        with ProcessPoolExecutor(args.jobs) as pool:
            results = list(pool.map(job, *zip(*tasks, strict=False), chunksize=1))
    else:
        results = [job(*t) for t in tasks]
    seconds = time.perf_counter() - started

    rows = []
    print(f"retake_sim: seed {args.seed}, {spec.students} students, {spec.topics} topics x {spec.facts_per_topic} "
          f"questions, Qbank {base.qbank_per_day}/study day, rest every {base.rest_every}th day; {seconds:.0f} s "
          f"on {args.jobs} processes\n")
    for plan in plans:
        group = [r for r in results if r.plan == plan]
        summary = summarise(group, REFERENCE)
        versus = {s.name: s for s in summarise(group, SRS)}
        start = group[0].start.mean() * 100
        print(f"### {plan.days // 7} weeks, {plan.minutes:g} review minutes a study day (start {start:.1f} %)\n")
        print("| policy | exam score % [95 % CI] | vs fsrs-due, points [95 % CI] | vs srs defaults | review min | min/point |")
        print("|---|---|---|---|---|---|")
        best = max(summary, key=lambda s: s.gain)
        for s in summary:
            v = versus[s.name]
            mark = " **best**" if s is best else ""
            print(f"| {s.name}{mark} | {s.mean:.2f} [{s.low:.2f}, {s.high:.2f}] | {s.gain:+.2f} "
                  f"[{s.gain_low:+.2f}, {s.gain_high:+.2f}] | {v.gain:+.2f} [{v.gain_low:+.2f}, {v.gain_high:+.2f}] | "
                  f"{s.minutes:.0f} | {s.minutes_per_point:.1f} |")
            rows.append({"weeks": plan.days // 7, "minutes_per_day": plan.minutes, "start": start, **asdict(s),
                         "vs_srs": [v.gain, v.gain_low, v.gain_high]})
        print()
    for budget in minutes:
        print(compact(rows, budget))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(rows, out, indent=1)
    if args.plot:
        plot(rows, args.plot, args.seed, spec.students)
    return 0


def compact(rows: list[dict], budget: float) -> str:
    """One line per policy: score [95 % CI] and paired gain over fsrs-due at each length."""
    weeks = sorted({r["weeks"] for r in rows})
    sel = [r for r in rows if r["minutes_per_day"] == budget]
    lines = [f"### All lengths, {budget:g} review minutes a study day: score % [95 % CI] / gain over fsrs-due, points [95 % CI]\n"]
    lines.append("| policy | " + " | ".join(f"{w} weeks" for w in weeks) + " | min/point (" + f"{weeks[-1]} weeks) |")
    lines.append("|---" * (len(weeks) + 2) + "|")
    for name in dict.fromkeys(r["name"] for r in sel):
        by = {r["weeks"]: r for r in sel if r["name"] == name}
        cells = [f"{by[w]['mean']:.1f} [{by[w]['low']:.1f}, {by[w]['high']:.1f}] / {by[w]['gain']:+.2f} "
                 f"[{by[w]['gain_low']:+.2f}, {by[w]['gain_high']:+.2f}]" for w in weeks]
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {by[weeks[-1]]['minutes_per_point']:.1f} |")
    return "\n".join(lines) + "\n"


def plot(rows: list[dict], path: str, seed: int, students: int) -> None:
    try:
        import matplotlib
    except ImportError:
        print("no plot: matplotlib is not installed (pip install -e '.[sim]')", file=sys.stderr)
        return
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    budgets = sorted({r["minutes_per_day"] for r in rows})
    weeks = sorted({r["weeks"] for r in rows})
    names = list(dict.fromkeys(r["name"] for r in rows))
    fig, axes = plt.subplots(1, len(budgets), figsize=(7 * len(budgets), 0.32 * len(names) + 1.6), sharey=True,
                             squeeze=False)
    for ax, budget in zip(axes[0], budgets, strict=False):
        for j, w in enumerate(weeks):
            sel = {r["name"]: r for r in rows if r["minutes_per_day"] == budget and r["weeks"] == w}
            ys = [i + (j - (len(weeks) - 1) / 2) * 0.25 for i in range(len(names))]
            gains = [sel[n]["gain"] for n in names]
            err = [[sel[n]["gain"] - sel[n]["gain_low"] for n in names], [sel[n]["gain_high"] - sel[n]["gain"] for n in names]]
            ax.errorbar(gains, ys, xerr=err, fmt="o", ms=3, capsize=2, label=f"{w} weeks")
        ax.axvline(0, color="grey", lw=0.8)
        ax.set_title(f"{budget:g} review minutes a study day")
        ax.set_xlabel("exam score vs plain FSRS due order, points (95 % CI)")
    axes[0][0].set_yticks(range(len(names)), names, fontsize=8)
    axes[0][0].invert_yaxis()
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper right", ncol=len(weeks), fontsize=8)
    fig.suptitle(f"bench/retake_sim.py, seed {seed}, {students} students", fontsize=10, x=0.3)
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    fig.savefig(path, dpi=110)
    print(f"plot: {path}")


if __name__ == "__main__":
    sys.exit(main())
