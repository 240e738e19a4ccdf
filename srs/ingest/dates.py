"""Dates as students write them, and which order, day or month first, a column uses.

The order belongs to the column, not to a value: `scan` looks at every value of the date
column before any row is stored. `25/10/2026` proves day first, `11/25/2026` month first;
a column of only ambiguous values (`03/11/2026`) is settled by `--dayfirst` or
`--monthfirst`, or by its form (`03.11.2026`: dots are day first wherever they are
written). The scan keeps the first example of each kind, not the values: its memory is
the same for any file.

Dates without a year (`Nov 4`, `4-Nov`, `11/3`) are the latest such date that is not in
the future, counted from the `today` the caller passes in (the clock is never read here).

A Notion date with an end date (`November 3, 2026 → November 5, 2026`) is read as its start,
the day the question was done; the caller says so (`When.ranged`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from srs.errors import InputError, shown
from srs.timing import UTC, DayRule

EXCEL_EPOCH = datetime(1899, 12, 30)
DAY, MONTH = "day", "month"
FLAGS = "--dayfirst or --monthfirst"
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")  # fmt: skip
# d/m/y or m/d/y (or without the year), one separator throughout, then perhaps a time
_NUMERIC = re.compile(r"\s*(\d{1,2})([/.-])(\d{1,2})(?:\2(\d{4}|\d{2}))?(?=$|[\sT,])(.*)", re.DOTALL)
_YEAR_FIRST = re.compile(r"\s*(\d{4})([/.-])(\d{1,2})\2(\d{1,2})(?=$|[\sT,])(.*)", re.DOTALL)
_SERIAL = re.compile(r"\d{5}(\.\d+)?")
LONGEST = 64  # a longer cell is no date (and says nothing about the column's order)
RANGE = "→"  # Notion writes a date with an end date as 'start → end'


@dataclass(frozen=True)
class When:
    """A date as read: the moment, whether the year was supplied, and the other reading
    (day and month swapped) when the value could be read both ways."""

    at: datetime
    yearless: bool = False
    swapped: datetime | None = None
    ranged: bool = False  # the cell was a range, 'start → end': this is its start


def read_date(text: str, rule: DayRule, *, dayfirst: bool, today: date | None) -> When | None:
    """ISO, numeric (day or month first, as told), `3 Nov 2026`, `Nov 4` (no year: needs
    `today`), or an Excel serial number. ValueError for what is not a date; None for empty.

    A date without a time is taken as local noon; a time without an offset as local.
    """
    text = text.strip()
    if not text:
        return None
    start, arrow, end = text.partition(RANGE)
    if arrow:
        first = read_date(start, rule, dayfirst=dayfirst, today=today)
        if first is None or read_date(end, rule, dayfirst=dayfirst, today=today) is None:
            raise ValueError(text)  # half a range, or an arrow in some other text
        return When(first.at, first.yearless, first.swapped, ranged=True)
    if len(text) > LONGEST:
        raise ValueError(text)
    try:
        return When(rule.local_noon(date.fromisoformat(text)))
    except ValueError:
        pass
    try:
        return When(_placed(datetime.fromisoformat(text.replace(" ", "T", 1)), text, rule))
    except ValueError:
        pass
    numeric = _NUMERIC.fullmatch(text)
    if numeric:
        return _numeric(numeric, text, rule, dayfirst, today)
    year_first = _YEAR_FIRST.fullmatch(text)
    if year_first:
        year, _, month, day, rest = year_first.groups()
        return When(_placed(_with_time(date(int(year), int(month), int(day)), rest), text, rule))
    if _SERIAL.fullmatch(text) and 20000 <= float(text) <= 80000:
        return When(_placed(EXCEL_EPOCH + timedelta(days=float(text)), text, rule))
    return _worded(text, rule, dayfirst, today)


def parse_when(text: str, rule: DayRule, *, dayfirst: bool = False, today: date | None = None) -> datetime | None:
    """The moment of a date cell (see read_date); None when it is empty."""
    when = read_date(text, rule, dayfirst=dayfirst, today=today)
    return None if when is None else when.at


def _numeric(found: re.Match[str], text: str, rule: DayRule, dayfirst: bool, today: date | None) -> When:
    first, _, second, year_text, rest = found.groups()
    a, b = int(first), int(second)
    day, month = (a, b) if dayfirst else (b, a)
    if year_text is None:
        if today is None:
            raise ValueError(text)  # without a year and without a today to count from
        at = _placed(_with_time(latest_not_after(month, day, today), rest), text, rule)
        swapped = None
        if a != b and a <= 12 and b <= 12:
            swapped = _placed(_with_time(latest_not_after(day, month, today), rest), text, rule)
        return When(at, True, swapped)
    year = int(year_text) + (2000 if len(year_text) == 2 else 0)
    at = _placed(_with_time(date(year, month, day), rest), text, rule)
    swapped = None
    if a != b and a <= 12 and b <= 12:
        swapped = _placed(_with_time(date(year, day, month), rest), text, rule)
    return When(at, False, swapped)


def _with_time(day: date, rest: str) -> datetime:
    rest = rest.strip().lstrip("T,").strip()
    if not rest:
        return datetime.combine(day, datetime.min.time())
    from dateutil import parser

    try:
        moment = parser.parse(rest, default=datetime.combine(day, datetime.min.time()))
    except (parser.ParserError, OverflowError) as exc:
        raise ValueError(rest) from exc
    if moment.date() != day:
        raise ValueError(rest)  # the rest held more than a time
    return moment


def _placed(moment: datetime, text: str, rule: DayRule) -> datetime:
    """A parsed moment in UTC: an offset is kept, a bare date is local noon, a bare time local."""
    if moment.tzinfo is not None:
        return moment.astimezone(UTC)
    if moment.time() == datetime.min.time() and not re.search(r"\d:\d", text):
        return rule.local_noon(moment.date())
    return rule.localize(moment)


def _worded(text: str, rule: DayRule, dayfirst: bool, today: date | None) -> When:
    """`3 Nov 2026`, `Nov 3, 2026`, `4-Nov-26`; `Nov 4` has no year (the latest before today).

    Which parts the text gave is found by parsing it against two different defaults: a
    part that follows the default was not in the text."""
    from dateutil import parser

    if not re.search(r"[A-Za-z]", text) and not re.search(r"\d{4}", text):
        raise ValueError(text)  # digits alone that are none of the numeric forms above
    try:
        one = parser.parse(text, dayfirst=dayfirst, default=datetime(2000, 1, 1))
        two = parser.parse(text, dayfirst=dayfirst, default=datetime(2004, 2, 2))
        other = parser.parse(text, dayfirst=not dayfirst, default=datetime(2000, 1, 1))
    except (parser.ParserError, OverflowError, ValueError) as exc:
        raise ValueError(text) from exc
    if (one.month, one.day) != (two.month, two.day) or one != other:
        raise ValueError(text)  # no day or month, or an order this form cannot settle
    if one.year == two.year:
        return When(_placed(one, text, rule))
    if today is None:
        raise ValueError(text)
    day = latest_not_after(one.month, one.day, today)
    return When(_placed(one.replace(year=day.year), text, rule), yearless=True)


def latest_not_after(month: int, day: int, today: date) -> date:
    """The latest `month`/`day` that is not after `today` (29 February: the last leap year's)."""
    for year in range(today.year, today.year - 9, -1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate <= today:
            return candidate
    raise ValueError(f"{month}/{day}")


def spelled(moment: date) -> str:
    """`3 November 2026`: a date no reader can take the wrong way round."""
    return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}"


# -- the order of a column ----------------------------------------------------------------


def evidence(text: str) -> str | None:
    """What a value says about its column's order: DAY or MONTH (it can only be read one
    way), "ambiguous" (either way, two different dates), "dots" (either way, but written
    with dots, which only day-first locales use), or None (the order does not matter).
    A range's two dates are in one order: a part that proves it counts before one that does not."""
    if RANGE in text:
        start, _, end = text.partition(RANGE)
        kinds = [evidence(start), evidence(end)]
        return next((k for k in kinds if k in (DAY, MONTH)), kinds[0] or kinds[1])
    if len(text) > LONGEST:
        return None
    found = _NUMERIC.fullmatch(text.strip())
    if not found:
        return None
    first, separator, second, year_text, _ = found.groups()
    a, b = int(first), int(second)
    year = 2000 if year_text is None else int(year_text) + (2000 if len(year_text) == 2 else 0)
    day_first, month_first = _valid(year, b, a), _valid(year, a, b)
    if day_first and month_first:
        if a == b:
            return None
        return "dots" if separator == "." else "ambiguous"
    if day_first:
        return DAY
    if month_first:
        return MONTH
    return None  # no date either way: the row says so when it is read


def _valid(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


@dataclass
class DateScan:
    """The first example (line, text) of each kind of evidence in a date column, and
    whether any row had a date at all."""

    column: str = "date"
    examples: dict[str, tuple[int, str]] = field(default_factory=dict)
    first_dated: int | None = None  # the first line with a date
    _seen: dict[str, tuple[str | None, bool]] = field(default_factory=dict, repr=False)

    def add(self, line: int, text: str) -> None:
        text = text.strip()
        if not text:
            return
        if text not in self._seen:
            if len(self._seen) >= 4096:  # distinct dates are few; a bound keeps any file flat
                self._seen.clear()
            self._seen[text] = (evidence(text), _is_date(text))
        kind, dated = self._seen[text]
        if dated and self.first_dated is None:
            self.first_dated = line
        if kind is not None and kind not in self.examples:
            self.examples[kind] = (line, text)


def _is_date(text: str) -> bool:
    """A date read either way round (what it means is the column's question)."""
    for dayfirst in (False, True):
        try:
            read_date(text, DayRule(), dayfirst=dayfirst, today=date.max)
            return True
        except (ValueError, OverflowError):
            pass
    return False


def decide(scan: DateScan, name: str, *, dayfirst: bool, monthfirst: bool) -> bool:
    """Whether the column is day first; an InputError when its values contradict each
    other or the flag given, or when nothing settles the order."""
    examples, column = scan.examples, scan.column
    if dayfirst or monthfirst:
        against = examples.get(MONTH if dayfirst else DAY)
        if against is not None:
            line, text = against
            flag, other = ("--dayfirst", "--monthfirst") if dayfirst else ("--monthfirst", "--dayfirst")
            raise InputError(
                f"'{shown(text)}' cannot be read {DAY if dayfirst else MONTH} first, as {flag} says "
                f"({_only_reading(text)}); drop {flag}, or give {other}",
                file=name,
                line=line,
                field=column,
            )
        return dayfirst
    day, month = examples.get(DAY), examples.get(MONTH)
    if month is not None:
        day = day or examples.get("dots")
    if day is not None and month is not None:
        (first_line, first), (second_line, second) = sorted([day, month])
        raise InputError(
            f"this date column mixes both orders: line {first_line} '{shown(first)}' is "
            f"{_order_of(first)} first but line {second_line} '{shown(second)}' is {_order_of(second)} first; "
            "correct one of them",
            file=name,
            line=second_line,
            field=column,
        )
    if day is not None:
        return True
    if month is not None:
        return False
    ambiguous = examples.get("ambiguous")
    if ambiguous is not None:
        line, text = ambiguous
        raise InputError(
            f"'{shown(text)}' could be day first or month first, and no date in this column settles "
            f"which; say which with {FLAGS} ({_readings(text)})",
            file=name,
            line=line,
            field=column,
        )
    return "dots" in examples


def _readings(text: str) -> str:
    """`--dayfirst reads it as 3 November 2026, --monthfirst as 11 March 2026`."""
    found = _NUMERIC.fullmatch(text.strip())
    assert found is not None
    a, b, year = int(found.group(1)), int(found.group(3)), found.group(4)
    suffix = "" if year is None else f" {int(year) + (2000 if len(year) == 2 else 0)}"
    day_first = f"{a} {MONTHS[b - 1]}{suffix}"
    month_first = f"{b} {MONTHS[a - 1]}{suffix}"
    return f"--dayfirst reads it as {day_first}, --monthfirst as {month_first}"


def _order_of(text: str) -> str:
    kind = evidence(text)
    return DAY if kind in (DAY, "dots") else MONTH


def _only_reading(text: str) -> str:
    found = _NUMERIC.fullmatch(text.strip())
    assert found is not None
    a, b = int(found.group(1)), int(found.group(3))
    return f"there is no month {max(a, b)}" if max(a, b) > 12 else "it is no date that way"


def future_hint(when: When, dayfirst: bool, latest: datetime) -> str:
    """For a date in the future: the flag that reads it as a date that is not."""
    if when.swapped is None or when.swapped > latest:
        return ""
    flag = "--monthfirst" if dayfirst else "--dayfirst"
    return f"; read the other way it is {spelled(when.swapped.date())}: if that is meant, use {flag}"
