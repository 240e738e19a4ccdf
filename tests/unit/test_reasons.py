"""Sorting a student's "why I missed it" into a kind (srs.ingest.reasons, data in taxonomy.json).

The table is reasons as students write them in their logs (written for this test), with the
kind a tutor would give each: every kind, the traps where a keyword sits inside another
meaning, negations, apostrophe variants, and reasons that match no kind ('unclassified').
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from srs.ingest import taxonomy
from srs.ingest.taxonomy import REASON_KINDS, UNCLASSIFIED

TIME, CHANGED, MISREAD = "ran out of time", "changed or second-guessed", "misread the question"
GUESSED, KNOWLEDGE, REASONING = "guessed", "knowledge gap", "reasoning/application"

REASONS = [
    # -- ran out of time
    ("ran out of time", TIME),
    ("Ran out of time on the last 5 qs", TIME),
    ("rushed it, block was almost over", TIME),
    ("time pressure - clicked something", TIME),
    ("Timing", TIME),  # a dropdown value: the whole reason
    ("spent too long on the previous one", TIME),
    ("didn't have time to read the answer choices", TIME),
    ("out of time so I guessed", TIME),  # the explicit cause wins over what followed
    ("hurried, end of block", TIME),
    # -- changed or second-guessed
    ("Changed my answer", CHANGED),
    ("changed", CHANGED),
    ("second-guessed myself", CHANGED),
    ("2nd guessed, first instinct was right", CHANGED),
    ("switched from B to D at the last minute", CHANGED),
    ("overthought it", CHANGED),
    ("had it right then changed it", CHANGED),
    ("talked myself out of the right answer", CHANGED),
    ("went from C to E, should have trusted my gut", CHANGED),
    # -- misread the question
    ("misread the question", MISREAD),
    ("Misread — it asked for the LEAST likely", MISREAD),
    ("missed the word 'except'", MISREAD),
    ("careless", MISREAD),
    ("read the stem wrong, thought it was a child", MISREAD),
    ("didn't read the last line of the question", MISREAD),
    ("skimmed the vitals and missed the fever", MISREAD),
    ("clicked the wrong letter", MISREAD),
    ("silly mistake", MISREAD),
    # -- guessed
    ("guessed", GUESSED),
    ("lucky guess", GUESSED),
    ("got lucky", GUESSED),
    ("50/50 between B and C", GUESSED),
    ("narrowed it down to two and picked wrong", GUESSED),
    ("no clue, random", GUESSED),
    ("educated guess, didn't know", GUESSED),  # the guess is what the student did: it is a guess
    # -- knowledge gap
    ("didn't know tryptase timing", KNOWLEDGE),  # "timing" is the topic, not the clock
    ("didnt know", KNOWLEDGE),
    ("didn’t know the enzyme", KNOWLEDGE),  # a typographic apostrophe
    ("did not know the side effect of amiodarone", KNOWLEDGE),
    ("dont remember the brachial plexus", KNOWLEDGE),
    ("forgot the mechanism of digoxin", KNOWLEDGE),
    ("never learned this", KNOWLEDGE),
    ("knowledge gap", KNOWLEDGE),
    ("had no idea what Whipple triad was", KNOWLEDGE),
    ("couldn't recall the cranial nerve nuclei", KNOWLEDGE),
    ("mixed up MEN1 and MEN2", KNOWLEDGE),
    ("need to memorize the lysosomal storage diseases", KNOWLEDGE),
    ("read about it last week but forgot", KNOWLEDGE),  # "read" is not "misread"
    ("unfamiliar with this drug", KNOWLEDGE),
    ("wasn't rushed, just didn't know", KNOWLEDGE),  # a denied cause does not count
    ("not a reading problem, I simply did not know it", KNOWLEDGE),
    ("didn't know the ECG changed after hyperkalemia treatment", KNOWLEDGE),  # "changed" is the ECG's
    # -- reasoning/application
    ("knew the fact, couldn't apply it", REASONING),
    ("2nd order question, didn't connect the dots", REASONING),
    ("misinterpreted the graph", REASONING),
    ("faulty reasoning about the acid-base", REASONING),
    ("calculation error on the NNT", REASONING),
    ("misunderstood the concept of lead-time bias", REASONING),
    ("Reasoning", REASONING),
    ("didn't put it together that it was a vasculitis", REASONING),
    # -- traps that match no kind: the topic words are not reasons
    ("anion gap calculation looked off", UNCLASSIFIED),  # "gap" is the anion gap's
    ("ECG changed after the bolus", UNCLASSIFIED),  # nothing about changing an answer
    ("timing of the rash", UNCLASSIFIED),  # timing of a disease, not the clock
    ("recall bias vs. selection bias", UNCLASSIFIED),
    ("memory B cells", UNCLASSIFIED),
    ("time-out before surgery", UNCLASSIFIED),
    ("Unlucky", UNCLASSIFIED),
    ("slow-growing tumor", UNCLASSIFIED),
    ("see notes", UNCLASSIFIED),
    ("?", UNCLASSIFIED),
    ("I didn't misread it", UNCLASSIFIED),  # a denied cause, and no other
    ("switched from warfarin to heparin", UNCLASSIFIED),  # the patient's drugs, not the answer
    # -- no reason at all
    ("", ""),
    ("   ", ""),
]


def test_the_table_is_big_and_covers_every_kind():
    assert len(REASONS) >= 60
    assert {kind for _, kind in REASONS} == {*REASON_KINDS, UNCLASSIFIED, ""}


@pytest.mark.parametrize(("text", "kind"), REASONS, ids=[t or "<blank>" for t, _ in REASONS])
def test_a_reason_is_sorted_by_its_whole_words(text, kind):
    assert taxonomy.load().reason_kind(text) == kind


@pytest.mark.parametrize(
    "spelling", ["didn't know", "didnt know", "didn’t know", "did not know", "DIDN'T KNOW", "didn`t know"]
)
def test_apostrophes_and_contractions_are_one_spelling(spelling):
    assert taxonomy.load().reason_kind(f"{spelling} the drug") == KNOWLEDGE


def test_every_kind_in_the_data_is_a_reason_kind():
    data = json.loads((Path(taxonomy.__file__).parent.parent / "data" / "taxonomy.json").read_text("utf-8"))
    assert sorted(data["reasons"]["order"]) == sorted(REASON_KINDS)
    assert sorted(data["reasons"]["kinds"]) == sorted(REASON_KINDS)


@given(st.text(max_size=80))
def test_any_text_gets_a_kind_unclassified_or_nothing(text):
    kind = taxonomy.load().reason_kind(text)
    assert kind in (*REASON_KINDS, UNCLASSIFIED, "")
    assert (kind == "") == (not text.strip())


# -- through the import: each miss keeps its own reason ------------------------------------


def events(db: Path) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT q.qid, substr(e.at, 1, 10), e.result, e.reason_kind FROM events e "
            "JOIN questions q ON q.id = e.question_id WHERE e.kind = 'qbank' ORDER BY q.qid, e.at"
        ).fetchall()
    finally:
        conn.close()


LOG = """qid,date,subject,system,topic,result,reason
4101,2026-11-02,Pharm,Cardio,Digoxin toxicity,incorrect,didn't know digoxin timing
4101,2026-11-09,Pharm,Cardio,Digoxin toxicity,incorrect,misread - it asked for the EXCEPT
4101,2026-11-16,Pharm,Cardio,Digoxin toxicity,incorrect,ran out of time
4102,2026-11-03,Path,Heme/Onc,Hairy cell leukemia,incorrect,see my notes
4102,2026-11-10,Path,Heme/Onc,Hairy cell leukemia,correct,
4103,2026-11-04,Micro,Immuno,Chronic granulomatous disease,incorrect,
4104,2026-11-05,Physio,Renal,Loop diuretics,correct,lucky guess
"""


def test_a_question_missed_three_times_for_three_reasons_counts_three(srs, write_log, db_path):
    result = srs("import", str(write_log("misses.csv", LOG)))
    assert result.exit_code == 0, result.output
    assert events(db_path) == [
        ("4101", "2026-11-02", "incorrect", KNOWLEDGE),
        ("4101", "2026-11-09", "incorrect", MISREAD),
        ("4101", "2026-11-16", "incorrect", TIME),
        ("4102", "2026-11-03", "incorrect", UNCLASSIFIED),
        ("4102", "2026-11-10", "correct", ""),
        ("4103", "2026-11-04", "incorrect", ""),
        ("4104", "2026-11-05", "guessed", GUESSED),  # a correct answer marked a lucky guess is a miss
    ]
    weak = json.loads(srs("weak", "--json").output)
    subjects = {a["name"]: a for a in weak["subject"]}
    assert subjects["Pharmacology"]["misses"] == 3
    assert subjects["Pharmacology"]["reasons"] == {KNOWLEDGE: 1, MISREAD: 1, TIME: 1}
    assert subjects["Pathology"]["reasons"] == {UNCLASSIFIED: 1}  # shown, not dropped
    assert subjects["Microbiology"]["reasons"] == {}  # a miss without a reason is in no mix
    assert subjects["Physiology"]["reasons"] == {GUESSED: 1}
    text = srs("weak", "--by", "subject").output
    assert "unclassified 1" in text


def test_the_report_counts_every_miss_reason(srs, write_log, db_path):
    from datetime import UTC, datetime

    from srs.report.data import weak_areas
    from srs.store import open_store

    assert srs("import", str(write_log("misses.csv", LOG))).exit_code == 0
    with open_store(db_path) as store:
        areas = weak_areas(store, datetime(2026, 11, 20, tzinfo=UTC))
    pharm = next(a for a in areas["subject"] if a.name == "Pharmacology")
    assert sorted(pharm.reasons) == sorted([(KNOWLEDGE, 1), (MISREAD, 1), (TIME, 1)])


def test_importing_again_fills_the_reasons_of_attempts_logged_without_one(srs, write_log, db_path):
    """Attempts stored before srs kept a reason per attempt (their kind empty) get their
    row's kind when the log is imported again; a kind already stored is left alone."""
    assert srs("import", str(write_log("misses.csv", LOG))).exit_code == 0
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute("UPDATE events SET reason_kind = '' WHERE kind = 'qbank'")
        conn.execute("UPDATE events SET reason_kind = 'guessed' WHERE at LIKE '2026-11-16%'")
    conn.close()
    result = srs("import", str(write_log("misses.csv", LOG)))
    assert result.exit_code == 0 and "7 duplicates skipped" in result.output
    assert [e[3] for e in events(db_path)[:3]] == [KNOWLEDGE, MISREAD, GUESSED]


def test_m009_backfills_the_latest_miss_and_sorts_it_by_todays_rule(tmp_path):
    """A database from before m009: only the question's latest reason is stored, and its kind
    came from the old substring rule ("didn't know tryptase timing" was "ran out of time").
    After migrating, the latest miss carries the reason sorted by today's rule, the earlier
    miss none (the stored data does not say), and the question's kind is today's too."""
    from test_migration_fixtures import build_at

    from srs.derived import open_database
    from srs.weak import weak_report

    db = build_at(tmp_path / "old.db", 8)
    with sqlite3.connect(db) as conn:
        conn.execute(
            "UPDATE questions SET reason = 'didn''t know tryptase timing', reason_kind = 'ran out of time' WHERE id = 1"
        )
        conn.execute(
            "INSERT INTO events (question_id, at, kind, result, key, recorded_at) VALUES (1, "
            "'2026-11-10T12:00:00.000+00:00', 'qbank', 'incorrect', 'qbank|uworld|82256|2026-11-10', "
            "'2026-11-10T12:00:00.000+00:00')"
        )
    conn.close()
    with open_database(db) as store:
        rows = store.conn.execute(
            "SELECT substr(at, 1, 10), reason_kind FROM events WHERE question_id = 1 AND kind = 'qbank' ORDER BY at"
        ).fetchall()
        assert store.question(1).reason_kind == KNOWLEDGE
        assert "_reasons-stale" not in store.config()
        from datetime import UTC, datetime

        mix = weak_report(store, now=datetime(2026, 11, 20, tzinfo=UTC), groups=("subject",))["subject"]
    assert rows == [("2026-11-01", ""), ("2026-11-10", KNOWLEDGE)]
    assert dict(next(a for a in mix if a.name == "Immunology").reasons) == {KNOWLEDGE: 1}


ROW = st.tuples(
    st.sampled_from(["9001", "9002", "9003"]),
    st.integers(min_value=1, max_value=12),  # day of November
    st.sampled_from(["incorrect", "correct", "omitted"]),
    st.sampled_from(["", "didn't know", "misread", "ran out of time", "see notes", "changed my answer"]),
)


@settings(max_examples=30, deadline=None)
@given(st.lists(ROW, min_size=1, max_size=25))
def test_the_reason_mix_counts_each_stored_miss_by_its_own_reason(rows):
    """Whatever the log, the mix of an area is the stored misses' own reasons: the first row
    of a question's day is the attempt (a later one that day is the same attempt)."""
    import io
    import tempfile
    from collections import Counter
    from datetime import UTC, datetime

    from srs.ingest.importer import import_stream
    from srs.settings import load
    from srs.store import open_store
    from srs.weak import weak_report

    lines = ["qid,date,subject,result,reason"] + [f"{q},2026-11-{d:02d},Pathology,{r},{why}" for q, d, r, why in rows]
    first: dict[tuple[str, int], tuple[str, str]] = {}
    for qid, day, result, why in rows:
        first.setdefault((qid, day), (result, why))
    expected = Counter(taxonomy.load().reason_kind(why) for result, why in first.values() if result != "correct" and why)
    with tempfile.TemporaryDirectory() as folder, open_store(Path(folder) / "srs.db") as store:
        stream = io.BytesIO(("\n".join(lines) + "\n").encode())
        import_stream(store, load(store).scheduler(), stream, "log.csv", now=datetime(2026, 11, 20, tzinfo=UTC))
        areas = weak_report(store, now=datetime(2026, 11, 20, tzinfo=UTC), groups=("subject",))["subject"]
    found = Counter(dict(areas[0].reasons)) if areas else Counter()
    assert found == expected
