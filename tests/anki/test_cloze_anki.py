"""Cloze cards in a real Anki collection: Anki's own cloze note type, one card per question,
and a question that gains or loses a cloze keeps its note, GUID and review history."""

from __future__ import annotations

import re

from anki.collection import Collection
from anki.notes import Note
from anki.scheduler.v3 import CardAnswer
from anki_helpers import (
    Html,
    anki_collection,
    csv_text,
    export,
    export_colpkg,
    import_into_anki,
    import_log,
    notes_by_guid,
    progress,
    rendered,
    review_next,
    select_root,
)

from srs.anki import notetype
from srs.anki.identity import note_guid

TYPES = notetype.load()
assert TYPES.cloze is not None
CLOZE_ID, BASIC_ID = TYPES.cloze.model_id, TYPES.current.model_id


def row(qid: str, objective: str, **more: str) -> dict[str, str]:
    base = {"qid": qid, "source": "uworld", "date": "2026-11-01", "subject": "Pharmacology", "topic": "Antidotes",
            "result": "incorrect", "objective": objective, "correct_answer": "", "my_answer": "", "prompt": "",
            "why_wrong": ""}  # fmt: skip
    return {**base, **more}


def one_note(col: Collection, qid: str) -> Note:
    return notes_by_guid(col)[note_guid("uworld", qid)]


def test_cloze_notes_render_like_ankis_own(srs, write_log, tmp_path, tmp_anki):
    rows = [
        row("C1", "Beta-blocker overdose is treated with glucagon, which raises cAMP.", correct_answer="Glucagon",
            my_answer="Atropine", why_wrong="atropine fixes the rate, not the contractility"),
        row("C2", "{{c1::Glucagon::drug}} raises {{c2::cAMP}} in heart cells without β receptors."),
    ]  # fmt: skip
    import_log(srs, write_log("m.csv", csv_text(rows)))
    with anki_collection(tmp_anki) as col:
        import_into_anki(col, export(srs, tmp_path / "c.apkg"))
        auto, marked = one_note(col, "C1"), one_note(col, "C2")
        assert auto.mid == marked.mid == CLOZE_ID
        assert col.models.get(CLOZE_ID)["type"] == 1  # Anki's cloze kind
        assert len(auto.cards()) == len(marked.cards()) == 1  # c1 and c2 on one card: one card per question

        question, answer = (Html(m).words for m in rendered(auto))
        assert "treated with [...], which raises cAMP" in question and "glucagon" not in question.lower()
        assert "Why not Atropine: atropine fixes the rate, not the contractility" not in question
        assert "treated with glucagon, which raises cAMP" in answer
        assert "Why not Atropine: atropine fixes the rate, not the contractility" in answer
        assert re.search(r'<span class="cloze"[^>]*>glucagon</span>', rendered(auto)[1])

        question, answer = (Html(m).words for m in rendered(marked))
        assert "[drug] raises [...] in heart cells" in question
        assert "Glucagon raises cAMP in heart cells" in answer


def test_the_wrong_choice_on_the_front_only_when_turned_on(srs, write_log, tmp_path, tmp_anki):
    rows = [
        row("C1", "Beta-blocker overdose is treated with glucagon.", correct_answer="Glucagon", my_answer="Atropine")
    ]
    import_log(srs, write_log("m.csv", csv_text(rows)))
    assert srs("config", "set", "show-wrong-choice", "true").exit_code == 0
    with anki_collection(tmp_anki) as col:
        import_into_anki(col, export(srs, tmp_path / "c.apkg"))
        question, _ = (Html(m).words for m in rendered(one_note(col, "C1")))
    assert "(not Atropine)" in question


def test_markup_inside_a_cloze_stays_text(srs, write_log, tmp_path, tmp_anki):
    evil = "<img src=x onerror=alert(1)>"
    rows = [row("X1", f"Hidden {{{{c1::{evil}}}}} and <script>alert(1)</script> {{{{c2::x}}}} }}}} :: done here.")]
    import_log(srs, write_log("m.csv", csv_text(rows)))
    with anki_collection(tmp_anki) as col:
        import_into_anki(col, export(srs, tmp_path / "c.apkg"))
        note = one_note(col, "X1")
        assert len(note.cards()) == 1
        for markup in rendered(note):
            parsed = Html(markup)
            assert {"script", "img"} & set(parsed.tags) == set()
            assert "onerror" not in parsed.attributes
        assert f"Hidden {evil} and <script>alert(1)</script> x }}}} :: done here." in Html(rendered(note)[1]).words
        assert "[...] and <script>alert(1)</script> [...] }} ::" in Html(rendered(note)[0]).words


def study(col: Collection, qid: str) -> tuple[int, dict[str, int], int]:
    """Answer the note's card Good in Anki; its card id, progress and review count."""
    select_root(col)
    card = one_note(col, qid).cards()[0]  # the collection's only card: the top of the queue
    answered = review_next(col, CardAnswer.GOOD)
    assert answered == card.id
    reviews = col.db.scalar("SELECT count() FROM revlog WHERE cid = ? AND ease > 0", card.id)
    return card.id, progress(col, card.id), reviews


def test_a_question_gaining_a_cloze_keeps_its_basic_note_and_history(srs, write_log, tmp_path, tmp_anki, db_path):
    rows = [row("G1", "Beta-blocker overdose is treated with an antidote that raises cAMP.", correct_answer="Glucagon")]
    import_log(srs, write_log("m.csv", csv_text(rows)))
    with anki_collection(tmp_anki) as col:
        import_into_anki(col, export(srs, tmp_path / "1.apkg"))
        before = one_note(col, "G1")
        assert before.mid == BASIC_ID  # the generic prompt: a basic note
        card_id, state, reviews = study(col, "G1")

        edited = "Beta-blocker overdose is treated with {{c1::glucagon::an antidote}} that raises cAMP."
        assert srs("edit", "G1", "--objective", edited).exit_code == 0
        log = import_into_anki(col, export(srs, tmp_path / "2.apkg"))  # asserts: nothing conflicting
        assert (len(log.new), len(log.updated)) == (0, 1)
        after = one_note(col, "G1")
        assert (after.id, after.mid, col.note_count(), col.card_count()) == (before.id, BASIC_ID, 1, 1)
        assert after["Prompt"] == "Beta-blocker overdose is treated with [an antidote] that raises cAMP."
        question, answer = (Html(m).words for m in rendered(after))
        assert "[an antidote]" in question and "glucagon" not in question
        assert "treated with glucagon that raises cAMP" in answer
        assert progress(col, card_id) == state
        assert col.db.scalar("SELECT count() FROM revlog WHERE cid = ? AND ease > 0", card_id) == reviews

        synced = srs("sync-anki", str(export_colpkg(col, tmp_path / "home.colpkg")))
        assert synced.exit_code == 0 and "1 Anki reviews: 1 new" in synced.output, synced.output


def test_a_question_losing_its_cloze_keeps_its_cloze_note_and_history(srs, write_log, tmp_path, tmp_anki):
    rows = [row("L1", "Beta-blocker overdose is treated with glucagon, which raises cAMP.", correct_answer="Glucagon")]
    import_log(srs, write_log("m.csv", csv_text(rows)))
    with anki_collection(tmp_anki) as col:
        import_into_anki(col, export(srs, tmp_path / "1.apkg"))
        before = one_note(col, "L1")
        assert before.mid == CLOZE_ID
        card_id, state, reviews = study(col, "L1")

        assert srs("edit", "L1", "--prompt", "What treats a beta-blocker overdose, and how?").exit_code == 0
        log = import_into_anki(col, export(srs, tmp_path / "2.apkg"))
        assert (len(log.new), len(log.updated)) == (0, 1)
        after = one_note(col, "L1")
        assert (after.id, after.mid, col.note_count(), col.card_count()) == (before.id, CLOZE_ID, 1, 1)
        question, answer = (Html(m).words for m in rendered(after))
        assert question.startswith("What treats a beta-blocker overdose, and how? [...]")
        assert "glucagon" not in question
        assert "Beta-blocker overdose is treated with glucagon, which raises cAMP." in answer
        assert progress(col, card_id) == state
        assert col.db.scalar("SELECT count() FROM revlog WHERE cid = ? AND ease > 0", card_id) == reviews


def test_sample_cloze_notes_are_one_card_each(srs, sample, tmp_path, tmp_anki):
    import_log(srs, sample)
    with anki_collection(tmp_anki) as col:
        import_into_anki(col, export(srs, tmp_path / "s.apkg"))
        clozes = col.find_notes(f"mid:{CLOZE_ID}")
        assert len(clozes) >= 25
        assert all(len(col.get_note(n).cards()) == 1 for n in clozes)
        assert col.card_count() == col.note_count() == 77


def test_cloze_templates_have_no_script_and_keep_the_answer_off_the_front():
    cloze = TYPES.cloze
    assert cloze is not None and cloze.is_cloze and cloze.fields[0] == "Text"
    for markup in (cloze.front, cloze.back, cloze.css):
        assert "<script" not in markup.lower() and "javascript:" not in markup.lower()
        assert not re.search(r"<[^>]*\son\w+\s*=", markup, re.IGNORECASE)
    on_front = set(re.findall(r"{{[#^/]?([^}]+)}}", cloze.front))
    assert "cloze:Text" in on_front
    assert on_front & {"Explanation", "MyAnswer", "CorrectAnswer", "WhyWrong", "Reason", "Misses", "Topic"} == set()
    assert ".cloze {" in cloze.css
