"""Which field each column of a miss log holds, decided from its name alone.

The rule (names are data, `srs/data/headers.json`):

- certain: the name is one of a field's names (`Topic / Concept`, `Q#`, `Got it right?`),
  also with a trailing `(...)` hint dropped (`Correct (Y/N)`);
- fallback: a secondary name (`Created time`, `Category`, `Status`): alone it holds the
  field; beside a certain column for the same field it is ignored, and that is said;
- uncertain: a field's name inside a longer one (`Topic notes`, `Date reviewed`,
  `System/Topic`), or a name that could mean several fields (`Question`, `Name`): an error
  naming the column and the `--map` lines that settle it, unless every field it could mean
  is given by another column (then it is ignored, and that is said);
- ignored: anything else (`Time spent`, `Tags`, `Link`), listed after the import.

A guess is never made: what the name does not settle, the student settles with `--map`.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Protocol

from srs.errors import InputError, shown
from srs.ingest import taxonomy

FIELDS = (
    "qid",
    "source",
    "date",
    "subject",
    "system",
    "topic",
    "result",
    "missed",  # a yes/no column ('Missed?', 'Got it wrong?'): the result, read the other way round
    "objective",
    "prompt",
    "explanation",
    "my_answer",
    "correct_answer",
    "reason",
    "category",
    "cloze",
    "why_wrong",
    "form",  # with block: what identifies a question of a form-based bank besides its number
    "block",
)
IGNORE = "ignore"
SCORE_REPORT = re.compile(
    r"score report|performance profile|equated percent correct|three[- ]digit score|"
    r"estimated (?:step|score)|self[- ]assessment|percent correct|uwsa|nbme\s*\d",
    re.IGNORECASE,
)

MAPPED, CERTAIN, FALLBACK, UNCERTAIN, IGNORED = "mapped", "certain", "fallback", "uncertain", "ignored"
# A field's name found inside a longer column name makes the column uncertain only when the
# name has at least this many letters: 'id' and 'q' inside 'Test ID' or 'Q text' say nothing.
MIN_PART = 3
_HINT = re.compile(r"\s*[(\[][^)\]]*[)\]]\s*$")  # 'Correct (Y/N)', 'Date [MM/DD]'
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")  # 'topicNotes' in a JSON key


class Report(Protocol):
    """Where the columns' decisions are written (misslog.ReadReport)."""

    columns: list[tuple[str, str]]
    ignored_columns: list[str]
    assumptions: list[str]


@dataclass(frozen=True)
class Match:
    """What a column's name says: its kind, and the field(s) it holds or may hold."""

    kind: str
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class HeaderNames:
    exact: dict[str, str]  # key -> field
    fallback: dict[str, str]
    ignore: frozenset[str]
    ambiguous: dict[str, tuple[str, ...]]
    review_states: frozenset[str]


@lru_cache(maxsize=1)
def names() -> HeaderNames:
    data = json.loads(resources.files("srs").joinpath("data/headers.json").read_text(encoding="utf-8"))

    def table(groups: dict[str, list[str]], *, own_name: bool) -> dict[str, str]:
        found: dict[str, str] = {}
        for target, spellings in groups.items():
            for spelling in [target, *spellings] if own_name else spellings:
                found.setdefault(taxonomy.key(spelling), target)
        return found

    exact = table(data["fields"], own_name=True)
    fallback = {k: f for k, f in table(data["fallback"], own_name=False).items() if k not in exact}
    return HeaderNames(
        exact,
        fallback,
        frozenset(taxonomy.key(n) for n in data["ignore"]),
        {taxonomy.key(n): tuple(fields) for n, fields in data["ambiguous"].items()},
        frozenset(taxonomy.key(s) for s in data["review_states"]),
    )


def _unaccented(text: str) -> str:
    """'Résultat' -> 'Resultat', 'Système' -> 'Systeme': a name's letters without their accents."""
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _word_forms(name: str) -> list[list[str]]:
    """The name's words, read a few ways: '#' as 'number' and as nothing, with and without a
    trailing '(...)' hint. '%' is 'percent', so '% Correct' is not 'Correct'."""
    forms: list[list[str]] = []
    for text in dict.fromkeys((name, _HINT.sub("", name))):
        text = _CAMEL.sub(" ", _unaccented(text)).lower().replace("&", " and ").replace("%", " percent ")
        for hash_as in (" number ", " "):
            words = re.findall(r"[a-z0-9]+", text.replace("#", hash_as))
            if words and words not in forms:
                forms.append(words)
    return forms


def classify(name: str) -> Match:
    """What a column name alone says (see the module docstring for the rule)."""
    table = names()
    forms = _word_forms(name)
    for words in forms:
        key = "".join(words)
        if key in table.exact:
            return Match(CERTAIN, (table.exact[key],))
        if key in table.fallback:
            return Match(FALLBACK, (table.fallback[key],))
        if key in table.ignore:
            return Match(IGNORED)
        if key in table.ambiguous:
            return Match(UNCERTAIN, table.ambiguous[key])
    inside: dict[str, None] = {}
    for words in forms:
        for start in range(len(words)):
            for end in range(start + 1, len(words) + 1):
                part = "".join(words[start:end])
                if (end - start) < len(words) and len(part) >= MIN_PART and part in table.exact:
                    inside[table.exact[part]] = None
    return Match(UNCERTAIN, tuple(inside)) if inside else Match(IGNORED)


def parse_mapping(pairs: list[str]) -> dict[str, str]:
    """`--map "Column Name=field"` pairs; field may be `ignore`."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        column, sep, target = pair.rpartition("=")
        target = target.strip().lower().replace("-", "_")
        if not sep or not column.strip():
            raise InputError(f"--map '{pair}' should look like \"Column Name=field\"", file="--map")
        if target not in FIELDS and target != IGNORE:
            raise InputError(
                f"--map '{pair}': '{target}' is not a field (fields: {', '.join(FIELDS)}, or ignore)",
                file="--map",
            )
        mapping[taxonomy.key(column)] = target
    return mapping


def _or(fields: tuple[str, ...] | list[str]) -> str:
    return fields[0] if len(fields) == 1 else ", ".join(fields[:-1]) + " or " + fields[-1]


def _quoted(column: str) -> str:
    return f"'{shown(column, 40)}'"


def _map(column: str, target: str) -> str:
    return f'--map "{shown(column, 40)}={target}"'


class Columns:
    """Which field each column holds; built from the header or, for JSON, per key."""

    def __init__(self, name: str, mapping: dict[str, str], report: Report, *, named: bool = False) -> None:
        self.name, self.mapping, self.report = name, mapping, report
        self.named = named
        self.cache: dict[str, str | None] = {f: f for f in FIELDS} if named else {}
        self.ignored: set[str] = set()
        self.given: dict[str, str] = {}  # field -> the column that gives it
        self.rank: dict[str, str] = {}  # field -> how surely that column names it (MAPPED, CERTAIN, FALLBACK)
        self.checked: set[str] = set()  # fallback result columns: their values are checked (Status)
        self.states: Counter[str] = Counter()  # review states seen in them, as written

    # -- the header ------------------------------------------------------------------

    def check_header(self, header: list[str], sample: str, line: int = 1) -> None:
        """Settle every column, or stop: duplicate fields, uncertain names, no qid column."""
        unsettled = self._settle(header, line=line)
        if "qid" not in self.given and not any("qid" in fields for _, fields in unsettled):
            # no column is, or may be, the question id: not a header at all (titles above it?), or
            # a score report (no_qid_error tells them apart). A column that may be the id ('Question')
            # is asked about first: 'NBME 29' in a log's Exam column is the form, not a report.
            raise no_qid_error(self.name, [c for c in header if c], sample, line)
        if unsettled:
            raise self._uncertain(unsettled, line)
        if "qid" not in self.given:
            raise no_qid_error(self.name, [c for c in header if c], sample, line)
        self._one_result(line)
        if "result" not in self.given and "missed" not in self.given:
            self.report.assumptions.append("No result column: every row is taken as a miss")

    def _one_result(self, line: int | None) -> None:
        """A result column and a 'Missed?' column say the same thing two ways: keep one. A
        Status column (a fallback name) gives way to the 'Missed?' column, and that is said."""
        if "result" not in self.given or "missed" not in self.given:
            return
        result, missed = self.given["result"], self.given["missed"]
        if self.rank["result"] == FALLBACK and self.rank["missed"] != FALLBACK:
            del self.given["result"], self.rank["result"]
            self.checked.discard(result)
            self.report.columns[:] = [pair for pair in self.report.columns if pair[0] != result.strip()]
            self._ignore(result, f"{_quoted(result)} ignored: {_quoted(missed)} says which questions were missed")
            return
        raise InputError(
            f"columns '{result}' and '{missed}' both say how the question went; keep one, or say "
            f'which with --map "{missed}={IGNORE}" (or --map "{result}={IGNORE}")',
            file=self.name,
            line=line,
        )

    def check_names(self, keys: list[str]) -> None:
        """A JSON file's first object: its keys are settled like a header (a qid is checked per row)."""
        unsettled = self._settle(keys, line=None)
        if unsettled:
            raise self._uncertain(unsettled, None)
        self._one_result(None)

    def _settle(self, header: list[str], line: int | None) -> list[tuple[str, tuple[str, ...]]]:
        """Settle what the names settle; return the uncertain columns and the fields they may hold."""
        mapping = self.mapping
        matches: list[tuple[int, str, Match]] = []
        for index, column in enumerate(header, start=1):
            if column.strip():
                matches.append((index, column, self._match(column)))
        # A field is given by the column that names it most surely: a --map line, then a
        # certain name, then a fallback name. Two columns of one rank for one field are an error.
        for kind in (MAPPED, CERTAIN, FALLBACK):
            for index, column, match in matches:
                if match.kind != kind:
                    continue
                target = match.fields[0]
                if target not in self.given:
                    self._take(column, target, kind)
                elif self.rank[target] != kind:
                    self._ignore(column, f"{_quoted(column)} ignored: {_quoted(self.given[target])} gives the {target}")
                else:
                    first = self.given[target]
                    if taxonomy.key(first) == taxonomy.key(column):  # --map names both: it cannot pick one
                        where = next(i for i, c, _ in matches if c == first)
                        how = (f"columns {where} and {index} are both named '{column.strip()}', so --map would "
                               "name both; rename one of them (or delete it) and save the file again")  # fmt: skip
                    else:
                        how = f'keep one, or say which with --map "{column}={IGNORE}"'
                    raise InputError(
                        f"columns '{first}' and '{column}' both mean {target}; {how}",
                        file=self.name,
                        line=line,
                        column=index,
                    )
        open_questions: list[tuple[str, tuple[str, ...]]] = []
        for _, column, match in matches:
            if match.kind == IGNORED:
                self._ignore(column, listed=taxonomy.key(column) not in mapping)
            elif match.kind == UNCERTAIN:
                left = tuple(f for f in match.fields if f not in self.given)
                if left:
                    open_questions.append((column, left))
                else:
                    self._ignore(column, self._given_elsewhere(column, match.fields))
        order = {column.strip(): index for index, column, _ in matches}
        self.report.columns.sort(key=lambda pair: order.get(pair[0], len(order)))
        return open_questions

    def _match(self, column: str) -> Match:
        target = self.mapping.get(taxonomy.key(column))
        if target == IGNORE:
            return Match(IGNORED)
        return Match(MAPPED, (target,)) if target else classify(column)

    def _given_elsewhere(self, column: str, fields: tuple[str, ...]) -> str:
        givers = list(dict.fromkeys(_quoted(self.given[f]) for f in fields))
        said = givers[0] if len(givers) == 1 else ", ".join(givers[:-1]) + " and " + givers[-1]
        verb = "gives" if len(givers) == 1 else "give"
        what = "that" if len(fields) == 1 else "those"
        return f"{_quoted(column)} ignored: it may hold the {_or(fields)}, but {said} {verb} {what}"

    def _uncertain(self, columns: list[tuple[str, tuple[str, ...]]], line: int | None) -> InputError:
        column, fields = columns[0]
        choices = _map(column, fields[0]) + (f" (or ={', ='.join(fields[1:])})" if len(fields) > 1 else "")
        message = (
            f"the name does not say for certain whether it holds the {_or(fields)}, and srs does not guess; "
            f"say {'so' if len(fields) == 1 else 'which'} with {choices}, or {_map(column, IGNORE)}"
        )
        if len(columns) > 1:
            others = ", ".join(f"{_quoted(c)} ({_or(f)}?)" for c, f in columns[1:6])
            message += f"; not certain either: {others}"
        return InputError(message, file=self.name, line=line, field=column)

    def _take(self, column: str, target: str, kind: str) -> None:
        self.cache[column] = target
        self.given[target], self.rank[target] = column, kind
        self.report.columns.append((column.strip(), target))
        if kind == FALLBACK and target == "result":
            self.checked.add(column)

    def _ignore(self, column: str, why: str | None = None, *, listed: bool = True) -> None:
        """Not read; listed after the import (unless --map said ignore), with why when it is not plain."""
        self.cache[column] = None
        if listed and column.strip() and column.strip() not in self.ignored:
            self.ignored.add(column.strip())
            self.report.ignored_columns.append(column.strip())
            if why:
                self.report.assumptions.append(why)

    # -- per cell ----------------------------------------------------------------------

    def field_of(self, column: str) -> str | None:
        """The field a column holds (None: ignored). A column first seen here (a key of a later
        JSON object) is settled alone; an uncertain one makes its row invalid, named."""
        if column in self.cache:
            return self.cache[column]
        match = self._match(column)
        if match.kind == UNCERTAIN and not self.named:
            left = tuple(f for f in match.fields if f not in self.given)
            if left:
                raise self._uncertain([(column, left)], None)
            self._ignore(column, self._given_elsewhere(column, match.fields))
        elif match.kind in (MAPPED, CERTAIN, FALLBACK):
            target = match.fields[0]
            if target not in self.given:
                self._take(column, target, match.kind)
            elif match.kind == FALLBACK and self.rank[target] != FALLBACK:
                self._ignore(column, f"{_quoted(column)} ignored: {_quoted(self.given[target])} gives the {target}")
            else:
                self.cache[column] = target  # one more name for the field: a row giving both is an error
        else:
            self._ignore(column, listed=taxonomy.key(column) not in self.mapping)
        return self.cache[column]

    def review_state(self, column: str, text: str) -> bool:
        """Whether a result cell is a review state of a Status column ('To review', 'Done'):
        then it says nothing of the result and the row is taken as a miss (said by `finish`)."""
        if column in self.checked and taxonomy.key(text) in names().review_states:
            self.states[text.strip()] += 1
            return True
        return False

    def explained(self, error: InputError) -> InputError:
        """A bad value in a Status column read as the result, with the way out: the column may
        track review work in words srs does not know."""
        if error.field is None or error.field not in self.checked:
            return error
        return InputError(
            f"{error.reason}; if {_quoted(error.field)} tracks your review work rather than results, "
            f"{_map(error.field, IGNORE)}",
            file=error.file,
            line=error.line,
            field=error.field,
        )

    def finish(self) -> None:
        """Say what was assumed about the rows, once they are all read."""
        if self.states:
            column = next(iter(self.checked))
            count = sum(self.states.values())
            shown_states = ", ".join(_quoted(s) for s, _ in self.states.most_common(4))
            rows = "1 row is" if count == 1 else f"{count:,} rows are"
            self.report.assumptions.append(
                f"{_quoted(column)} holds review states ({shown_states}), not results: "
                f"{rows} taken as {'a miss' if count == 1 else 'misses'}"
            )


def no_qid_error(name: str, columns: list[str], sample: str, line: int = 1) -> InputError:
    if SCORE_REPORT.search(sample):
        return InputError(
            "this looks like an NBME or UWSA score report, not a list of questions; srs imports the "
            "questions you missed (self-assessment scores will have a command of their own)",
            file=name,
        )
    found = ", ".join(shown(c, 30) for c in columns[:12]) or "nothing"
    return InputError(
        f"no question-id column (found: {found}); rename the column that holds the question ids to QID, "
        'or use --map "Your Column=qid" (and --header-row N when the column names are on row N, below titles)',
        file=name,
        line=line,
    )
