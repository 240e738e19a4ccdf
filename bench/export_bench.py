"""`srs export` of many notes against a bare genanki script writing the same notes.

    python bench/export_bench.py            # 20,000 notes, median of 3 runs of each
    python bench/export_bench.py --quick    # 1,000 notes, one run (CI smoke run)

Baseline: genanki's own `Package.write_to_file` with the same note type, fields, tags
and GUIDs, in the same run. Reported: time ratio and file-size ratio (srs writes a
compressed zip; genanki stores it uncompressed). Each srs run exports a fresh copy of
the database, so every run is a first export, as the first run always was.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from fixtures import build  # noqa: E402

import genanki  # noqa: E402

from srs import settings as settings_mod  # noqa: E402
from srs.store import open_store  # noqa: E402
from srs.anki import notetype  # noqa: E402
from srs.anki.package import export_apkg, note_fields, note_guid, tag  # noqa: E402
from srs.timing import UTC  # noqa: E402


def bare_genanki(store, out: Path) -> float:
    """What a plain genanki script would do with the same notes."""
    types = notetype.load()
    spec = types.current
    started = time.perf_counter()
    model = genanki.Model(
        spec.model_id, spec.name, fields=[{"name": n} for n in spec.fields],
        templates=[{"name": spec.template_name, "qfmt": spec.front, "afmt": spec.back}], css=spec.css,
    )  # fmt: skip
    deck = genanki.Deck(types.deck_id, "Step 1 Misses")
    for question in store.questions():
        deck.add_note(genanki.Note(
            model=model, fields=note_fields(question, 1), guid=note_guid(question.source, question.qid),
            tags=[tag("subject", question.subject), tag("system", question.system), tag("topic", question.topic)],
        ))  # fmt: skip
    genanki.Package(deck).write_to_file(out)
    return time.perf_counter() - started


def srs_export(built: Path, work: Path, out: Path) -> float:
    """`srs export` of a fresh copy of the built database (a first export, as a student's is)."""
    db = work / "srs-run.sqlite"
    shutil.copyfile(built, db)
    with open_store(db) as store:
        settings = settings_mod.load(store)
        started = time.perf_counter()
        export_apkg(store, settings, out, now=datetime.now(UTC))
        elapsed = time.perf_counter() - started
    db.unlink()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int, help="runs of each, alternating; the medians are compared")
    args = parser.parse_args()
    notes = 1_000 if args.quick else 20_000
    repeat = args.repeat or (1 if args.quick else 3)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        build(work / "db.sqlite", notes, notes * 2, now=datetime.now(UTC))
        bases, ours = [], []
        for _ in range(repeat):
            with open_store(work / "db.sqlite") as store:
                bases.append(bare_genanki(store, work / "genanki.apkg"))
            ours.append(srs_export(work / "db.sqlite", work, work / "srs.apkg"))
        base, mine = statistics.median(bases), statistics.median(ours)
        size_base, size_ours = (work / "genanki.apkg").stat().st_size, (work / "srs.apkg").stat().st_size
        runs = f" median of {repeat} |" if repeat > 1 else ""
        print(f"| export {notes:,} notes | genanki {base:.2f} s | srs export {mine:.2f} s "
              f"| ratio {mine / base:.2f}x |{runs}")  # fmt: skip
        print(f"| file size | genanki {size_base / 1e6:.1f} MB | srs {size_ours / 1e6:.1f} MB "
              f"| ratio {size_ours / size_base:.0%} |")  # fmt: skip


if __name__ == "__main__":
    main()
