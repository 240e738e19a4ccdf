"""Question identity as data: qids, sources, forms and the grouping key (issue 15)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from srs.ingest import identity
from srs.ingest.identity import compose_qid, form_of, normalize_qid, normalize_source, source_and_form
from srs.model import group_key

NUMERIC = ["uworld", "kaplan", "nbme", "uwsa", "free120"]
ALL_SOURCES = [*NUMERIC, "amboss", "other", "", "my-notes"]


@pytest.mark.parametrize(
    "cell", ["118154", "QID 118154", "#118154", "q118154", "Q118154", " 118154 ", "Q: 118154", "qid:118154",
             "Question #118154", "# 118154", "118154.0", "1.18154E+05", "1.18154e5", "118,154", "QID118154"],
)  # fmt: skip
def test_uworld_ids_however_written(cell):
    assert normalize_qid(cell, "uworld") == "118154"


def test_amboss_ids_stay_exact():
    assert normalize_qid("Bh0VT3", "amboss") == "Bh0VT3"
    assert normalize_qid("bh0vt3", "amboss") == "bh0vt3"
    assert normalize_qid("QID Bh0VT3", "amboss") == "Bh0VT3"  # a prefix set off by a space is not the id
    assert normalize_qid("Q12345", "amboss") == "Q12345"  # letters run into the id are the id
    assert normalize_qid("1.5E+01", "amboss") == "1.5E+01"


def test_float_forms_only_for_numbered_banks():
    assert normalize_qid("1.18154E+05", "other") == "1.18154E+05"  # an unknown bank: not known to be numbers
    assert normalize_qid("118154.0", "other") == "118154"  # as before: a spreadsheet's whole number
    assert normalize_qid("118154.5", "uworld") == "118154.5"  # not a whole number: kept


@pytest.mark.parametrize(
    ("link", "source", "qid"),
    [
        ("https://apps.uworld.com/courseapp/usmle/v12/testinterface/launchtest?qid=118154&mode=review", "uworld",
         "118154"),
        ("https://www.uworld.com/app/question/118154", "uworld", "118154"),
        ("https://next.amboss.com/us/q/Bh0VT3", "amboss", "Bh0VT3"),
    ],
)  # fmt: skip
def test_question_links(link, source, qid):
    assert identity.qid_from_url(link) == (source, qid)
    assert normalize_qid(link, source) == qid


def test_an_unknown_link_is_kept_as_written():
    link = "https://example.org/quiz/17"
    assert normalize_qid(link, "uworld") == link


@pytest.mark.parametrize(
    ("name", "source"),
    [("UW", "uworld"), ("U World", "uworld"), ("Uworld", "uworld"), ("UWORLD", "uworld"), ("uworld step 1", "uworld"),
     ("Amboss", "amboss"), ("AMB", "amboss"), ("NBME", "nbme"), ("nbme cbse", "nbme"), ("Kaplan", "kaplan"),
     ("KTP", "kaplan"), ("Free120", "free120"), ("free 120", "free120"), ("NBME Free 120", "free120"),
     ("Bootcamp", "bootcamp"), ("Pathoma", "pathoma"), ("Sketchy", "sketchy"), ("My Own Notes", "my-own-notes")],
)  # fmt: skip
def test_source_spellings(name, source):
    assert normalize_source(name) == source


@pytest.mark.parametrize(
    ("name", "found"),
    [("UWSA1", ("uwsa", "1")), ("UW SA 2", ("uwsa", "2")), ("uwsa 02", ("uwsa", "2")), ("NBME 30", ("nbme", "30")),
     ("NBME Form 27", ("nbme", "27")), ("UWSA", ("uwsa", "")), ("Kaplan 2", ("kaplan-2", ""))],
)  # fmt: skip
def test_form_banks_name_their_form(name, found):
    """UWSA 1 and UWSA 2 are one source (uwsa) with two forms, as NBME 30 and 31 are."""
    assert source_and_form(name) == found


@pytest.mark.parametrize(
    ("cell", "found"),
    [("NBME 30", ("nbme", "30")), ("Form 30", ("", "30")), ("30", ("", "30")), ("CBSE Form A", ("nbme", "A")),
     ("Exam 2", ("", "2"))],
)  # fmt: skip
def test_form_cells(cell, found):
    assert form_of(cell) == found


def test_an_id_of_a_form_question_names_all_three():
    assert compose_qid("30", "2", "17") == "F30/B2/Q17"
    assert compose_qid("30", "", "17") == "F30/Q17"
    assert compose_qid("", "", "17") == "17"
    assert identity.block_of("Block 2") == identity.block_of("B2") == identity.block_of("section 2") == "2"


@given(st.text(max_size=30), st.sampled_from(ALL_SOURCES))
def test_normalize_qid_is_idempotent(text, source):
    once = normalize_qid(text, source)
    assert normalize_qid(once, source) == once


@given(
    st.text(alphabet="#QqIiDd:. 0123456789Ee+,", max_size=16),
    st.sampled_from(ALL_SOURCES),
)
def test_normalize_qid_is_idempotent_on_id_like_text(text, source):
    once = normalize_qid(text, source)
    assert normalize_qid(once, source) == once


@given(st.integers(min_value=1, max_value=10**12), st.sampled_from(NUMERIC), st.data())
def test_any_spreadsheet_float_form_of_an_integer_id_is_the_integer(number, source, data):
    digits = str(number)
    mantissa = f"{digits[0]}.{digits[1:]}" if len(digits) > 1 else digits
    forms = [
        f"{number}.0",
        f"{number}.00",
        f"{mantissa}E+{len(digits) - 1:02d}",
        f"{mantissa}e{len(digits) - 1}",
        f"{number:.6E}" if len(digits.rstrip("0")) <= 7 else f"{number}.0",
        f"{number:,}",
        f"QID {number}",
        f"#{number}",
        f"q{number}.0",
    ]
    assert normalize_qid(data.draw(st.sampled_from(forms)), source) == digits


@given(st.text(max_size=20))
def test_group_key_is_one_rule_for_case_unicode_and_spacing(text):
    key = group_key(text)
    assert group_key(key) == key
    assert group_key(unicodedata.normalize("NFD", text)) == key
    assert group_key(f"  {text.upper()} ") == group_key(text.upper())


def test_group_key_examples():
    assert group_key("Renal") == group_key("renal ") == group_key("RENAL")
    assert group_key(unicodedata.normalize("NFD", "Ménière disease")) == group_key("ménière  Disease")
