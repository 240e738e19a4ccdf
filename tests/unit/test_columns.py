"""The header rule: which field a column name holds, and when the name does not settle it.

A table of names students write (Google Sheets and Excel miss-log templates, Notion
databases, UWorld/AMBOSS exports), each with the outcome the rule must give.
"""

from __future__ import annotations

import json
from importlib import resources

import pytest

from srs.errors import InputError
from srs.ingest import taxonomy
from srs.ingest.columns import CERTAIN, FALLBACK, FIELDS, IGNORED, UNCERTAIN, Columns, classify, names
from srs.ingest.importer import ImportSummary, counted
from srs.ingest.misslog import ReadReport
from srs.ingest.results import result_of, vocabulary

TABLE = [
    # certain: a field's own name, as students spell it
    ("QID", CERTAIN, ("qid",)),
    ("Q#", CERTAIN, ("qid",)),
    ("Q #", CERTAIN, ("qid",)),
    ("Question #", CERTAIN, ("qid",)),
    ("Question ID", CERTAIN, ("qid",)),
    ("Qid #", CERTAIN, ("qid",)),
    ("UW QID", CERTAIN, ("qid",)),
    ("Question ID (UWorld)", CERTAIN, ("qid",)),  # a trailing hint is dropped
    ("Q Bank", CERTAIN, ("source",)),
    ("QBank", CERTAIN, ("source",)),
    ("Date", CERTAIN, ("date",)),
    ("Date Attempted", CERTAIN, ("date",)),
    ("Date (MM/DD/YYYY)", CERTAIN, ("date",)),
    ("Datum", CERTAIN, ("date",)),
    ("Subject", CERTAIN, ("subject",)),
    ("Organ System", CERTAIN, ("system",)),
    ("Topic / Concept", CERTAIN, ("topic",)),
    ("Concept Tested", CERTAIN, ("topic",)),
    ("Got it right?", CERTAIN, ("result",)),
    ("Correct?", CERTAIN, ("result",)),
    ("Did I get it right", CERTAIN, ("result",)),
    ("Correct (Y/N)", CERTAIN, ("result",)),
    ("Right/Wrong", CERTAIN, ("result",)),
    ("Why I got it wrong", CERTAIN, ("reason",)),
    ("Type of error", CERTAIN, ("reason",)),
    ("Educational objective", CERTAIN, ("objective",)),
    ("Key takeaway", CERTAIN, ("objective",)),
    ("Notes", CERTAIN, ("explanation",)),
    ("Correct answer", CERTAIN, ("correct_answer",)),
    ("Answer I chose", CERTAIN, ("my_answer",)),
    ("my_answer", CERTAIN, ("my_answer",)),
    ("Wrong answer", CERTAIN, ("my_answer",)),
    ("High-yield fact", CERTAIN, ("objective",)),
    # fallback: the field when alone, ignored beside a certain column
    ("Created time", FALLBACK, ("date",)),
    ("Date created", FALLBACK, ("date",)),
    ("Created", FALLBACK, ("date",)),
    ("Concept", FALLBACK, ("topic",)),
    ("Category", FALLBACK, ("topic",)),
    ("Sub-topic", FALLBACK, ("topic",)),
    ("Comments", FALLBACK, ("explanation",)),
    ("Status", FALLBACK, ("result",)),
    # uncertain: a field's name inside a longer one, or a name of several fields
    ("Topic notes", UNCERTAIN, ("topic", "explanation")),
    ("Date reviewed", UNCERTAIN, ("date",)),
    ("Review date", UNCERTAIN, ("date",)),
    ("Main topic area", UNCERTAIN, ("topic",)),
    ("System/Topic", UNCERTAIN, ("system", "topic")),
    ("Subject area", UNCERTAIN, ("subject",)),
    ("topicNotes", UNCERTAIN, ("topic", "explanation")),  # a JSON key
    ("Correct answer explanation", UNCERTAIN, ("result", "correct_answer", "explanation")),
    ("Question", UNCERTAIN, ("qid", "prompt")),
    ("Name", UNCERTAIN, ("qid", "topic")),  # a Notion database's title column
    # ignored: extra columns students keep
    ("Time spent", IGNORED, ()),
    ("Time (min)", IGNORED, ()),
    ("Tags", IGNORED, ()),
    ("Link", IGNORED, ()),
    ("Question link", IGNORED, ()),
    ("Difficulty", IGNORED, ()),
    ("Confidence", IGNORED, ()),
    ("Mood", IGNORED, ()),
    ("Test ID", IGNORED, ()),  # 'id' inside a longer name says nothing
    ("Block", CERTAIN, ("block",)),
    ("% Correct Others", IGNORED, ()),
    ("% Correct", IGNORED, ()),  # a percentage, not a result
    ("Last edited time", IGNORED, ()),
    ("Created by", IGNORED, ()),
]


@pytest.mark.parametrize(("name", "kind", "fields"), TABLE, ids=[row[0] for row in TABLE])
def test_header_rule(name, kind, fields):
    match = classify(name)
    assert (match.kind, match.fields) == (kind, fields)


def test_the_table_is_large_and_covers_every_kind():
    assert len(TABLE) >= 40
    assert {kind for _, kind, _ in TABLE} == {CERTAIN, FALLBACK, UNCERTAIN, IGNORED}


def test_names_are_data_that_agree_with_each_other():
    data = json.loads(resources.files("srs").joinpath("data/headers.json").read_text(encoding="utf-8"))
    table = names()
    assert set(data["fields"]) <= set(FIELDS) and set(data["fallback"]) <= set(FIELDS)
    assert all(set(fields) <= set(FIELDS) for fields in data["ambiguous"].values())
    # a name has one meaning: never both certain and fallback, ignored or ambiguous
    fallback = {taxonomy.key(n) for names_ in data["fallback"].values() for n in names_}
    assert fallback.isdisjoint(table.exact)
    assert table.ignore.isdisjoint(table.exact) and table.ignore.isdisjoint(fallback)
    assert set(table.ambiguous).isdisjoint(table.exact)
    # a review state is never a result word: 'Done' cannot be read as correct
    assert table.review_states.isdisjoint(taxonomy.key(word) for word in vocabulary())
    assert all(result_of(state) is None for state in table.review_states)


def settle(header: list[str], mapping: dict[str, str] | None = None) -> tuple[Columns, ReadReport]:
    report = ReadReport()
    columns = Columns("log.csv", mapping or {}, report)
    columns.check_header(header, "")
    return columns, report


def test_a_certain_column_beats_an_uncertain_one_which_is_ignored_and_said():
    columns, report = settle(["QID", "Date", "Date reviewed", "Topic", "Topic notes", "Notes"])
    assert report.columns == [("QID", "qid"), ("Date", "date"), ("Topic", "topic"), ("Notes", "explanation")]
    assert report.ignored_columns == ["Date reviewed", "Topic notes"]
    assert "'Date reviewed' ignored: it may hold the date, but 'Date' gives that" in report.assumptions
    assert (
        "'Topic notes' ignored: it may hold the topic or explanation, but 'Topic' and 'Notes' give those"
        in report.assumptions
    )
    assert columns.field_of("Date reviewed") is None


def test_an_uncertain_column_alone_is_an_error_naming_it_and_the_map_lines():
    with pytest.raises(InputError) as caught:
        settle(["QID", "Topic notes", "Date"])
    message = str(caught.value)
    assert message.startswith("log.csv:1: column 'Topic notes': ")
    assert '--map "Topic notes=topic" (or =explanation)' in message
    assert '--map "Topic notes=ignore"' in message


def test_several_uncertain_columns_are_named_in_one_error():
    with pytest.raises(InputError) as caught:
        settle(["QID", "Main topic area", "Date reviewed"])
    assert "column 'Main topic area'" in str(caught.value)
    assert "not certain either: 'Date reviewed' (date?)" in str(caught.value)


def test_map_settles_an_uncertain_column():
    _, report = settle(["QID", "Main topic area"], {"maintopicarea": "topic"})
    assert report.columns == [("QID", "qid"), ("Main topic area", "topic")]
    _, report = settle(["QID", "Main topic area"], {"maintopicarea": "ignore"})
    assert report.columns == [("QID", "qid")] and report.ignored_columns == []  # ignored as asked, not listed


def test_a_fallback_beside_a_certain_column_is_ignored_and_said():
    _, report = settle(["Created time", "QID", "Date", "Status", "Correct?"])
    assert report.columns == [("QID", "qid"), ("Date", "date"), ("Correct?", "result")]
    assert "'Created time' ignored: 'Date' gives the date" in report.assumptions
    assert "'Status' ignored: 'Correct?' gives the result" in report.assumptions


def test_two_certain_columns_for_one_field_are_an_error():
    with pytest.raises(InputError, match="columns 'QID' and 'Question #' both mean qid"):
        settle(["QID", "Question #"])
    with pytest.raises(InputError, match="columns 'Created' and 'Created time' both mean date"):
        settle(["QID", "Created", "Created time"])


def test_a_mapped_column_beats_a_named_one():
    _, report = settle(["QID", "Topic", "My topic"], {"mytopic": "topic"})
    assert ("My topic", "topic") in report.columns
    assert "'Topic' ignored: 'My topic' gives the topic" in report.assumptions


def test_no_result_column_is_said():
    _, report = settle(["QID", "Topic"])
    assert report.assumptions == ["No result column: every row is taken as a miss"]


def test_status_review_states_are_counted_and_said():
    columns, report = settle(["QID", "Status"])
    assert columns.review_state("Status", "To review") and columns.review_state("Status", " done ")
    assert not columns.review_state("Status", "Correct")
    columns.finish()
    assert report.assumptions[-1] == (
        "'Status' holds review states ('To review', 'done'), not results: 2 rows are taken as misses"
    )


def test_review_states_only_in_a_status_column():
    columns, _ = settle(["QID", "Result"])
    assert not columns.review_state("Result", "Done")  # a Result column saying 'Done' is a bad row


@pytest.mark.parametrize(
    ("summary", "expected"),
    [
        (
            ImportSummary(rows=1, new_cards=1, correct=1),
            "1 row read: 1 new card, 0 repeated misses, 1 correct attempt, 0 duplicates skipped",
        ),
        (
            ImportSummary(rows=3, new_cards=2, repeated_misses=1, correct=0, duplicates=1, invalid=1,
                          updated_questions=1),  # fmt: skip
            "3 rows read: 2 new cards, 1 repeated miss, 0 correct attempts, 1 duplicate skipped, "
            "1 invalid row skipped, 1 card's text updated",
        ),
        (
            ImportSummary(rows=2, invalid=2, updated_questions=2, dry_run=True),
            "Dry run (nothing written): 2 rows read: 0 new cards, 0 repeated misses, 0 correct attempts, "
            "0 duplicates skipped, 2 invalid rows skipped, 2 cards' text updated",
        ),
    ],
)
def test_counts_are_grammatical(summary, expected):
    assert summary.line() == expected


def test_notes_are_grammatical_and_list_skipped_rows():
    report = ReadReport(skipped_rows=[(5, "WEEK 2"), (9, "TOTAL")], skipped_count=2)
    notes = ImportSummary(recall_prompts=1, fallbacks=1, report=report).notes()
    assert notes[0] == "2 non-question rows skipped: line 5 'WEEK 2', line 9 'TOTAL'"
    assert notes[1].startswith("New cards: 1 tests a fact (your prompt or a cloze), 1 uses a generic prompt")
    one = ImportSummary(recall_prompts=2, report=ReadReport(skipped_rows=[(3, "Block 1")], skipped_count=1))
    assert one.notes() == [
        "1 non-question row skipped: line 3 'Block 1'",
        "New cards: 2 test a fact (your prompt or a cloze), 0 use a generic prompt",
    ]


def test_many_skipped_rows_are_cut_with_a_count():
    rows = [(n, f"WEEK {n}") for n in range(2, 40)]
    (note,) = ImportSummary(report=ReadReport(skipped_rows=rows[:20], skipped_count=38)).notes()
    assert note.startswith("38 non-question rows skipped: line 2 'WEEK 2', line 3 'WEEK 3',")
    assert note.endswith("line 6 'WEEK 6' and 33 more")


def test_unnamed_columns_are_counted_grammatically():
    one = ImportSummary(report=ReadReport(unnamed_columns=[5])).notes()
    two = ImportSummary(report=ReadReport(unnamed_columns=[5, 7])).notes()
    assert one == ["A column without a name was ignored (column 5)"]
    assert two == ["Columns without a name were ignored (columns 5, 7)"]


def test_counted():
    assert [counted(n, "row") for n in (0, 1, 2, 3000)] == ["0 rows", "1 row", "2 rows", "3000 rows"]
    assert counted(1, "repeated miss", "repeated misses") == "1 repeated miss"
