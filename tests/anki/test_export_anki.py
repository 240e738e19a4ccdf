"""`srs export` packages imported into a real Anki collection (the `anki` package, headless).

Anki is driven the way the desktop app drives it: `import_anki_package` with the
import dialog's default options, cards rendered by Anki's own template engine,
reviews answered through the v3 scheduler.
"""

from __future__ import annotations

import html
import json
import re
import sqlite3
import zipfile
from collections.abc import Iterator
from html import escape
from pathlib import Path

import pytest

# anki.collection must be imported before anki.cards or anki.scheduler (circular imports).
from anki.collection import CardId, Collection
from anki.deck_config_pb2 import DeckConfig
from anki.scheduler.v3 import CardAnswer
from anki_helpers import (
    Html,
    anki_collection,
    csv_text,
    export,
    export_colpkg,
    import_into_anki,
    import_log,
    import_package,
    notes_by_guid,
    package_notes,
    previous_version,
    progress,
    rendered,
    review_next,
    sample_rows,
    select_root,
)

from srs.anki import notetype
from srs.anki.notetype import NoteTypes
from srs.anki.package import export_apkg, note_guid
from srs.anki.sync import sync_anki
from srs.ingest import taxonomy
from srs.plan.queue import Planner
from srs.settings import load as load_settings
from srs.store import open_store
from srs.timing import utc_now

pytestmark = pytest.mark.slow

DECKS = Path(__file__).resolve().parents[2] / "decks"
NOTETYPE = json.loads((DECKS / "notetype.json").read_text(encoding="utf-8"))
NEW_CARD_GATHER_PRIORITY_LOWEST_POSITION = (
    DeckConfig.Config.NewCardGatherPriority.NEW_CARD_GATHER_PRIORITY_LOWEST_POSITION
)


# Helpers
##########################################################################


@pytest.fixture
def sample_col(srs, sample, tmp_path, tmp_anki) -> Iterator[Collection]:
    """The sample log exported and imported into a fresh Anki collection."""
    import_log(srs, sample)
    apkg = export(srs, tmp_path / "sample.apkg")
    with anki_collection(tmp_anki) as col:
        log = import_into_anki(col, apkg)
        assert len(log.new) == 77
        yield col


# Tests
##########################################################################


def test_apkg_is_a_deflated_zip(srs, sample, tmp_path):
    import_log(srs, sample)
    apkg = export(srs, tmp_path / "out.apkg")
    with zipfile.ZipFile(apkg) as archive:
        entries = archive.infolist()
        assert archive.testzip() is None
    assert sorted(e.filename for e in entries) == ["collection.anki2", "media"]
    assert {e.filename: e.compress_type for e in entries} == {
        "collection.anki2": zipfile.ZIP_DEFLATED,
        "media": zipfile.ZIP_DEFLATED,
    }
    collection = next(e for e in entries if e.filename == "collection.anki2")
    assert collection.compress_size < collection.file_size / 2


def test_one_note_per_question_with_stable_guids(sample_col, sample):
    col = sample_col
    rows = sample_rows(sample)
    assert col.note_count() == 77
    assert col.card_count() == 77

    notes = notes_by_guid(col)
    assert set(notes) == {note_guid(r["source"], r["qid"]) for r in rows}
    source_of = {r["qid"]: r["source"] for r in rows}
    for guid, note in notes.items():
        assert guid == note_guid(source_of[note["QID"]], note["QID"])

    kinds = {NOTETYPE["model_id"]: NOTETYPE, NOTETYPE["cloze"]["model_id"]: NOTETYPE["cloze"]}
    for note in notes.values():
        notetype = note.note_type()
        assert notetype is not None
        spec = kinds[notetype["id"]]
        assert notetype["name"] == spec["model_name"]
        assert [f["name"] for f in notetype["flds"]] == spec["fields"]
        assert [t["name"] for t in notetype["tmpls"]] == [spec["template_name"]]
        assert notetype["type"] == (1 if spec.get("kind") == "cloze" else 0)
    clozes = [n for n in notes.values() if n.mid == NOTETYPE["cloze"]["model_id"]]
    assert 25 <= len(clozes) < 77  # the sample's questions without their own prompt whose answer is in the objective

    tryptase = notes[note_guid("uworld", "82256")]
    assert tryptase["Ref"] == "UWorld #82256"
    assert tryptase["Misses"] == "3"


def test_subdeck_per_subject(sample_col, sample):
    col = sample_col
    names = taxonomy.load()
    subjects = {names.subject(r["subject"]) or r["subject"] for r in sample_rows(sample)}
    assert {"Pharmacology", "Biochemistry & Nutrition"} <= subjects  # USMLE names

    decks = {d.name for d in col.decks.all_names_and_ids()} - {"Default"}
    assert decks == {"Step 1 Misses"} | {f"Step 1 Misses::{s}" for s in subjects}
    for cid in col.find_cards(""):
        card = col.get_card(cid)
        assert col.decks.name(card.did) == f"Step 1 Misses::{html.unescape(card.note()['Subject'])}"
    pharmacology = col.find_cards('"deck:Step 1 Misses::Pharmacology"')
    assert len(pharmacology) > 0
    assert set(pharmacology) == set(col.find_cards('"Subject:Pharmacology"'))


def test_deck_root_option(srs, sample, tmp_path, tmp_anki):
    import_log(srs, sample)
    apkg = export(srs, tmp_path / "root.apkg", "--deck-root", "My Root")
    with anki_collection(tmp_anki) as col:
        import_into_anki(col, apkg)
        decks = {d.name for d in col.decks.all_names_and_ids()} - {"Default"}
        assert "My Root" in decks
        assert "My Root::Pharmacology" in decks
        assert all(name == "My Root" or name.startswith("My Root::") for name in decks), decks
        assert len(col.find_cards('"deck:My Root"')) == 77


def test_tags(sample_col):
    col = sample_col
    tryptase = notes_by_guid(col)[note_guid("uworld", "82256")]
    assert sorted(tryptase.tags) == [
        "srs::source::UWorld",
        "srs::subject::Immunology",
        "srs::system::Multisystem",
        "srs::topic::Type_I_hypersensitivity",
    ]
    all_tags = col.tags.all()
    assert "srs::subject::Behavioral_Sciences" in all_tags
    assert "srs::subject::Biochemistry_and_Nutrition" in all_tags
    assert {"srs::source::UWorld", "srs::source::AMBOSS", "srs::source::NBME"} <= set(all_tags)
    assert [t for t in all_tags if " " in t] == []
    assert len(col.find_notes("tag:srs::subject::Immunology")) > 0
    assert sorted(col.find_notes("tag:srs::topic::Type_I_hypersensitivity")) == sorted(
        col.find_notes('"Topic:Type I hypersensitivity"')
    )


def test_rendered_question_hides_the_objective(sample_col, sample):
    col = sample_col
    notes = notes_by_guid(col)
    row = [r for r in sample_rows(sample) if r["qid"] == "82256" and r["result"] in MISSES][-1]  # the latest miss
    question, answer = rendered(notes[note_guid("uworld", "82256")])
    assert escape(row["prompt"]) in question
    assert escape(row["objective"]) not in question
    assert escape(row["objective"]) in answer
    assert escape(row["prompt"]) in answer  # {{FrontSide}}

    for note in notes.values():  # built prompts and clozes too, where the log had none
        question, answer = rendered(note)
        if "Objective" in note:
            assert note["Prompt"] and note["Prompt"] in question
            assert note["Objective"] not in question
            assert note["Objective"] in answer
        else:  # an Anki cloze note: the sentence with its gap, the hidden phrase on the back
            hidden = re.findall(r"\{\{c1::(.*?)\}\}", note["Text"])
            assert hidden and re.search(r'<span class="cloze"[^>]*>\[\.\.\.\]</span>', question)
            assert all(re.search(f'<span class="cloze"[^>]*>{re.escape(h)}</span>', answer) for h in hidden)
            assert all(h not in Html(question).text for h in hidden)


def test_html_in_the_log_renders_as_text(srs, write_log, tmp_path, tmp_anki):
    script = "<script>alert(1)</script>"
    img = "<img src=x onerror=alert(1)>"
    row = {
        "qid": "X1",
        "source": "uworld",
        "date": "2026-11-10",
        "subject": "Immunology",
        "topic": f"{script} & co",
        "result": "incorrect",
        "prompt": f"Why {script} & {img}?",
        "objective": f"Because {img} & {script}",
        "explanation": f"{script} & {img} explained",
    }
    import_log(srs, write_log("evil.csv", csv_text([row])))
    apkg = export(srs, tmp_path / "evil.apkg")
    with anki_collection(tmp_anki) as col:
        import_into_anki(col, apkg)
        (note,) = notes_by_guid(col).values()
        question, answer = rendered(note)
        tags = note.tags

    for markup in (question, answer):
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markup
        assert "&lt;img src=x onerror=alert(1)&gt;" in markup
        assert "&amp;" in markup
        assert "<script" not in markup.lower()
        parsed = Html(markup)
        assert {"script", "img"} & set(parsed.tags) == set()
        assert "onerror" not in parsed.attributes
        assert row["prompt"] in parsed.text
        assert row["topic"] in parsed.text
    assert row["objective"] not in Html(question).text
    assert row["objective"] in Html(answer).text
    assert row["explanation"] in Html(answer).text
    assert [t for t in tags if " " in t] == []


def test_later_export_updates_notes_and_keeps_progress(srs, sample, write_log, tmp_path, tmp_anki):
    import_log(srs, sample)
    first = export(srs, tmp_path / "first.apkg")
    rows = sample_rows(sample)
    row_of = {note_guid(r["source"], r["qid"]): r for r in rows}

    with anki_collection(tmp_anki) as col:
        assert len(import_into_anki(col, first).new) == 77
        root = col.decks.id_for_name("Step 1 Misses")
        assert root is not None
        col.decks.select(root)
        learning = review_next(col, CardAnswer.GOOD)
        reviewed = review_next(col, CardAnswer.EASY)
        before = {cid: progress(col, cid) for cid in (learning, reviewed)}
        assert before[learning]["type"] == 1  # learning
        assert before[reviewed]["type"] == 2 and before[reviewed]["ivl"] > 0  # review
        assert all(p["reps"] == 1 for p in before.values())

        repeated = col.get_card(reviewed).note()
        misses_before = int(repeated["Misses"])
        old = row_of[repeated.guid]
        more = [
            {"qid": "NEW-1", "source": "uworld", "date": "2026-11-10", "subject": "Pharmacology",
             "topic": "Beta-blockers", "result": "incorrect", "objective": "A new objective"},
            {"qid": old["qid"], "source": old["source"], "date": "2026-11-10", "subject": "",
             "topic": "", "result": "incorrect", "objective": ""},
        ]  # fmt: skip
        import_log(srs, write_log("more.csv", csv_text(more)))
        second = export(srs, tmp_path / "second.apkg")

        log = import_into_anki(col, second)
        assert len(log.new) == 1
        assert len(log.updated) == 77
        assert col.note_count() == 78
        assert col.card_count() == 78

        notes = notes_by_guid(col)
        assert len(notes) == 78
        assert notes[note_guid("uworld", "NEW-1")]["Objective"] == "A new objective"
        updated = notes[repeated.guid]
        assert updated.id == repeated.id
        assert int(updated["Misses"]) == misses_before + 1
        assert updated.fields[:1] == repeated.fields[:1]  # Ref, or a cloze note's Text
        assert {cid: progress(col, cid) for cid in (learning, reviewed)} == before


# Priority order, filters, --new-only
##########################################################################

MISSES = ("incorrect", "omitted", "guessed")


def ranked_guids(db_path: Path) -> list[str]:
    """GUIDs of every card in srs's priority order (the queue's ranking)."""
    with open_store(db_path) as store:
        rows = Planner(store, load_settings(store), utc_now()).ranked
        questions = {q.id: q for q in store.questions()}
    return [note_guid(questions[r.question_id].source, questions[r.question_id].qid) for r in rows]


def guids_by_position(col: Collection) -> list[str]:
    """The collection's new cards in new-card position order."""
    rows = col.db.all("SELECT n.guid, c.due FROM cards c JOIN notes n ON n.id = c.nid WHERE c.type = 0 ORDER BY c.due")
    return [guid for guid, _ in rows]


def carded(rows: list[dict[str, str]], keep=lambda r: True) -> set[str]:
    """GUIDs of the sample's missed questions whose miss rows pass `keep`."""
    return {note_guid(r["source"], r["qid"]) for r in rows if r["result"] in MISSES and keep(r)}


def test_new_cards_arrive_in_priority_order(srs, sample, write_log, tmp_path, tmp_anki, db_path):
    import_log(srs, sample)
    apkg = export(srs, tmp_path / "all.apkg")
    ranked = ranked_guids(db_path)
    assert [n["guid"] for n in package_notes(apkg)] == ranked

    with anki_collection(tmp_anki) as col:
        import_into_anki(col, apkg)
        assert guids_by_position(col) == ranked  # the positions survive the import
        # With "gather order: ascending position" the study queue follows them across subdecks.
        select_root(col)
        config = col.decks.config_dict_for_deck_id(col.decks.selected())
        config["newGatherPriority"] = NEW_CARD_GATHER_PRIORITY_LOWEST_POSITION
        col.decks.update_config(config)
        queued = col.sched.get_queued_cards(fetch_limit=20).cards
        assert [col.get_card(CardId(q.card.id)).note().guid for q in queued] == ranked[:20]

        more = [
            {"qid": f"NEW-{i}", "source": "uworld", "date": "2026-11-20", "subject": "Pharmacology",
             "topic": topic, "result": "incorrect", "objective": f"Objective {i}"}
            for i, topic in enumerate(["Beta-blockers", "Type I hypersensitivity", "Something rare"])
        ]  # fmt: skip
        import_log(srs, write_log("more.csv", csv_text(more)))
        fresh = export(srs, tmp_path / "fresh.apkg", "--new-only")
        in_package = [n["guid"] for n in package_notes(fresh)]
        new_guids = {note_guid("uworld", f"NEW-{i}") for i in range(3)}
        assert set(in_package) == new_guids
        assert in_package == [g for g in ranked_guids(db_path) if g in new_guids]  # priority order

        log = import_into_anki(col, fresh)
        assert (len(log.new), len(log.updated), len(log.duplicate)) == (3, 0, 0)
        positions = guids_by_position(col)
        assert positions[: len(ranked)] == ranked  # existing cards keep their places
        assert positions[len(ranked) :] == in_package  # new ones come after, in priority order


def test_filters_through_the_cli(srs, sample, tmp_path):
    import_log(srs, sample)
    rows = sample_rows(sample)

    def exported(*args: str) -> list[dict[str, str]]:
        out = tmp_path / f"f{len(list(tmp_path.glob('f*.apkg')))}.apkg"
        return package_notes(export(srs, out, *args))

    def guids(notes: list[dict[str, str]]) -> set[str]:
        return {n["guid"] for n in notes}

    pharm = carded(rows, lambda r: r["subject"] == "Pharmacology")
    assert guids(exported("--subject", "pharm")) == pharm  # an alias of the USMLE name
    assert guids(exported("--subject", "PHARMACOLOGY")) == pharm
    heme = carded(rows, lambda r: r["system"] == "Hematology & Oncology")
    for spelling in ("hematology & oncology", "Blood & Lymphoreticular", "heme/onc"):
        assert guids(exported("--system", spelling)) == heme, spelling
    both = exported("--subject", "pharmacology", "--subject", "immunology", "--system", "cardiovascular")
    assert guids(both) == carded(
        rows, lambda r: r["subject"] in ("Pharmacology", "Immunology") and r["system"] == "Cardiovascular"
    )
    assert guids(exported("--topic", "type i HYPERSENSITIVITY")) == carded(
        rows, lambda r: r["topic"] == "Type I hypersensitivity"
    )
    assert guids(exported("--since", "2026-11-10")) == carded(rows, lambda r: r["date"] >= "2026-11-10")

    miss_count: dict[str, int] = {}
    for r in rows:
        if r["result"] in MISSES:
            guid = note_guid(r["source"], r["qid"])
            miss_count[guid] = miss_count.get(guid, 0) + 1
    twice = exported("--min-misses", "2")
    assert guids(twice) == {g for g, n in miss_count.items() if n >= 2}
    assert all(int(n["Misses"]) >= 2 for n in twice)

    typo = srs("export", "-o", str(tmp_path / "x.apkg"), "--subject", "pharmacolgy")
    assert typo.exit_code == 1
    assert typo.output.startswith("Error: no card has subject 'pharmacolgy' (yours: ")
    assert len(typo.output.splitlines()) == 1
    nothing = srs("export", "-o", str(tmp_path / "x.apkg"), "--subject", "pharm", "--min-misses", "9")
    assert nothing.output == "Error: nothing to export: no card matches all these filters\n"
    assert not (tmp_path / "x.apkg").exists()


def test_new_only_through_the_cli(srs, sample, write_log, tmp_path):
    import_log(srs, sample)
    first = srs("export", "-o", str(tmp_path / "pharm.apkg"), "--subject", "pharmacology")
    assert first.exit_code == 0
    pharm = {n["guid"] for n in package_notes(tmp_path / "pharm.apkg")}

    rest = srs("export", "-o", str(tmp_path / "rest.apkg"), "--new-only")
    rest_guids = {n["guid"] for n in package_notes(tmp_path / "rest.apkg")}
    assert rest_guids.isdisjoint(pharm) and len(pharm) + len(rest_guids) == 77
    assert rest.output == f"Wrote {len(rest_guids)} notes in 7 decks to {tmp_path / 'rest.apkg'}\n"

    again = srs("export", "-o", str(tmp_path / "none.apkg"), "--new-only")
    assert again.exit_code == 1
    assert again.output == (
        "Error: nothing new to export: every card was exported before (leave out --new-only to export them again)\n"
    )
    full = srs("export", "-o", str(tmp_path / "full.apkg"))
    assert full.output == f"Wrote 77 notes (0 new) in 8 decks to {tmp_path / 'full.apkg'}\n"

    row = {"qid": "NEW-1", "source": "nbme", "date": "2026-11-20", "subject": "Pharm", "result": "incorrect"}
    import_log(srs, write_log("more.csv", csv_text([row])))
    assert srs("export", "-o", str(tmp_path / "one.apkg"), "--new-only", "--subject", "pharm").exit_code == 0
    assert [n["guid"] for n in package_notes(tmp_path / "one.apkg")] == [note_guid("nbme", "NEW-1")]


# Templates
##########################################################################

ANSWER_FIELDS = {"Objective", "Explanation", "MyAnswer", "CorrectAnswer", "Reason", "Misses"}


def test_templates_have_no_script_and_keep_the_answer_off_the_front():
    current = notetype.load().current
    for markup in (current.front, current.back, current.css):
        assert "<script" not in markup.lower()
        assert "javascript:" not in markup.lower()
        assert not re.search(r"<[^>]*\son\w+\s*=", markup, re.IGNORECASE)  # no onclick=, onload=, …
    on_front = set(re.findall(r"{{[#^/]?([^}]+)}}", current.front))
    on_back = set(re.findall(r"{{[#^/]?([^}]+)}}", current.back))
    assert on_front & ANSWER_FIELDS == set()
    assert ANSWER_FIELDS | {"FrontSide", "Source", "QID"} <= on_back
    assert re.search(r"\.card\.nightMode|\.nightMode \.card", current.css)  # desktop and AnkiMobile
    assert re.search(r"\.card\.night_mode|\.night_mode \.card", current.css)  # AnkiDroid
    assert "@media (max-width: 480px)" in current.css  # phone widths
    assert "max-width: 100%" in current.css  # images never wider than the screen


def test_back_shows_everything_the_front_hides(sample_col, sample):
    row = [r for r in sample_rows(sample) if r["qid"] == "82256" and r["result"] in MISSES][-1]  # the latest miss
    note = notes_by_guid(sample_col)[note_guid("uworld", "82256")]
    question, answer = (Html(markup).text for markup in rendered(note))
    shown_on_back = [row["objective"], row["explanation"], row["my_answer"], row["correct_answer"], row["reason"]]
    shown_on_back += ["UWorld #82256", "missed 3×"]
    for text in shown_on_back:
        assert text in answer, text
        assert text not in question, text
    assert row["prompt"] in question


# Note type versions
##########################################################################


def test_previous_note_type_then_current_import_into_one_collection(
    srs, sample, write_log, tmp_path, tmp_anki, db_path
):
    import_log(srs, sample)
    shipped = notetype.load()
    old = previous_version(shipped.current)
    then = NoteTypes(current=old, previous=(), deck_id=shipped.deck_id)  # what an older srs knew
    now = NoteTypes(current=shipped.current, previous=(old,), deck_id=shipped.deck_id)

    def export_with(types: NoteTypes, name: str) -> Path:
        with open_store(db_path) as store:
            export_apkg(store, load_settings(store), tmp_path / name, now=utc_now(), note_types=types)
        return tmp_path / name

    with anki_collection(tmp_anki) as col:
        assert len(import_into_anki(col, export_with(then, "v0.apkg")).new) == 77
        select_root(col)
        reviewed = review_next(col, CardAnswer.EASY)
        before = progress(col, reviewed)

        row = {
            "qid": "NEW-1",
            "source": "uworld",
            "date": "2026-11-20",
            "subject": "Pharmacology",
            "result": "incorrect",
        }
        import_log(srs, write_log("more.csv", csv_text([row])))
        log = import_into_anki(col, export_with(now, "v1.apkg"))  # asserts: nothing conflicting
        assert (len(log.new), len(log.updated)) == (1, 77)

        model_of = {guid: note.mid for guid, note in notes_by_guid(col).items()}
        new_guid = note_guid("uworld", "NEW-1")
        assert model_of.pop(new_guid) == shipped.current.model_id  # new notes get the current type
        assert set(model_of.values()) == {old.model_id}  # old notes stay on the old one
        assert {m["name"] for m in col.models.all()} >= {old.name, shipped.current.name}
        assert progress(col, reviewed) == before

        # Without the history every old note would be refused: the case versioning exists for.
        ignoring = NoteTypes(current=shipped.current, previous=(), deck_id=shipped.deck_id)
        refused = import_package(col, export_with(ignoring, "naive.apkg"))
        assert len(refused.conflicting) == 77

        # The student moves one old note to the new version in Anki; a sync tells srs.
        moved = col.get_card(reviewed).note()
        change = col.models.change_notetype_info(old_notetype_id=old.model_id, new_notetype_id=shipped.current.model_id)
        change.input.note_ids.append(moved.id)
        col.models.change_notetype_of_notes(change.input)
        colpkg = export_colpkg(col, tmp_path / "collection.colpkg")
        with open_store(db_path) as store:
            sync_anki(store, load_settings(store), colpkg, now=utc_now(), note_types=now)
            versions = {q: n.version for q, n in store.anki_notes().items()}
            moved_id = next(q.id for q in store.questions() if note_guid(q.source, q.qid) == moved.guid)
        assert versions.pop(moved_id) == shipped.current.version
        assert sorted(set(versions.values())) == [old.version, shipped.current.version]
        log = import_into_anki(col, export_with(now, "v1-again.apkg"))  # still nothing conflicting
        assert len(log.updated) == 78


def test_shipped_note_type_versions_are_consistent():
    shipped = notetype.load()
    assert shipped.current.version == NOTETYPE["version"]
    assert shipped.current.name.endswith(f" v{shipped.current.version}")
    for old in shipped.previous:
        assert old.version < shipped.current.version
        assert old.name.endswith(f" v{old.version}")


def test_exports_from_before_the_record_count_as_exported(srs, sample, write_log, tmp_path, db_path):
    """m002 backfills: an export made before srs kept track wrote every card there was."""
    import_log(srs, sample)
    export(srs, tmp_path / "old.apkg")
    conn = sqlite3.connect(db_path)  # back to the schema and state of an older srs
    with conn:
        conn.execute("DROP TABLE anki_notes")
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm002_anki_notes'")
    conn.close()
    row = {"qid": "NEW-1", "source": "uworld", "date": "2026-11-20", "result": "incorrect"}
    import_log(srs, write_log("more.csv", csv_text([row])))  # migrates: 77 exported, NEW-1 not

    export(srs, tmp_path / "new.apkg", "--new-only")
    (note,) = package_notes(tmp_path / "new.apkg")
    assert note["guid"] == note_guid("uworld", "NEW-1")
    with zipfile.ZipFile(tmp_path / "new.apkg") as archive, open(tmp_path / "c.anki2", "wb") as out:
        out.write(archive.read("collection.anki2"))
    (position,) = sqlite3.connect(tmp_path / "c.anki2").execute("SELECT due FROM cards").fetchone()
    assert position >= 77  # after the cards the old export placed at 0-76
