"""The log and what is built from it: questions, events, cards, Anki notes.

The events table (Qbank attempts and reviews) is the source of truth; `cards` is a
cache that `srs.schedule.replay.rebuild` can recompute from it at any time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from itertools import chain, groupby

from srs.errors import DamagedValue
from srs.model import (
    MISS_RESULTS,
    QUESTION_TEXT_FIELDS,
    UNCLASSIFIED,
    AnkiNote,
    CardRow,
    CardState,
    CardWrite,
    Event,
    History,
    Question,
    QuestionStats,
    State,
    group_key,
    topic_key,
)
from srs.store.base import _CARD_ROWS_SQL, _MISS
from srs.store.rows import (
    CARD_COLUMNS,
    EVENT_COLUMNS,
    QUESTION_COLUMNS,
    card_row_from,
    card_state_from,
    card_values,
    event_from,
    question_from,
    stored_time,
)
from srs.store.totals import MissTotals
from srs.timing import to_iso

_MISS_RESULTS = ", ".join(f"'{r}'" for r in MISS_RESULTS)
StudyDays = tuple[int | None, int | None]  # Scheduler.study_days: last review's day, tier due day


_TIME_COLUMNS = (  # table, its row's name, how a message names it, columns holding times
    ("questions", "id", "", ("created_at",)),
    ("events", "id", "", ("at", "recorded_at")),
    ("cards", "question_id", "question_id ", ("created_at", "due", "last_review", "state")),
)
_NULLABLE = {"last_review"}


class Log(MissTotals):
    # -- questions -----------------------------------------------------------
    def find_question(self, source: str, qid: str) -> Question | None:
        row = self.conn.execute(
            f"SELECT {QUESTION_COLUMNS} FROM questions WHERE source = ? AND qid = ?",
            (source, qid),
        ).fetchone()
        return question_from(row) if row else None

    def questions_by_qid(self, qid: str) -> list[Question]:
        """The questions with this id, in any Qbank."""
        rows = self.conn.execute(f"SELECT {QUESTION_COLUMNS} FROM questions WHERE qid = ? ORDER BY source", (qid,))
        return [question_from(r) for r in rows]

    def find_question_id(self, source: str, qid: str) -> int | None:
        row = self.conn.execute("SELECT id FROM questions WHERE source = ? AND qid = ?", (source, qid)).fetchone()
        return row[0] if row else None

    def question_identity(self, question_id: int) -> tuple[str, str]:
        """(source, qid) of a question."""
        row = self.conn.execute("SELECT source, qid FROM questions WHERE id = ?", (question_id,)).fetchone()
        return row[0], row[1]

    def question(self, question_id: int) -> Question:
        row = self.conn.execute(f"SELECT {QUESTION_COLUMNS} FROM questions WHERE id = ?", (question_id,)).fetchone()
        return question_from(row)

    def questions(self, ids: Iterable[int] | None = None) -> list[Question]:
        sql = f"SELECT {QUESTION_COLUMNS} FROM questions"
        if ids is None:
            return [question_from(r) for r in self.conn.execute(sql + " ORDER BY id")]
        wanted = list(ids)
        found = {q.id: q for q in map(question_from, self._select_in(sql, "id", wanted))}
        return [found[i] for i in wanted if i in found]

    def insert_question(self, source: str, qid: str, fields: dict[str, str], created: datetime, rank: str = "") -> int:
        values = {name: fields.get(name, "") for name in QUESTION_TEXT_FIELDS}
        cursor = self.conn.execute(
            "INSERT INTO questions (source, qid, created_at, text_rank, topic_key, "
            + ", ".join(QUESTION_TEXT_FIELDS)
            + ") VALUES (?, ?, ?, ?, ?, "
            + ", ".join("?" for _ in QUESTION_TEXT_FIELDS)
            + ")",
            (source, qid, to_iso(created), rank, topic_key(values["topic"]), *values.values()),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def set_question_text(self, question_id: int, changed: dict[str, str], rank: str) -> None:
        """Store new text for a question; a new topic, subject or system moves its card's miss totals."""
        changed = dict(changed)
        if "topic" in changed:
            changed["topic_key"] = topic_key(changed["topic"])
        regrouped = any(n in changed for n in ("topic", "subject", "system"))
        if regrouped:
            self._group_card_misses(question_id, -1)
        assignments = "".join(f", {n} = ?" for n in changed)
        self.conn.execute(
            f"UPDATE questions SET text_rank = ?{assignments} WHERE id = ?",
            (rank, *changed.values(), question_id),
        )
        if regrouped:
            self._copy_group_keys(f"= {int(question_id)}")
            self._group_card_misses(question_id, +1)

    def rekey_topics(self) -> None:
        """Every question's grouping key from its topic, by today's rule (model.group_key),
        and one spelling for each subject and system group (the earliest question's): the
        totals in SQL group on the stored names, so 'Renal' and 'renal' must be one."""
        rows = self.conn.execute("SELECT id, topic, topic_key, subject, system FROM questions ORDER BY id").fetchall()
        self.conn.executemany(
            "UPDATE questions SET topic_key = ? WHERE id = ?",
            [(topic_key(topic), i) for i, topic, key, _, _ in rows if topic_key(topic) != key],
        )
        for index, column in ((3, "subject"), (4, "system")):
            chosen: dict[str, str] = {}
            changes = []
            for row in rows:
                name = row[index]
                if name:
                    spelling = chosen.setdefault(group_key(name), name)
                    if spelling != name:
                        changes.append((spelling, row[0]))
            self.conn.executemany(f"UPDATE questions SET {column} = ? WHERE id = ?", changes)

    def regroup(self) -> None:
        """Topic keys and one spelling per subject and system by today's rule, and every
        group's totals summed again from the cards as they are (no replay, no recount)."""
        self.rekey_topics()
        self._copy_group_keys("IS NOT NULL")
        self._regroup_misses()
        self.spread_topic_totals()

    def group_spellings(self) -> dict[str, dict[str, str]]:
        """'subject' and 'system' -> group key -> the spelling stored for that group (one each:
        see rekey_topics), so an import files 'renal' under a stored 'Renal'."""
        found: dict[str, dict[str, str]] = {}
        for column in ("subject", "system"):
            rows = self.conn.execute(f"SELECT {column}, min(id) FROM questions WHERE {column} != '' GROUP BY {column}")
            table = found.setdefault(column, {})
            for name, _ in sorted(rows, key=lambda r: r[1]):
                table.setdefault(group_key(name), name)
        return found

    def qids_under_other_sources(self, first_new_id: int, seen: str) -> list[tuple[str, str, int]]:
        """(source of this import's new questions, another source, how many) where questions
        created from `first_new_id` on have a qid already stored under the other source;
        and, as (source, '', n), how many questions scratch set `seen` holds per source."""
        rows = self.conn.execute(
            "SELECT n.source, o.source, count(*) FROM questions n JOIN questions o INDEXED BY questions_by_qid "
            "ON o.qid = n.qid AND o.source != n.source AND o.id < ? WHERE n.id >= ? GROUP BY n.source, o.source",
            (first_new_id, first_new_id),
        ).fetchall()
        rows += self.conn.execute(
            f"SELECT q.source, '', count(*) FROM temp.{seen} t JOIN questions q ON q.id = t.id GROUP BY q.source"
        ).fetchall()
        return rows

    def questions_of_source(self, source: str) -> list[tuple[int, str]]:
        """(id, qid) of every question of a source."""
        return self.conn.execute("SELECT id, qid FROM questions WHERE source = ? ORDER BY id", (source,)).fetchall()

    def sources(self) -> dict[str, int]:
        """Each source with its number of questions."""
        return dict(self.conn.execute("SELECT source, count(*) FROM questions GROUP BY source").fetchall())

    def move_question(self, question_id: int, source: str, qid: str, into: int | None) -> int:
        """Move a question to (source, qid): renamed when `into` is None, else merged into that
        question (its events, edits and Anki note move there; attempts both hold are kept
        once). Qbank attempts are keyed again under the new name, so importing the file
        again still finds them. Inside the caller's write; the caller replays the cards.
        Returns how many attempts were dropped as the same attempt twice."""
        old_source, old_qid = self.question_identity(question_id)
        dropped = 0
        prefix = f"qbank|{old_source}|{old_qid}|"
        rows = self.conn.execute(
            "SELECT id, key FROM events WHERE question_id = ? AND kind = 'qbank'", (question_id,)
        ).fetchall()
        if into is None:
            self.conn.execute("UPDATE questions SET source = ?, qid = ? WHERE id = ?", (source, qid, question_id))
        for event_id, key in rows:
            if not key.startswith(prefix):
                continue
            new_key = f"qbank|{source}|{qid}|{key[len(prefix) :]}"
            if self.conn.execute("SELECT 1 FROM events WHERE key = ?", (new_key,)).fetchone():
                self.conn.execute("DELETE FROM events WHERE id = ?", (event_id,))
                dropped += 1
            else:
                self.conn.execute("UPDATE events SET key = ? WHERE id = ?", (new_key, event_id))
        if into is not None:
            self.delete_card(question_id)
            self.conn.execute("UPDATE events SET question_id = ? WHERE question_id = ?", (into, question_id))
            self.conn.execute("UPDATE text_events SET question_id = ? WHERE question_id = ?", (into, question_id))
            self.conn.execute(
                "UPDATE anki_notes SET question_id = ? WHERE question_id = ? "
                "AND NOT EXISTS (SELECT 1 FROM anki_notes WHERE question_id = ?)",
                (into, question_id, into),
            )
            self.conn.execute("DELETE FROM anki_notes WHERE question_id = ?", (question_id,))
            self.conn.execute("DELETE FROM questions WHERE id = ?", (question_id,))
        return dropped

    def set_text_ranks(self, rows: list[tuple[str, int]]) -> None:
        """(text rank, question id): a later attempt with the same text (the common case)."""
        self.conn.executemany("UPDATE questions SET text_rank = ? WHERE id = ?", rows)

    def question_texts(self, idents: list[tuple[str, str]]) -> dict[tuple[str, str], tuple[int, str, dict[str, str]]]:
        """(source, qid) -> (id, text rank, text fields) of the questions already stored."""
        found: dict[tuple[str, str], tuple[int, str, dict[str, str]]] = {}
        by_source: dict[str, list[str]] = {}
        for source, qid in idents:
            by_source.setdefault(source, []).append(qid)
        columns = ", ".join(QUESTION_TEXT_FIELDS)
        for source, qids in by_source.items():
            for start in range(0, len(qids), 500):
                chunk = qids[start : start + 500]
                rows = self.conn.execute(
                    f"SELECT id, qid, text_rank, {columns} FROM questions WHERE source = ? "
                    f"AND qid IN ({', '.join('?' for _ in chunk)})",
                    (source, *chunk),
                )
                for question_id, qid, rank, *texts in rows:
                    found[(source, qid)] = (question_id, rank, dict(zip(QUESTION_TEXT_FIELDS, texts, strict=True)))
        return found

    def insert_questions(self, rows: list[tuple[str, str, dict[str, str], str, str]]) -> dict[tuple[str, str], int]:
        """New questions (source, qid, text fields, created, text rank) -> their ids."""
        if not rows:
            return {}
        first = self.last_question_id()
        self.conn.executemany(
            "INSERT INTO questions (source, qid, created_at, text_rank, topic_key, "
            + ", ".join(QUESTION_TEXT_FIELDS)
            + ") VALUES (?, ?, ?, ?, ?, "
            + ", ".join("?" for _ in QUESTION_TEXT_FIELDS)
            + ")",
            [
                (source, qid, created, rank, topic_key(fields.get("topic", "")),
                 *(fields.get(n, "") for n in QUESTION_TEXT_FIELDS))
                for source, qid, fields, created, rank in rows
            ],
        )  # fmt: skip
        return {
            (s, q): i for i, s, q in self.conn.execute("SELECT id, source, qid FROM questions WHERE id > ?", (first,))
        }

    def last_question_id(self) -> int:
        return int(self.conn.execute("SELECT coalesce(max(id), 0) FROM questions").fetchone()[0])

    # -- text events (srs edit) ------------------------------------------------
    def insert_text_event(
        self, question_id: int, *, at: datetime, field: str, value: str, key: str, recorded: datetime
    ) -> None:
        """The student's own text for one field of a question, as of `at` (srs edit)."""
        self.conn.execute(
            "INSERT INTO text_events (question_id, at, field, value, key, recorded_at) VALUES (?, ?, ?, ?, ?, ?)",
            (question_id, to_iso(at), field, value, key, to_iso(recorded)),
        )

    def edited_fields(self, question_ids: list[int] | None = None) -> dict[int, dict[str, str]]:
        """Question id -> the fields the student edited in srs, each with its latest text
        (of these questions, or of all)."""
        found: dict[int, dict[str, str]] = {}
        sql = "SELECT question_id, field, value, at, id FROM text_events"
        rows = self.conn.execute(sql) if question_ids is None else self._select_in(sql, "question_id", question_ids)
        for question_id, name, value, _, _ in sorted(rows, key=lambda r: (r[3], r[4])):
            found.setdefault(question_id, {})[name] = value
        return found

    def scratch_uncarded(self, scratch: str, into: str) -> None:
        """Scratch set `into`: the questions of set `scratch` that have no card yet."""
        self.scratch_set(into)
        self.conn.execute(
            f"INSERT INTO temp.{into} (id) SELECT t.id FROM temp.{scratch} t "
            "WHERE NOT EXISTS (SELECT 1 FROM cards c WHERE c.question_id = t.id)"
        )

    def carded_questions(self, scratch: str | None = None) -> Iterator[Question]:
        """The questions that have a card (of a scratch set, or all), streamed."""
        columns = ", ".join(f"q.{c}" for c in QUESTION_COLUMNS.split(", "))
        source = f"temp.{scratch} t JOIN questions q ON q.id = t.id" if scratch else "questions q"
        rows = self.conn.execute(
            f"SELECT {columns} FROM {source} "
            "WHERE EXISTS (SELECT 1 FROM cards c WHERE c.question_id = q.id) ORDER BY q.id"
        )
        return (question_from(r) for r in rows)

    # -- events --------------------------------------------------------------
    def insert_event(
        self,
        question_id: int,
        *,
        at: datetime | str,
        kind: str,
        key: str,
        recorded: datetime | str,
        result: str | None = None,
        rating: int | None = None,
        duration_ms: int | None = None,
    ) -> int | None:
        """Add an event; None when an event with this key is already logged.

        Times may come already in stored form (`to_iso`), which saves work on big imports.
        """
        at_text = at if isinstance(at, str) else to_iso(at)
        recorded_text = recorded if isinstance(recorded, str) else to_iso(recorded)
        cursor = self.conn.execute(
            "INSERT INTO events (question_id, at, kind, result, rating, duration_ms, key, recorded_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING",
            (question_id, at_text, kind, result, rating, duration_ms, key, recorded_text),
        )
        return cursor.lastrowid if cursor.rowcount else None

    def known_event_keys(self, keys: list[str]) -> set[str]:
        """Which of these event keys are already logged."""
        return {r[0] for r in self._select_in("SELECT key FROM events", "key", keys)}

    def event_results(self, keys: list[str]) -> dict[str, tuple[str, str]]:
        """key -> (result, recorded_at) of the Qbank attempts among these keys."""
        rows = self._select_in("SELECT key, result, recorded_at FROM events", "key", keys)
        return {key: (result, at) for key, result, at in rows if result is not None}

    def event_keys_with_prefix(self, prefix: str) -> list[str]:
        """The event keys that start with `prefix` (which ends in '|'), by the key index."""
        rows = self.conn.execute("SELECT key FROM events WHERE key > ? AND key < ?", (prefix, prefix[:-1] + "}"))
        return [r[0] for r in rows]

    def qbank_event_keys(self) -> list[tuple[int, str, str]]:
        """(id, key, at) of every Qbank attempt, to give them keys by today's rule."""
        return self.conn.execute("SELECT id, key, at FROM events WHERE kind = 'qbank' ORDER BY id").fetchall()

    def set_event_keys(self, changes: list[tuple[int, str]]) -> int:
        """New keys for events (id, key); a key already taken is left as it was. Returns how
        many changed."""
        changed = 0
        for event_id, key in changes:
            done = self.conn.execute(
                "UPDATE events SET key = ? WHERE id = ? AND NOT EXISTS (SELECT 1 FROM events WHERE key = ?)",
                (key, event_id, key),
            )
            changed += done.rowcount
        return changed

    def insert_events(self, rows: list[tuple]) -> None:
        """New events (question id, at, kind, result, rating, duration, key, recorded[, reason
        kind]: all rows of one call alike), keys not yet logged."""
        if not rows:
            return
        reasons = len(rows[0]) == 9
        self.conn.executemany(
            "INSERT INTO events (question_id, at, kind, result, rating, duration_ms, key, recorded_at"
            + (", reason_kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)" if reasons else ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
            rows,
        )

    def fill_event_reasons(self, rows: list[tuple[str, str]], recorded: str) -> int:
        """(reason kind, event key): attempts logged by an earlier import without a reason kind
        get the one their row gives now (a log imported again after srs began keeping a kind
        per attempt). Not those this import (`recorded`) logged: in one file the first row of
        an attempt is the attempt, a later row of the same study day adds nothing."""
        cursor = self.conn.executemany(
            "UPDATE events SET reason_kind = ? WHERE key = ? AND reason_kind = '' AND recorded_at != ?",
            [(*row, recorded) for row in rows],
        )
        return cursor.rowcount

    def miss_reasons(self) -> list[tuple[int, str, int]]:
        """(question id, reason kind, Qbank misses with it): every miss's own reason, for the
        reason mixes (`srs weak`, the report). Misses without a reason are left out."""
        return self.conn.execute(
            f"SELECT e.question_id, e.reason_kind, count(*) FROM events e INDEXED BY events_by_kind_time "
            f"WHERE e.kind = 'qbank' AND e.reason_kind != '' AND e.result IN ({_MISS_RESULTS}) "
            "GROUP BY e.question_id, e.reason_kind"
        ).fetchall()

    def reclassify_reasons(self, kind_of: Callable[[str], str]) -> int:
        """Every stored reason sorted again by `kind_of` (today's rule): the questions' kinds,
        and the attempts' that carry their question's (the ones migration m009 filled in).
        Returns how many questions changed."""
        rows = self.conn.execute("SELECT id, reason, reason_kind FROM questions WHERE reason != ''").fetchall()
        changes = [(kind_of(reason), old, question_id) for question_id, reason, old in rows]
        changes = [c for c in changes if c[0] != c[1]]
        self.conn.executemany(
            "UPDATE events SET reason_kind = ?1 WHERE question_id = ?3 AND kind = 'qbank' "
            f"AND reason_kind = CASE WHEN ?2 = '' THEN '{UNCLASSIFIED}' ELSE ?2 END",
            changes,
        )
        self.conn.executemany("UPDATE questions SET reason_kind = ?1 WHERE id = ?3", changes)
        return len(changes)

    def delete_event(self, event_id: int) -> None:
        self.conn.execute("DELETE FROM events WHERE id = ?", (event_id,))

    def events(self, question_id: int) -> list[Event]:
        rows = self.conn.execute(
            f"SELECT {EVENT_COLUMNS} FROM events WHERE question_id = ? ORDER BY at, id",
            (question_id,),
        )
        return [event_from(r) for r in rows]

    def histories(self, scratch: str | None = None) -> Iterator[History]:
        """(question id, source, qid, its events in time order) for the questions in a scratch
        set, or (None) every question; streamed, one question at a time."""
        source = f"temp.{scratch} t JOIN questions q ON q.id = t.id" if scratch else "questions q"
        rows = self.conn.execute(
            f"SELECT q.id, q.source, q.qid, {', '.join('e.' + c for c in EVENT_COLUMNS.split(', '))} "
            f"FROM {source} LEFT JOIN events e ON e.question_id = q.id ORDER BY q.id, e.at, e.id"
        )
        for question_id, group in groupby(rows, key=lambda r: r[0]):
            first = next(group)
            events = [event_from(r[3:]) for r in chain([first], group) if r[3] is not None]
            yield History(question_id, first[1], first[2], events)

    def all_events(self) -> Iterator[Event]:
        """Every event, grouped by question and in time order within each."""
        rows = self.conn.execute(f"SELECT {EVENT_COLUMNS} FROM events ORDER BY question_id, at, id")
        return (event_from(r) for r in rows)

    def question_ids(self) -> list[int]:
        return [r[0] for r in self.conn.execute("SELECT id FROM questions ORDER BY id")]

    # -- stored values srs cannot read (srs doctor) ----------------------------
    def unreadable_values(self, limit: int = 100) -> list[DamagedValue]:
        """Every stored time (and card state) that does not parse: hand-edited or damaged rows."""
        found: list[DamagedValue] = []
        for table, ident, label, columns in _TIME_COLUMNS:
            sql = f"SELECT {ident}, {', '.join(columns)} FROM {table}"
            for row in self.conn.execute(sql):
                for column, value in zip(columns, row[1:], strict=True):
                    if value is None and column in _NULLABLE:
                        continue
                    try:
                        if column == "state":
                            State(value)
                        else:
                            stored_time(value, table, row[0], column)
                    except ValueError:
                        found.append(DamagedValue(table, f"{label}{row[0]}", column, value, "a card state"))
                    except DamagedValue:
                        found.append(DamagedValue(table, f"{label}{row[0]}", column, value))
                    if len(found) >= limit:
                        return found
        return found

    # -- cards ---------------------------------------------------------------
    def card(self, question_id: int) -> CardState | None:
        row = self.conn.execute(f"SELECT {CARD_COLUMNS} FROM cards WHERE question_id = ?", (question_id,)).fetchone()
        return card_state_from(row, question_id) if row else None

    def cards(self) -> dict[int, CardState]:
        rows = self.conn.execute(f"SELECT question_id, {CARD_COLUMNS} FROM cards")
        return {r[0]: card_state_from(r[1:], r[0]) for r in rows}

    def _save_card_states(self, rows: list[CardWrite]) -> None:
        """Cards' states (Store.replace_cards keeps their miss totals with them)."""
        self.conn.executemany(
            _SAVE_CARD_SQL,
            [(w.question_id, to_iso(w.created), *card_values(w.card), *w.days) for w in rows if w.card and w.created],
        )

    def _write_card_state(self, question_id: int, card: CardState, days: StudyDays) -> None:
        """A card's new state; Store.update_card keeps its miss totals with it."""
        self.conn.execute(
            "UPDATE cards SET state = ?, step = ?, stability = ?, difficulty = ?, due = ?, "
            "last_review = ?, reps = ?, lapses = ?, last_day = ?, tier_day = ? WHERE question_id = ?",
            (*card_values(card), *days, question_id),
        )

    def set_study_days(self, rows: list[tuple[int, int | None, int | None]]) -> None:
        """(question id, last review's day, tier due day) for stored cards, as Scheduler.study_days gives them."""
        self.conn.executemany("UPDATE cards SET last_day = ?, tier_day = ? WHERE question_id = ?", [
            (last, tier, question_id) for question_id, last, tier in rows
        ])  # fmt: skip

    def delete_card(self, question_id: int) -> None:
        self._group_card_misses(question_id, -1)
        self.conn.execute("DELETE FROM cards WHERE question_id = ?", (question_id,))

    def card_count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM cards").fetchone()[0])

    def card_rows(self) -> list[CardRow]:
        """Every card with its question's names, unranked (the reference model's input, and checks)."""
        return [card_row_from(r) for r in self.conn.execute(_CARD_ROWS_SQL)]

    def question_stats(self) -> list[QuestionStats]:
        """Per question with any Qbank attempt or miss: topic, subject, system, reason kind,
        Qbank attempts, correct Qbank attempts, misses (Qbank misses and review Agains, as
        the cards keep them). Reads the Qbank attempts only, not every review."""
        rows = self.conn.execute(
            """
            SELECT q.id, q.topic, q.subject, q.system, q.reason_kind,
                   coalesce(a.attempts, 0), coalesce(a.correct, 0), coalesce(c.misses, 0)
            FROM questions q
            LEFT JOIN (
                SELECT question_id, count(*) AS attempts, sum(result = 'correct') AS correct
                FROM events INDEXED BY events_by_kind_time WHERE kind = 'qbank' GROUP BY question_id
            ) a ON a.question_id = q.id
            LEFT JOIN cards c ON c.question_id = q.id
            WHERE a.attempts IS NOT NULL OR c.misses > 0
            """
        )
        return [QuestionStats(*r) for r in rows]

    def answers_between(self, start: datetime, end: datetime) -> int:
        """Review answers given in [start, end)."""
        row = self.conn.execute(
            "SELECT count(*) FROM events WHERE kind = 'review' AND at >= ? AND at < ?",
            (to_iso(start), to_iso(end)),
        ).fetchone()
        return int(row[0])

    def typical_answer_seconds(self, default: float = 20.0) -> float:
        """Median time of the last 200 answers (slow outliers over 5 minutes left out)."""
        rows = self.conn.execute(
            "SELECT duration_ms FROM events WHERE kind = 'review' AND duration_ms BETWEEN 500 AND 300000 "
            "ORDER BY kind DESC, at DESC LIMIT 200"
        ).fetchall()
        if len(rows) < 10:
            return default
        values = sorted(r[0] for r in rows)
        return values[len(values) // 2] / 1000

    def first_answers_between(self, start: datetime, end: datetime) -> int:
        """New cards begun in [start, end): reviewed then, and new before `start` (no answer
        since the miss that made the card: a later Qbank attempt is an answer too, so a card
        an imported history scheduled is not counted when it is first reviewed)."""
        row = self.conn.execute(
            "SELECT count(DISTINCT e.question_id) FROM events e JOIN cards c ON c.question_id = e.question_id "
            "WHERE e.kind = 'review' AND e.at >= ? AND e.at < ? AND NOT EXISTS ("
            "SELECT 1 FROM events p INDEXED BY events_by_question WHERE p.question_id = e.question_id "
            "AND p.kind IN ('qbank', 'review') AND p.at > c.created_at AND p.at < ?)",
            (to_iso(start), to_iso(end), to_iso(start)),
        ).fetchone()
        return int(row[0])

    def record_import(self, file: str, at: datetime, counts: dict[str, int]) -> None:
        self.conn.execute(
            "INSERT INTO imports (file, at, rows, new_cards, repeated_misses, correct, duplicates, invalid) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                file,
                to_iso(at),
                counts["rows"],
                counts["new_cards"],
                counts["repeated_misses"],
                counts["correct"],
                counts["duplicates"],
                counts["invalid"],
            ),
        )

    def last_event_time(self, question_id: int) -> datetime | None:
        """When the question's latest event happened (by the log's order: at, then id)."""
        row = self.conn.execute(
            "SELECT at FROM events INDEXED BY events_by_question WHERE question_id = ? "
            "ORDER BY at DESC, id DESC LIMIT 1",
            (question_id,),
        ).fetchone()
        return self._event_time(row[0], question_id) if row else None

    def latest_misses(self) -> dict[int, datetime]:
        """Per question, the time of its latest miss (as in miss_counts)."""
        rows = self.conn.execute(f"SELECT e.question_id, max(e.at) FROM events e WHERE {_MISS} GROUP BY e.question_id")
        return {question_id: self._event_time(at, question_id) for question_id, at in rows}

    # -- notes in Anki (srs export, srs sync-anki) ----------------------------
    def anki_notes(self) -> dict[int, AnkiNote]:
        """Question id -> its note, for the notes already exported to (or found in) Anki."""
        rows = self.conn.execute("SELECT question_id, notetype_version, position FROM anki_notes")
        return {question_id: AnkiNote(version, position) for question_id, version, position in rows}

    def record_exported(self, notes: Iterable[tuple[int, str, int, int]], at: datetime) -> None:
        """Notes (question id, GUID, note type version, position) written to a package.

        A note keeps the version and position it was first exported with."""
        stamp = to_iso(at)
        self.conn.executemany(
            "INSERT INTO anki_notes (question_id, guid, notetype_version, position, first_exported, "
            "last_exported, exports) VALUES (?, ?, ?, ?, ?, ?, 1) ON CONFLICT (question_id) DO UPDATE SET "
            "position = coalesce(position, excluded.position), "
            "first_exported = coalesce(first_exported, excluded.first_exported), "
            "last_exported = excluded.last_exported, exports = exports + 1",
            [(qid, guid, version, position, stamp, stamp) for qid, guid, version, position in notes],
        )

    def record_in_anki(self, notes: Iterable[tuple[int, str, int]]) -> int:
        """Notes (question id, GUID, note type version) found in an Anki collection; returns rows changed."""
        cursor = self.conn.executemany(
            "INSERT INTO anki_notes (question_id, guid, notetype_version) VALUES (?, ?, ?) "
            "ON CONFLICT (question_id) DO UPDATE SET notetype_version = excluded.notetype_version "
            "WHERE notetype_version != excluded.notetype_version",
            list(notes),
        )
        return cursor.rowcount


_SAVE_CARD_SQL = """
    INSERT INTO cards (question_id, created_at, state, step, stability, difficulty, due, last_review, reps, lapses,
                       last_day, tier_day, topic_key, subject, system)
    SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, topic_key, subject, system FROM questions WHERE id = ?1
    ON CONFLICT (question_id) DO UPDATE SET state = excluded.state, step = excluded.step,
        stability = excluded.stability, difficulty = excluded.difficulty, due = excluded.due,
        last_review = excluded.last_review, reps = excluded.reps, lapses = excluded.lapses,
        created_at = excluded.created_at, last_day = excluded.last_day, tier_day = excluded.tier_day
"""
