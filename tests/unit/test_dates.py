"""Which order a date column uses (day or month first), decided from its values; dates
without a year; the result vocabulary. The property: whatever dates a student wrote, in
either order, the decision reads every one of them right, or stops and names both flags."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from srs.errors import InputError
from srs.ingest.dates import DAY, MONTH, DateScan, decide, evidence, latest_not_after, parse_when, read_date
from srs.ingest.results import result_of, vocabulary
from srs.timing import DayRule

RULE = DayRule()
TODAY = date(2026, 11, 20)


def scan_of(*values: str) -> DateScan:
    scan = DateScan()
    for line, value in enumerate(values, start=2):
        scan.add(line, value)
    return scan


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("25/10/2026", DAY), ("13.11.2026", DAY), ("31-01-26", DAY),
        ("11/25/2026", MONTH), ("2/29/2028", MONTH),
        ("03/11/2026", "ambiguous"), ("11/3", "ambiguous"), ("3-4-2026", "ambiguous"),
        ("03.11.2026", "dots"),
        ("03/03/2026", None), ("2026-11-03", None), ("46329", None), ("Nov 4", None), ("31/31/2026", None),
        ("30/02/2026", None),  # neither way a date: the row says so, the column learns nothing
        ("", None),
    ],
)  # fmt: skip
def test_what_a_value_says_about_its_column(text, kind):
    assert evidence(text) == kind


def test_one_proof_settles_the_column():
    assert decide(scan_of("03/11/2026", "25/10/2026"), "m.csv", dayfirst=False, monthfirst=False) is True
    assert decide(scan_of("11/03/2026", "10/25/2026"), "m.csv", dayfirst=False, monthfirst=False) is False
    assert decide(scan_of("03.11.2026", "04.11.2026"), "m.csv", dayfirst=False, monthfirst=False) is True
    assert decide(scan_of("2026-11-03", "Nov 4"), "m.csv", dayfirst=False, monthfirst=False) is False  # no matter


def test_nothing_settles_an_ambiguous_column():
    with pytest.raises(InputError) as caught:
        decide(scan_of("2026-11-01", "03/11/2026", "04/11/2026"), "m.csv", dayfirst=False, monthfirst=False)
    assert caught.value.line == 3 and "--dayfirst" in str(caught.value) and "--monthfirst" in str(caught.value)
    assert decide(scan_of("03/11/2026"), "m.csv", dayfirst=True, monthfirst=False) is True
    assert decide(scan_of("03/11/2026"), "m.csv", dayfirst=False, monthfirst=True) is False


def test_both_proofs_name_both_lines():
    with pytest.raises(InputError) as caught:
        decide(scan_of("13/11/2026", "2026-11-01", "11/14/2026"), "m.csv", dayfirst=False, monthfirst=False)
    assert "line 2 '13/11/2026'" in str(caught.value) and "line 4 '11/14/2026'" in str(caught.value)


def test_a_flag_against_a_value_names_the_value():
    with pytest.raises(InputError) as caught:
        decide(scan_of("03/11/2026", "25/10/2026"), "m.csv", dayfirst=False, monthfirst=True)
    assert caught.value.line == 3 and "--monthfirst" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "dayfirst", "expected"),
    [
        ("03/11/2026", True, datetime(2026, 11, 3, 12, tzinfo=UTC)),
        ("03/11/2026", False, datetime(2026, 3, 11, 12, tzinfo=UTC)),
        ("11/3/2026 8:30 PM", False, datetime(2026, 11, 3, 20, 30, tzinfo=UTC)),
        ("2026/11/03", True, datetime(2026, 11, 3, 12, tzinfo=UTC)),  # year first is never day-month swapped
        ("3 Nov 2026", False, datetime(2026, 11, 3, 12, tzinfo=UTC)),
        ("4-Nov-26", True, datetime(2026, 11, 4, 12, tzinfo=UTC)),
        ("Nov 4 10:15", False, datetime(2026, 11, 4, 10, 15, tzinfo=UTC)),
        ("Dec 1", False, datetime(2025, 12, 1, 12, tzinfo=UTC)),
        ("11/21", False, datetime(2025, 11, 21, 12, tzinfo=UTC)),  # tomorrow: last year's
        ("11/20", False, datetime(2026, 11, 20, 12, tzinfo=UTC)),  # today is not the future
    ],
)
def test_reading_dates(text, dayfirst, expected):
    when = read_date(text, RULE, dayfirst=dayfirst, today=TODAY)
    assert when is not None and when.at == expected
    assert when.yearless == (text in ("Nov 4 10:15", "Dec 1", "11/21", "11/20"))


@pytest.mark.parametrize("text", ["Nov", "Nov 2026", "31/31/2026", "3 Nov 40000", "11 3 2026", "x" * 100, "12:30"])
def test_not_dates(text):
    with pytest.raises(ValueError):
        read_date(text, RULE, dayfirst=False, today=TODAY)


def test_parse_when_without_a_today_still_wants_a_year():
    assert parse_when("2026-11-03", RULE) == datetime(2026, 11, 3, 12, tzinfo=UTC)
    with pytest.raises(ValueError):
        parse_when("Nov 4", RULE)


def test_the_last_leap_day():
    assert latest_not_after(2, 29, date(2026, 11, 20)) == date(2024, 2, 29)
    assert latest_not_after(2, 29, date(2028, 2, 28)) == date(2024, 2, 29)
    assert latest_not_after(1, 1, date(2026, 1, 1)) == date(2026, 1, 1)


# -- the property -------------------------------------------------------------------------------

FORMS = {
    DAY: st.sampled_from(["/", ".", "-"]),
    MONTH: st.sampled_from(["/", "-"]),  # month first with dots is not a form anyone writes
}


def written(day: date, order: str, separator: str, padded: bool, year: str) -> str:
    first, second = (day.day, day.month) if order == DAY else (day.month, day.day)
    parts = [f"{first:02d}" if padded else str(first), f"{second:02d}" if padded else str(second)]
    if year == "four":
        parts.append(str(day.year))
    elif year == "two":
        parts.append(f"{day.year % 100:02d}")
    return separator.join(parts)


@given(
    days=st.lists(st.dates(min_value=date(2000, 1, 1), max_value=date(2026, 11, 20)), min_size=1, max_size=25),
    order=st.sampled_from([DAY, MONTH]),
    data=st.data(),
    padded=st.booleans(),
    year=st.sampled_from(["four", "two", "none"]),
)
def test_the_decision_is_right_or_asks_never_wrong(days, order, data, padded, year):
    separator = data.draw(FORMS[order])
    texts = [written(day, order, separator, padded, year) for day in days]
    try:
        dayfirst = decide(scan_of(*texts), "m.csv", dayfirst=False, monthfirst=False)
    except InputError as exc:
        assert "--dayfirst" in str(exc) and "--monthfirst" in str(exc)
        assert all(evidence(t) in ("ambiguous", None) for t in texts)  # asked only when nothing settles it
        return
    for day, text in zip(days, texts, strict=True):
        when = read_date(text, RULE, dayfirst=dayfirst, today=TODAY)
        assert when is not None
        if year == "none":
            assert (when.at.month, when.at.day) == (day.month, day.day), text
        else:
            assert when.at.date() == (day if year == "four" else day.replace(year=2000 + day.year % 100)), text


# -- results -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("✔️", "correct"), ("✔\ufe0e", "correct"), ("✖️", "incorrect"), ("☑️", "correct"), ("❎", "incorrect"),
     ("❌ Incorrect", "incorrect"), ("✅ Correct", "correct"), ("🤔 guessed", "guessed"), ("✅ 🤔", "guessed"),
     ("Incorrect ❌", "incorrect"), ("  FALSCH ", "incorrect"), ("Wahr", "correct"), ("lucky  guess", "guessed"),
     ("✅ wrong", None), ("maybe", None), ("❌ 👻", None), ("", None)],
)  # fmt: skip
def test_result_cells(text, expected):
    assert result_of(text) == expected


def test_every_spelling_is_stored_normalised_and_means_one_result():
    table = vocabulary()
    assert table["✔"] == "correct" and "✔\ufe0f" not in table
    assert {"incorrect", "correct", "omitted", "guessed"} == set(table.values())


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("November 3, 2026 → November 5, 2026", date(2026, 11, 3)),  # a Notion date with an end date
        ("November 3, 2026 8:00 PM → November 3, 2026 9:30 PM", date(2026, 11, 3)),
        ("2026-11-03 → 2026-11-05", date(2026, 11, 3)),
        ("25/10/2026 → 27/10/2026", date(2026, 10, 25)),
    ],
)
def test_a_date_range_is_read_as_its_start(text, day):
    when = read_date(text, RULE, dayfirst=True, today=TODAY)
    assert when is not None and when.ranged and when.at.date() == day
    assert not read_date("November 3, 2026", RULE, dayfirst=False, today=TODAY).ranged  # type: ignore[union-attr]


@pytest.mark.parametrize("text", ["November 3, 2026 →", "→ November 5, 2026", "Nov 3 → soon", "a → b"])
def test_half_a_range_is_no_date(text):
    with pytest.raises(ValueError):
        read_date(text, RULE, dayfirst=False, today=TODAY)


def test_a_range_tells_the_column_its_order():
    assert evidence("25/10/2026 → 27/10/2026") == DAY
    assert evidence("03/11/2026 → 11/25/2026") == MONTH
    assert evidence("03/11/2026 → 05/11/2026") == "ambiguous"
