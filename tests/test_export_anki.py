"""`srs export` packages imported into a real Anki collection (the `anki` package, headless).

Anki is driven the way the desktop app drives it: `import_anki_package` with the
import dialog's default options, cards rendered by Anki's own template engine,
reviews answered through the v3 scheduler.
"""

from __future__ import annotations

import csv
import html
import io
import json
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import pytest

# anki.collection must be imported before anki.cards or anki.scheduler (circular imports).
from anki.collection import CardId, Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest
from anki.import_export_pb2 import ImportAnkiPackageUpdateCondition, ImportResponse
from anki.notes import Note
from anki.scheduler.v3 import CardAnswer, Scheduler

from srs import taxonomy
from srs.export import note_guid

pytestmark = pytest.mark.slow

DECKS = Path(__file__).resolve().parent.parent / "decks"
NOTETYPE = json.loads((DECKS / "notetype.json").read_text(encoding="utf-8"))

IF_NEWER = ImportAnkiPackageUpdateCondition.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER


# Helpers
##########################################################################


@contextmanager
def anki_collection(path: Path) -> Iterator[Collection]:
    """A real Anki collection (created if missing), always closed afterwards."""
    col = Collection(str(path))
    try:
        yield col
    finally:
        col.close()


def import_into_anki(col: Collection, apkg: Path) -> ImportResponse.Log:
    """Import like Anki's import dialog with its default options.

    Those defaults: update notes and note types only "if newer" (the incoming note's
    mtime, in whole seconds, must be strictly later than the one in the collection),
    no scheduling, no merging of note types.
    """
    options = ImportAnkiPackageOptions(
        merge_notetypes=False,
        update_notes=IF_NEWER,
        update_notetypes=IF_NEWER,
        with_scheduling=False,
        with_deck_configs=False,
    )
    response = col.import_anki_package(ImportAnkiPackageRequest(package_path=str(apkg), options=options))
    log = response.log
    problems = {
        "conflicting": len(log.conflicting),
        "missing_notetype": len(log.missing_notetype),
        "missing_deck": len(log.missing_deck),
        "empty_first_field": len(log.empty_first_field),
    }
    assert not any(problems.values()), problems
    return log


def export(srs, out: Path, *args: str) -> Path:
    result = srs("export", "-o", str(out), *args)
    assert result.exit_code == 0, result.output
    return out


def import_log(srs, path: Path) -> None:
    result = srs("import", str(path))
    assert result.exit_code == 0, result.output


def notes_by_guid(col: Collection) -> dict[str, Note]:
    return {note.guid: note for note in (col.get_note(nid) for nid in col.find_notes(""))}


def rendered(note: Note) -> tuple[str, str]:
    """Question and answer HTML (without the CSS) as Anki renders the note's card."""
    (card,) = note.cards()
    output = card.render_output(reload=True)
    return output.question_text, output.answer_text


class Html(HTMLParser):
    """The elements, attribute names and decoded text of a piece of HTML."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[str] = []
        self._text: list[str] = []
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += [name for name, _ in attrs]

    def handle_data(self, data: str) -> None:
        self._text.append(data)

    @property
    def text(self) -> str:
        return "".join(self._text)


def review_next(col: Collection, rating: CardAnswer.Rating.V) -> CardId:
    """Answer the card at the top of the selected deck's study queue; returns its id.

    The v3 scheduler only accepts an answer for the card at the top of its queue.
    """
    sched = col.sched
    assert isinstance(sched, Scheduler)
    queued = sched.get_queued_cards().cards[0]
    card = col.get_card(CardId(queued.card.id))
    card.start_timer()
    sched.answer_card(sched.build_answer(card=card, states=queued.states, rating=rating))
    return card.id


def progress(col: Collection, card_id: CardId) -> dict[str, int]:
    card = col.get_card(card_id)
    return {k: getattr(card, k) for k in ("reps", "lapses", "ivl", "type", "queue", "due", "left")}


def sample_rows(sample: Path) -> list[dict[str, str]]:
    with sample.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def csv_text(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


@pytest.fixture
def tmp_anki(tmp_path) -> Path:
    """Where a fresh Anki collection goes (Anki needs its folder to exist)."""
    (tmp_path / "anki").mkdir()
    return tmp_path / "anki" / "collection.anki2"


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

    for note in notes.values():
        notetype = note.note_type()
        assert notetype is not None
        assert notetype["name"] == NOTETYPE["model_name"]
        assert notetype["id"] == NOTETYPE["model_id"]
        assert [f["name"] for f in notetype["flds"]] == NOTETYPE["fields"]
        assert [t["name"] for t in notetype["tmpls"]] == [NOTETYPE["template_name"]]

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
    assert col.find_notes("tag:srs::topic::Type_I_hypersensitivity") == col.find_notes(
        '"Topic:Type I hypersensitivity"'
    )


def test_rendered_question_hides_the_objective(sample_col, sample):
    col = sample_col
    notes = notes_by_guid(col)
    row = next(r for r in sample_rows(sample) if r["qid"] == "82256")
    question, answer = rendered(notes[note_guid("uworld", "82256")])
    assert escape(row["prompt"]) in question
    assert escape(row["objective"]) not in question
    assert escape(row["objective"]) in answer
    assert escape(row["prompt"]) in answer  # {{FrontSide}}

    for note in notes.values():  # built prompts too, where the log had none
        question, answer = rendered(note)
        assert note["Prompt"] and note["Prompt"] in question
        assert note["Objective"] not in question
        assert note["Objective"] in answer


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
        assert updated["Objective"] == repeated["Objective"]
        assert {cid: progress(col, cid) for cid in (learning, reviewed)} == before
