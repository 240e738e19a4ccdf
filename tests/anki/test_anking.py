"""`srs anking`: Anki searches that find the AnKing cards of missed UWorld questions."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from anki_helpers import anki_collection, csv_text, fresh_anki_path, import_log, sample_rows

from srs.anki.anking import MAX_PER_SEARCH, searches, tag
from srs.plan.queue import Planner
from srs.settings import load
from srs.store import open_store
from srs.timing import utc_now

MISSES = ("incorrect", "omitted", "guessed")
TERM = re.compile(r"tag:#AK_Step1_v12::#UWorld::Step::(\d+)")


def missed_uworld(sample: Path) -> set[str]:
    return {r["qid"] for r in sample_rows(sample) if r["source"] == "uworld" and r["result"] in MISSES}


def qids_in(lines: list[str], term: re.Pattern[str] = TERM) -> list[str]:
    found = []
    for line in lines:
        parts = line.split(" OR ")
        found += [term.fullmatch(p).group(1) for p in parts]  # type: ignore[union-attr]
    return found


def test_one_search_for_the_missed_uworld_questions(srs, sample, db_path):
    import_log(srs, sample)
    result = srs("anking")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("tag:#AK_Step1_v12::#UWorld::Step::")
    qids = qids_in(lines)
    assert sorted(qids) == sorted(missed_uworld(sample))  # each once; AMBOSS and NBME left out
    with open_store(db_path) as store:
        ranked = [r.qid for r in Planner(store, load(store), utc_now()).ranked if r.source == "uworld"]
    assert qids == ranked  # most important first
    assert result.stderr == (
        f"{len(qids)} missed UWorld QIDs in 1 search (at most 100 QIDs each): "
        "paste each line into Anki's browser search bar.\n"
    )


def test_chunks_filters_steps_and_versions(srs, sample):
    import_log(srs, sample)
    everything = qids_in(srs("anking").stdout.splitlines())
    split = srs("anking", "--per-search", "7").stdout.splitlines()
    assert [len(line.split(" OR ")) for line in split[:-1]] == [7] * (len(split) - 1)
    assert qids_in(split) == everything  # same order: most important first

    pharm = {r["qid"] for r in sample_rows(sample) if r["subject"] == "Pharmacology"} & missed_uworld(sample)
    assert set(qids_in(srs("anking", "--subject", "pharm").stdout.splitlines())) == pharm

    step3 = srs("anking", "--step", "3").stdout.splitlines()
    assert qids_in(step3, re.compile(r"tag:#AK_Step3_v12::#UWorld::(\d+)")) == everything
    v11 = srs("anking", "--version", "V11", "--step", "2").stdout.splitlines()
    assert qids_in(v11, re.compile(r"tag:#AK_Step2_v11::#UWorld::(\d+)")) == everything

    bad = srs("anking", "--version", "twelve")
    assert (bad.exit_code, bad.output) == (1, "Error: AnKing deck version 'twelve' is not like v12\n")
    none = srs("anking", "--topic", "Beta-blockers", "--subject", "immunology")
    assert none.exit_code == 1
    assert none.output == "Error: no missed UWorld question matches these filters\n"


def test_qids_that_are_not_numbers_are_left_out(srs, write_log):
    rows = [
        {"qid": "118154", "source": "uworld", "result": "incorrect"},
        {"qid": "abc OR tag:x", "source": "uworld", "result": "incorrect"},
    ]
    import_log(srs, write_log("m.csv", csv_text(rows)))
    result = srs("anking")
    assert result.stdout == "tag:#AK_Step1_v12::#UWorld::Step::118154\n"
    assert "Left out 1 QIDs that are not numbers: abc OR tag:x" in result.stderr


@pytest.mark.slow
def test_the_searches_find_the_tagged_cards_in_real_anki(srs, write_log, tmp_path):
    rows = [{"qid": q, "source": "uworld", "result": "incorrect"} for q in ("118154", "82256")]
    import_log(srs, write_log("m.csv", csv_text(rows)))
    with anki_collection(fresh_anki_path(tmp_path)) as col:
        basic = col.models.by_name("Basic")
        assert basic is not None
        ids = {}
        for name, tags in {
            "118154": ["#AK_Step1_v12::#UWorld::Step::118154", "#AK_Step1_v12::#FirstAid::Immunology"],
            "82256": ["#AK_Step1_v12::#UWorld::Step::82256::extra"],  # a child tag is found too
            "longer": ["#AK_Step1_v12::#UWorld::Step::1181540"],  # a longer number is not
            "step2": ["#AK_Step2_v12::#UWorld::Step::118154"],
        }.items():
            note = col.new_note(basic)
            note["Front"], note.tags = name, tags
            col.add_note(note, col.decks.id_for_name("Default") or 1)
            ids[name] = note.id
        for per_search, expected in ((100, 1), (1, 2)):
            lines = srs("anking", "--per-search", str(per_search)).stdout.splitlines()
            assert len(lines) == expected
            found = {nid for line in lines for nid in col.find_notes(line)}
            assert found == {ids["118154"], ids["82256"]}
        # the most QIDs a search may hold still runs in Anki
        many = searches([str(100000 + i) for i in range(MAX_PER_SEARCH)], per_search=MAX_PER_SEARCH)
        assert len(many) == 1 and col.find_notes(many[0]) == []


def test_tag_forms():
    assert tag("118154") == "#AK_Step1_v12::#UWorld::Step::118154"
    assert tag("118154", step=2) == "#AK_Step2_v12::#UWorld::Step::118154"
    assert tag("118154", step=3) == "#AK_Step3_v12::#UWorld::118154"
    assert tag("118154", version=11) == "#AK_Step1_v11::#UWorld::118154"
