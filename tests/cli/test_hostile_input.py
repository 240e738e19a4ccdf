"""Hostile text in a miss log: script and event-handler payloads in every field render
as text in real Anki; control characters never reach the terminal."""

from __future__ import annotations

import pytest
from anki_helpers import Html, anki_collection, csv_text, import_into_anki, notes_by_guid, rendered

pytestmark = pytest.mark.slow


PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    '<a href="javascript:alert(1)">click</a>',
    "<iframe src=//evil.invalid></iframe>",
    "<style>body{display:none}</style>",
    "{{Objective}} {{FrontSide}}",
    "&lt;b&gt; already escaped",
]
FIELDS = [
    "qid", "source", "subject", "system", "topic", "prompt", "objective",
    "explanation", "my_answer", "correct_answer", "reason",
]  # fmt: skip
TEMPLATE_TAGS = {"div", "span", "hr", "br"}  # what decks/front.html and back.html themselves use


def hostile_rows() -> list[dict[str, str]]:
    """One row per payload; every text field carries it (with the field name, to tell them apart)."""
    rows = []
    for n, payload in enumerate(PAYLOADS):
        row = {field: f"{field}{n} {payload}" for field in FIELDS}
        row.update(date="2026-11-10", result="incorrect")
        rows.append(row)
    return rows


def test_every_field_renders_as_text_in_anki(srs, write_log, tmp_path, tmp_anki):
    rows = hostile_rows()
    result = srs("import", str(write_log("hostile.csv", csv_text(rows))))
    assert result.exit_code == 0, result.output
    apkg = tmp_path / "hostile.apkg"
    assert srs("export", "-o", str(apkg)).exit_code == 0
    with anki_collection(tmp_anki) as col:
        import_into_anki(col, apkg)
        notes = list(notes_by_guid(col).values())
        assert len(notes) == len(PAYLOADS)
        pages = [rendered(note) for note in notes]
        decks = [col.decks.name(card.did) for note in notes for card in note.cards()]
        tags = [tag for note in notes for tag in note.tags]
    answers_text = ""
    for question, answer in pages:
        for markup in (question, answer):
            parsed = Html(markup)
            assert set(parsed.tags) <= TEMPLATE_TAGS, set(parsed.tags) - TEMPLATE_TAGS
            assert [a for a in parsed.attributes if a.startswith("on") or a in ("href", "src")] == []
        answers_text += Html(answer).text
    for n, payload in enumerate(PAYLOADS):  # each payload is shown, literally, as the student wrote it
        for field in ("prompt", "objective", "explanation", "topic", "reason"):
            assert f"{field}{n} {payload}" in answers_text
    assert all("<" not in d or d.count("::") == 1 for d in decks)  # deck names are plain names, not markup
    assert [t for t in tags if any(c in t for c in "<>\"' ")] == []


CONTROL = "\x1b]0;owned\x07\x1b[2J\x1b[31m\x9b1m\x00\x08"


def test_control_characters_never_reach_the_terminal(srs, write_log):
    row = {field: f"{field} {CONTROL}end" for field in FIELDS}
    row.update(qid="Q1", source="uworld", date="2026-11-10", result="incorrect")
    result = srs("import", str(write_log("ctl.csv", csv_text([row]))))
    assert result.exit_code == 0, result.output
    outputs = [result.output]
    for command in (["weak"], ["queue"], ["due"], ["review"], ["weak", "--json"], ["queue", "--json"]):
        shown = srs(*command, input="3\n")
        assert shown.exit_code == 0, shown.output
        outputs.append(shown.output)
    for output in outputs:
        assert not any(c in output for c in "\x1b\x07\x9b\x00\x08"), repr(output)
    assert "topic ]0;owned[2J[31m1mend" in outputs[1]  # the text itself survives, inert


TRICKS = "\r  1. new  99.99 FAKE\u202eevil\u202c\u200b\u2066x\u2069\nsecond line\u200d"
INVISIBLE = "\r\u202e\u202c\u200b\u200d\u2066\u2069\ufeff"


def test_breaks_and_direction_characters_never_reach_the_terminal(srs, write_log, db_path, tmp_path):
    """Issue 14, item 9: a carriage return in a topic let it overwrite the row's rank and score;
    line breaks split one-line rows; zero-width and bidi-override characters reached the terminal."""
    import json
    import sqlite3

    row = {field: f"{field} {TRICKS}" for field in FIELDS}
    row.update(qid="Q1", source="uworld", date="2026-11-10", result="incorrect")
    result = srs("import", str(write_log("tricks.jsonl", json.dumps(row) + "\n")))
    assert result.exit_code == 0, result.output
    for command in (["weak"], ["queue"], ["due"], ["queue", "--json"], ["weak", "--json"], ["review"]):
        shown = srs(*command, input="3\n")
        assert shown.exit_code == 0, shown.output
        assert not any(c in shown.output for c in INVISIBLE), (command, repr(shown.output))
        if command == ["queue"]:
            rows = [line for line in shown.output.splitlines() if "topic" in line]
            assert len(rows) == 1 and rows[0].lstrip().startswith("1. new"), repr(shown.output)
            assert "topic    1. new  99.99 FAKEevilx second line" in rows[0]
        if command == ["weak"]:
            assert [line for line in shown.output.splitlines() if line.startswith("second line")] == []
        if command == ["queue", "--json"]:
            assert json.loads(shown.output)["cards"][0]["topic"] == f"topic {TRICKS}".strip()
    with sqlite3.connect(db_path) as conn:  # the stored text is kept as written
        (topic,) = conn.execute("SELECT topic FROM questions").fetchone()
    assert topic == f"topic {TRICKS}".strip()
    out = tmp_path / "out\x1b]0;owned\x07\u202e.apkg"
    exported = srs("export", "-o", str(out))
    assert exported.exit_code == 0, exported.output
    assert out.exists()
    assert not any(c in exported.output for c in "\x1b\x07\u202e"), repr(exported.output)


ANKI_MARKUP = [
    "[sound:alarm.mp3]",
    "[anki:tts lang=en_US]read me aloud[/anki:tts]",
    "[anki:play:q:0]",
    "[latex]\\input{/etc/passwd}[/latex]",
    "[$]x^2[/$]",
    "[$$]\\sum_i i[/$$]",
    "[LaTeX]mixed case[/LATEX] [Sound:up.mp3]",
]


def test_anki_markup_in_a_cell_is_shown_as_written(srs, write_log, tmp_path, tmp_anki):
    """Issue 14, item 8: play tags and LaTeX in a cell were live after export; real Anki
    must render no sound or TTS tag and no LaTeX image, and show the text as written."""
    rows = []
    for n, markup in enumerate(ANKI_MARKUP):
        row = {field: f"{field}{n} {markup}" for field in FIELDS}
        row.update(date="2026-11-10", result="incorrect")
        rows.append(row)
    assert srs("import", str(write_log("markup.csv", csv_text(rows)))).exit_code == 0
    apkg = tmp_path / "markup.apkg"
    assert srs("export", "-o", str(apkg)).exit_code == 0
    with anki_collection(tmp_anki) as col:
        import_into_anki(col, apkg)
        notes = list(notes_by_guid(col).values())
        assert len(notes) == len(ANKI_MARKUP)
        outputs = [card.render_output(reload=True) for note in notes for card in note.cards()]
        fields = [value for note in notes for value in note.fields]
    assert [o.question_av_tags for o in outputs] == [[]] * len(outputs)
    assert [o.answer_av_tags for o in outputs] == [[]] * len(outputs)
    answers_text = ""
    for output in outputs:
        for markup in (output.question_text, output.answer_text):
            assert "latex" not in " ".join(Html(markup).attributes)
            assert set(Html(markup).tags) <= TEMPLATE_TAGS, set(Html(markup).tags) - TEMPLATE_TAGS
            assert "[anki:play" not in markup
        answers_text += Html(output.answer_text).text
    for n, markup in enumerate(ANKI_MARKUP):  # the student's words, as written
        for field in ("prompt", "objective", "explanation", "topic", "reason"):
            assert f"{field}{n} {markup}" in answers_text, (field, markup)
    assert not any("[sound:" in f.lower() or "[latex]" in f.lower() or "[$" in f for f in fields)
