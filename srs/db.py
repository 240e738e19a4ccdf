"""All SQLite access: opening, migrations, transactions and queries.

Everything else asks this module; no other module writes SQL. The events table
(Qbank attempts and reviews) is the source of truth; `cards` is a cache that
`srs.cards.rebuild` can recompute from it at any time.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import sqlite3
from collections.abc import Iterable, Iterator
from datetime import datetime
from itertools import chain, groupby
from pathlib import Path
from typing import Any

from .errors import DatabaseError, shown
from .records import (
    CARD_COLUMNS,
    EVENT_COLUMNS,
    LN2,
    MISS_RESULTS,
    QUESTION_COLUMNS,
    QUESTION_TEXT_FIELDS,
    AnkiNote,
    CardRow,
    Event,
    MissBasis,
    MissCount,
    Question,
    Ranked,
    Scoring,
    card_row_from,
    card_state_from,
    card_values,
    event_from,
    julian_day,
    merge_text,
    question_from,
    topic_key,
)
from .scheduling import CardState
from .timing import UTC, from_iso, to_iso

__all__ = [  # the records are re-exported: callers take them from here
    "MISS_RESULTS",
    "QUESTION_TEXT_FIELDS",
    "AnkiNote",
    "CardRow",
    "Event",
    "MissBasis",
    "MissCount",
    "Question",
    "Ranked",
    "Scoring",
    "Store",
    "open_store",
    "topic_key",
]

StudyDays = tuple[int | None, int | None]  # Scheduler.study_days: last review's day, tier due day
APPLICATION_ID = 0x53525331  # "SRS1": marks a file as an srs database
BUSY_TIMEOUT_MS = 60_000  # a review answer waits out an import of ~150,000 rows instead of failing


class Store:
    """An open srs database. Use `open_store`; close it (or use `with`)."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self._sound = False  # set once quick_check passed: checked before the first write
        self._pairs: object = None  # the scoring pairs in temp.pairs (see _load_pairs)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    @contextlib.contextmanager
    def write(self) -> Iterator[Store]:
        """One write transaction, taking the write lock up front (all or nothing)."""
        if self.conn.in_transaction:
            raise RuntimeError("write transactions do not nest")
        self.ensure_sound()
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.conn.rollback()
            self._pairs = None  # temp tables written in the transaction are rolled back too
            raise
        else:
            self.conn.commit()

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[Store]:
        """Reads that see one moment of the file (another srs may be writing meanwhile)."""
        if self.conn.in_transaction:
            yield self
            return
        self.conn.execute("BEGIN")
        try:
            yield self
        finally:
            if self.conn.in_transaction:
                self.conn.rollback()  # nothing was written: a read transaction ends either way
            self._pairs = None

    def ensure_sound(self) -> None:
        """Refuse to write into a damaged file: `PRAGMA quick_check` once per open, before
        the first write (about 10 ms per 2 MB; read-only commands never pay it)."""
        if self._sound:
            return
        problems = quick_check(self.conn)
        if problems:
            raise DatabaseError(damaged_message(self.path, problems[0]))
        self._sound = True

    # -- config --------------------------------------------------------------
    def config(self) -> dict[str, str]:
        return {k: v for k, v in self.conn.execute("SELECT key, value FROM config")}

    def set_config(self, key: str, value: str) -> None:
        self.conn.execute(
            "INSERT INTO config (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    # -- questions -----------------------------------------------------------
    def find_question(self, source: str, qid: str) -> Question | None:
        row = self.conn.execute(
            f"SELECT {QUESTION_COLUMNS} FROM questions WHERE source = ? AND qid = ?",
            (source, qid),
        ).fetchone()
        return question_from(row) if row else None

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

    def merge_question_text(self, question_id: int, fields: dict[str, str], rank: str) -> bool:
        """Merge one row's text into a question (see records.merge_text); whether it changed."""
        names = [n for n in fields if n in QUESTION_TEXT_FIELDS]
        row = self.conn.execute(
            f"SELECT text_rank, {', '.join(names) or 'id'} FROM questions WHERE id = ?", (question_id,)
        ).fetchone()
        current_rank, current = row[0], dict(zip(names, row[1:], strict=True))
        changed, new_rank = merge_text(current_rank, current, fields, rank)
        if changed or new_rank != current_rank:
            self.set_question_text(question_id, changed, new_rank)
        return bool(changed)

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

    def _copy_group_keys(self, which: str) -> None:
        """Cards carry their question's topic key, subject and system (the queue ranks on them)."""
        self.conn.execute(
            "UPDATE cards SET (topic_key, subject, system) = (SELECT topic_key, subject, system FROM questions "
            f"WHERE id = cards.question_id) WHERE question_id {which}"
        )

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

    def insert_events(self, rows: list[tuple]) -> None:
        """New events (question id, at, kind, result, rating, duration, key, recorded), keys not yet logged."""
        self.conn.executemany(
            "INSERT INTO events (question_id, at, kind, result, rating, duration_ms, key, recorded_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )

    def delete_event(self, event_id: int) -> None:
        self.conn.execute("DELETE FROM events WHERE id = ?", (event_id,))

    def events(self, question_id: int) -> list[Event]:
        rows = self.conn.execute(
            f"SELECT {EVENT_COLUMNS} FROM events WHERE question_id = ? ORDER BY at, id",
            (question_id,),
        )
        return [event_from(r) for r in rows]

    def histories(self, scratch: str | None = None) -> Iterator[tuple[int, str, str, list[Event]]]:
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
            yield question_id, first[1], first[2], events

    def all_events(self) -> Iterator[Event]:
        """Every event, grouped by question and in time order within each."""
        rows = self.conn.execute(f"SELECT {EVENT_COLUMNS} FROM events ORDER BY question_id, at, id")
        return (event_from(r) for r in rows)

    def question_ids(self) -> list[int]:
        return [r[0] for r in self.conn.execute("SELECT id FROM questions ORDER BY id")]

    # -- cards ---------------------------------------------------------------
    def card(self, question_id: int) -> CardState | None:
        row = self.conn.execute(f"SELECT {CARD_COLUMNS} FROM cards WHERE question_id = ?", (question_id,)).fetchone()
        return card_state_from(row) if row else None

    def cards(self) -> dict[int, CardState]:
        rows = self.conn.execute(f"SELECT question_id, {CARD_COLUMNS} FROM cards")
        return {r[0]: card_state_from(r[1:]) for r in rows}

    def save_card(self, question_id: int, card: CardState, created: datetime, days: StudyDays) -> None:
        """Store a card's state, with its study days (Scheduler.study_days).

        Its miss totals are kept: `refresh_misses` sets them from the log."""
        self.conn.execute(_SAVE_CARD_SQL, (question_id, to_iso(created), *card_values(card), *days))

    def save_cards(self, rows: list[tuple[int, CardState, datetime, StudyDays]]) -> None:
        """save_card for many cards: (question id, state, created, study days)."""
        self.conn.executemany(
            _SAVE_CARD_SQL,
            [(qid, to_iso(created), *card_values(card), *days) for qid, card, created, days in rows],
        )

    def update_card(self, question_id: int, card: CardState, days: StudyDays) -> None:
        """Store a card's new state after an answer (the card must exist)."""
        self.conn.execute(
            "UPDATE cards SET state = ?, step = ?, stability = ?, difficulty = ?, due = ?, "
            "last_review = ?, reps = ?, lapses = ?, last_day = ?, tier_day = ? WHERE question_id = ?",
            (*card_values(card), *days, question_id),
        )

    def delete_card(self, question_id: int) -> None:
        self._group_card_misses(question_id, -1)
        self.conn.execute("DELETE FROM cards WHERE question_id = ?", (question_id,))

    def card_count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM cards").fetchone()[0])

    def card_rows(
        self,
        *,
        due_before: datetime | None = None,
        new: bool | None = None,
        tier_due_before: tuple[datetime, float, list[str]] | None = None,
    ) -> list[CardRow]:
        """Cards, optionally only: due before a time, new or not, or review cards that
        would be due before a time at `stability * factor` days after their last review
        (a cheap pre-filter for the retention tiers; the caller checks each exactly)."""
        where: list[str] = []
        params: list[object] = []
        if due_before is not None:
            where.append("c.due < ?")
            params.append(to_iso(due_before))
        if new is not None:
            where.append("c.reps = 0" if new else "c.reps > 0")
        if tier_due_before is not None:
            moment, factor, topics = tier_due_before
            where.append(
                "c.state = 2 AND c.due >= ? AND julianday(c.last_review) + c.stability * ? - 1 < julianday(?) "
                "AND (q.topic IN (SELECT value FROM json_each(?)) OR q.topic = '')"
            )
            params += [to_iso(moment), factor, to_iso(moment), json.dumps(topics)]
        sql = _CARD_ROWS_SQL + (" WHERE " + " AND ".join(where) if where else "")
        return [card_row_from(r) for r in self.conn.execute(sql, params)]

    def question_stats(self) -> list[tuple]:
        """Per question with any Qbank attempt or review miss: topic, subject, system,
        reason kind, Qbank attempts, correct Qbank attempts, misses (as in miss_counts)."""
        return self.conn.execute(
            f"""
            SELECT q.id, q.topic, q.subject, q.system, q.reason_kind,
                   sum(e.kind = 'qbank'), sum(e.kind = 'qbank' AND e.result = 'correct'),
                   sum({_MISS})
            FROM questions q JOIN events e ON e.question_id = q.id
            GROUP BY q.id
            """
        ).fetchall()

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
        """Cards whose first ever review fell in [start, end): new cards seen that day."""
        row = self.conn.execute(
            "SELECT count(DISTINCT e.question_id) FROM events e "
            "WHERE e.kind = 'review' AND e.at >= ? AND e.at < ? AND NOT EXISTS ("
            "SELECT 1 FROM events p WHERE p.question_id = e.question_id AND p.kind = 'review' AND p.at < ?)",
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

    def latest_misses(self) -> dict[int, datetime]:
        """Per question, the time of its latest miss (as in miss_counts)."""
        rows = self.conn.execute(f"SELECT e.question_id, max(e.at) FROM events e WHERE {_MISS} GROUP BY e.question_id")
        return {question_id: from_iso(at) for question_id, at in rows}

    # -- miss totals (kept up to date for the queue; see m004_miss_totals) -------
    def miss_basis(self) -> MissBasis:
        stored = self.conn.execute("SELECT value FROM config WHERE key = ?", (MISS_BASIS_KEY,)).fetchone()
        if stored is None:
            raise DatabaseError(f"{self.path}: miss totals were never computed; run `srs doctor --repair`")
        epoch, half_life = (float(v) for v in stored[0].split())
        return MissBasis(epoch, half_life)

    def rebase_misses(self, half_life: float, now: datetime) -> None:
        """Count weights from a new epoch (today) and half-life, and recompute every total."""
        self.set_config(MISS_BASIS_KEY, f"{math.floor(julian_day(now)) + 0.5!r} {float(half_life)!r}")
        self.refresh_misses()

    def refresh_misses(self, question_ids: list[int] | None = None, *, scratch: str | None = None) -> None:
        """Recompute cards' miss totals from the log: these questions', those in a scratch
        set, or (neither given) all. Group totals follow: by difference for a few cards,
        recomputed whole for many."""
        basis = self.miss_basis()
        if basis.stale(datetime.now(UTC)):
            self.rebase_misses(basis.half_life, datetime.now(UTC))
            return
        params = {"epoch": basis.epoch, "half_life": basis.half_life}
        if question_ids is not None and len(question_ids) <= 100:
            for question_id in question_ids:
                self._refresh_card_misses(question_id, params)
            return
        if question_ids is not None:
            self.scratch_set("refresh")
            self.conn.executemany("INSERT OR IGNORE INTO temp.refresh (id) VALUES (?)", ((i,) for i in question_ids))
            scratch = "refresh"
        where = f" WHERE question_id IN (SELECT id FROM temp.{scratch})" if scratch else ""
        self.conn.execute(f"UPDATE cards SET (misses, miss_mass) = ({_CARD_MISSES_SQL}){where}", params)
        self._copy_group_keys(f"IN (SELECT id FROM temp.{scratch})" if scratch else "IS NOT NULL")
        self._regroup_misses()

    def _refresh_card_misses(self, question_id: int, params: dict[str, float]) -> None:
        old = self.conn.execute("SELECT misses, miss_mass FROM cards WHERE question_id = ?", (question_id,)).fetchone()
        if old is None:
            return
        misses, mass = self.conn.execute(
            _CARD_MISSES_SQL.replace("cards.question_id", ":question"), {**params, "question": question_id}
        ).fetchone()
        if (misses, mass) == tuple(old):
            return
        self.conn.execute(
            "UPDATE cards SET misses = ?, miss_mass = ? WHERE question_id = ?", (misses, mass, question_id)
        )
        self._add_to_groups(question_id, misses - old[0], mass - old[1])

    def _group_card_misses(self, question_id: int, sign: int) -> None:
        """Add (+1) or take away (-1) a card's totals from its groups, around a change of
        its topic, subject or system, or its deletion."""
        row = self.conn.execute("SELECT misses, miss_mass FROM cards WHERE question_id = ?", (question_id,)).fetchone()
        if row is not None and row[0]:
            self._add_to_groups(question_id, sign * row[0], sign * row[1])

    def _add_to_groups(self, question_id: int, misses: int, mass: float) -> None:
        names = self.conn.execute(
            "SELECT topic_key, subject, system FROM cards WHERE question_id = ?", (question_id,)
        ).fetchone()
        for kind, name in zip(("topic", "subject", "system"), names, strict=True):
            if not name:
                continue
            self.conn.execute(
                "INSERT INTO miss_groups (kind, name, misses, mass) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (kind, name) DO UPDATE SET misses = misses + excluded.misses, "
                "mass = mass + excluded.mass",
                (kind, name, misses, mass),
            )
        self.conn.execute("DELETE FROM miss_groups WHERE misses <= 0")

    def _regroup_misses(self) -> None:
        self.conn.execute("DELETE FROM miss_groups")
        for kind, column in (("topic", "topic_key"), ("subject", "subject"), ("system", "system")):
            self.conn.execute(
                f"INSERT INTO miss_groups (kind, name, misses, mass) SELECT '{kind}', {column}, sum(misses), "
                f"sum(miss_mass) FROM cards WHERE {column} != '' GROUP BY {column} HAVING sum(misses) > 0"
            )

    def kept_beside_cards(self) -> dict[int, tuple]:
        """Per card, what srs keeps beside its state: (last day, tier day, misses, miss weight,
        topic key, subject, system); `srs doctor` compares it with a recount."""
        rows = self.conn.execute(
            "SELECT question_id, last_day, tier_day, misses, miss_mass, topic_key, subject, system FROM cards"
        )
        return {r[0]: r[1:] for r in rows}

    def recounted_beside_cards(self) -> dict[int, tuple]:
        """The same, recounted from the log and the questions (nothing written)."""
        basis = self.miss_basis()
        params = {"epoch": basis.epoch, "half_life": basis.half_life}
        weight = f"exp({LN2!r} * (julianday(e.at) - :epoch) / :half_life)"
        rows = self.conn.execute(
            f"SELECT c.question_id, coalesce(sum({_MISS}), 0), "
            f"coalesce(sum(CASE WHEN {_MISS} THEN {weight} END), 0.0), q.topic_key, q.subject, q.system "
            f"FROM cards c JOIN questions q ON q.id = c.question_id "
            f"LEFT JOIN events e ON e.question_id = c.question_id GROUP BY c.question_id",
            params,
        )
        return {r[0]: r[1:] for r in rows}

    def groups_recounted(self) -> dict[tuple[str, str], tuple[int, float]]:
        """Miss totals by topic, subject and system summed from the cards (nothing written)."""
        found: dict[tuple[str, str], tuple[int, float]] = {}
        for kind, column in (("topic", "topic_key"), ("subject", "subject"), ("system", "system")):
            for name, misses, mass in self.conn.execute(
                f"SELECT {column}, sum(misses), sum(miss_mass) FROM cards WHERE {column} != '' "
                f"GROUP BY {column} HAVING sum(misses) > 0"
            ):
                found[(kind, name)] = (misses, mass)
        return found

    def miss_groups(self, *kinds: str) -> list[tuple[str, str, int, float]]:
        """(kind, name, misses, weight against the epoch) of every topic, subject and system
        (or only those of the kinds named)."""
        kinds = kinds or ("topic", "subject", "system")
        return self.conn.execute(
            f"SELECT kind, name, misses, mass FROM miss_groups WHERE kind IN ({', '.join('?' for _ in kinds)})", kinds
        ).fetchall()

    def typical_topic_mass(self) -> float:
        """Mean weight of a topic with misses; of a card, when no card has a topic."""
        total, topics = self.conn.execute(
            "SELECT total(mass), count(*) FROM miss_groups WHERE kind = 'topic'"
        ).fetchone()
        if topics:
            return float(total) / topics
        total, cards = self.conn.execute("SELECT total(miss_mass), count(*) FROM cards").fetchone()
        return float(total) / cards if cards else 0.0

    def topic_misses_at(self, fraction: float) -> int:
        """The misses of the topic at `fraction` of the way up, topics ordered by misses (0 if none)."""
        row = self.conn.execute(
            "SELECT misses FROM miss_groups WHERE kind = 'topic' ORDER BY misses LIMIT 1 OFFSET "
            "(SELECT CAST(count(*) * ? AS INTEGER) FROM miss_groups WHERE kind = 'topic')",
            (fraction,),
        ).fetchone()
        return int(row[0]) if row else 0

    def high_yield_card_count(self, threshold: int) -> int:
        """Cards whose topic (their own question when they have none) has at least `threshold` misses."""
        row = self.conn.execute(
            f"SELECT count(*) FROM cards c LEFT JOIN miss_groups t ON t.kind = 'topic' AND t.name = c.topic_key "
            f"WHERE {_TOPIC_MISSES} >= ?",
            (threshold,),
        ).fetchone()
        return int(row[0])

    def card_misses(self) -> list[tuple[int, int, float]]:
        """(question id, misses, weight against the epoch) of every card."""
        return self.conn.execute("SELECT question_id, misses, miss_mass FROM cards").fetchall()

    # -- ranked cards (the priority model in SQL; srs.priority is its reference) --
    def ranked_cards(
        self, scoring: Scoring, kind: str, *, end: datetime | None = None, threshold: int | None = None
    ) -> list[CardRow]:
        """Every card of one kind, highest score first (see _RANKED_WHERE for the kinds)."""
        self._load_pairs(scoring.pairs)
        rows = self.conn.execute(_RANKED_SQL.format(where=_RANKED_WHERE[kind]), _params(scoring, -1, end, threshold))
        return [_scored_row(r, scoring.scale) for r in rows]

    def ranking(self, scoring: Scoring) -> list[Ranked]:
        """Every card's place, highest score first, without reading its row (exports)."""
        self._load_pairs(scoring.pairs)
        sql = _RANK_ONLY_SQL.format(where=_RANKED_WHERE["all"])
        return [Ranked(*r) for r in self.conn.execute(sql, _params(scoring, -1, None, None))]

    def top_cards(
        self,
        scoring: Scoring,
        kind: str,
        limit: int,
        *,
        end: datetime | None = None,
        threshold: int | None = None,
    ) -> tuple[list[Ranked], int]:
        """The first `limit` cards of one kind by score (without their rows: see `rows_of`),
        and how many cards of that kind there are."""
        self._load_pairs(scoring.pairs)
        params = _params(scoring, max(limit, 1), end, threshold)
        if kind == "new":
            top = [Ranked(*r) for r in self.conn.execute(_TOP_NEW_SQL, params)]
            return top[:limit], self.new_card_count()
        where = _RANKED_WHERE[kind]
        top = [Ranked(*r) for r in self.conn.execute(_RANK_ONLY_SQL.format(where=where), params)]
        total = self.conn.execute(f"SELECT count(*) FROM cards c WHERE {where}", params).fetchone()[0]
        return top[:limit], int(total)

    def rows_of(self, ranked: list[Ranked], scale: float) -> list[CardRow]:
        """The cards `top_cards` picked, in its order, with their scores as of now."""
        found = {r[0]: r for r in self._select_in(_CARD_ROWS_SQL, "c.question_id", [r.question_id for r in ranked])}
        return [
            card_row_from(found[r.question_id], r.misses, r.topic_misses, r.raw * scale)
            for r in ranked
            if r.question_id in found  # else deleted since, or a damaged file (writes check for that first)
        ]

    def new_card_count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM cards INDEXED BY cards_new WHERE reps = 0").fetchone()[0])

    def _load_pairs(self, pairs: dict[tuple[str, str], tuple[float, float]]) -> None:
        """Per (subject, system): the subject and system term of the score, and the exam factor.

        A temporary table, loaded once per Planner (the last one loaded is remembered)."""
        if pairs is self._pairs:
            return
        outside = not self.conn.in_transaction
        self.conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS pairs (subject TEXT, system TEXT, groups REAL, exam REAL, "
            "PRIMARY KEY (subject, system)) WITHOUT ROWID"
        )
        self.conn.execute("DELETE FROM temp.pairs")
        self.conn.executemany("INSERT INTO temp.pairs VALUES (?, ?, ?, ?)", [(*k, *v) for k, v in pairs.items()])
        if outside:
            self.conn.commit()  # only the temporary table was written: no transaction is left open
        self._pairs = pairs

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

    # -- scratch sets (temporary tables: memory stays flat on huge imports) ------
    def scratch_set(self, name: str) -> None:
        self.conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS {name} (id INTEGER PRIMARY KEY)")
        self.conn.execute(f"DELETE FROM temp.{name}")

    def scratch_add(self, name: str, value: int) -> None:
        self.conn.execute(f"INSERT OR IGNORE INTO temp.{name} (id) VALUES (?)", (value,))

    def scratch_add_many(self, name: str, values: Iterable[int]) -> None:
        self.conn.executemany(f"INSERT OR IGNORE INTO temp.{name} (id) VALUES (?)", ((v,) for v in values))

    def scratch_has(self, name: str, value: int) -> bool:
        return self.conn.execute(f"SELECT 1 FROM temp.{name} WHERE id = ?", (value,)).fetchone() is not None

    def scratch_items(self, name: str) -> Iterator[int]:
        return (r[0] for r in self.conn.execute(f"SELECT id FROM temp.{name} ORDER BY id"))

    def _select_in(self, sql: str, column: str, values: list[Any]) -> Iterator[tuple]:
        for start in range(0, len(values), 500):
            chunk = values[start : start + 500]
            marks = ", ".join("?" for _ in chunk)
            yield from self.conn.execute(f"{sql} WHERE {column} IN ({marks})", chunk)

    def delete_config(self, key: str) -> None:
        self.conn.execute("DELETE FROM config WHERE key = ?", (key,))


_MISS = f"(e.kind = 'qbank' AND e.result IN {MISS_RESULTS!r}) OR (e.kind = 'review' AND e.rating = 1)"
MISS_BASIS_KEY = "_miss-basis"
_CARD_MISSES_SQL = f"""
    SELECT count(*), coalesce(sum(exp({LN2!r} * (julianday(e.at) - :epoch) / :half_life)), 0.0)
    FROM events e INDEXED BY events_by_question WHERE e.question_id = cards.question_id AND ({_MISS})
"""
_SAVE_CARD_SQL = """
    INSERT INTO cards (question_id, created_at, state, step, stability, difficulty, due, last_review, reps, lapses,
                       last_day, tier_day, topic_key, subject, system)
    SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, topic_key, subject, system FROM questions WHERE id = ?1
    ON CONFLICT (question_id) DO UPDATE SET state = excluded.state, step = excluded.step,
        stability = excluded.stability, difficulty = excluded.difficulty, due = excluded.due,
        last_review = excluded.last_review, reps = excluded.reps, lapses = excluded.lapses,
        created_at = excluded.created_at, last_day = excluded.last_day, tier_day = excluded.tier_day
"""
_RECALL = "pow(1.0 + :factor * max(0, :today - c.last_day) / c.stability, :decay)"
_TOPIC_MISSES = "CASE WHEN c.topic_key = '' THEN c.misses ELSE coalesce(t.misses, 0) END"
_RAW_SCORE = f"""
    (CASE WHEN c.topic_key = '' THEN c.miss_mass ELSE coalesce(t.mass, 0.0) END
      + 0.5 * c.miss_mass + coalesce(x.groups, 0.0)) * coalesce(x.exam, 1.0)
      * (1.5 - (CASE WHEN c.last_day IS NULL OR c.stability IS NULL THEN 0.0 ELSE {_RECALL} END) / 2.0)
"""
_SCORED_FROM = """
    FROM cards c
    LEFT JOIN miss_groups t ON t.kind = 'topic' AND t.name = c.topic_key
    LEFT JOIN temp.pairs x ON x.subject = c.subject AND x.system = c.system
"""
# one pass: every column of every matching card (for long lists: exports)
_RANKED_SQL = f"""
    SELECT c.question_id, q.source, q.qid, q.topic, q.subject, q.system,
           {", ".join("c." + c for c in CARD_COLUMNS.split(", "))},
           c.misses, {_TOPIC_MISSES}, {_RAW_SCORE} AS raw
    {_SCORED_FROM} JOIN questions q ON q.id = c.question_id
    WHERE {{where}} ORDER BY raw DESC, c.due, c.question_id LIMIT :limit
"""
# two passes for a short list (today's queue): rank on the cards' own columns, then read the few kept
_RANK_ONLY_SQL = f"""
    SELECT c.question_id, c.misses, {_TOPIC_MISSES}, {_RAW_SCORE} AS raw, c.due
    {_SCORED_FROM}
    WHERE {{where}} ORDER BY raw DESC, c.due, c.question_id LIMIT :limit
"""
# New cards: a card's score only grows with its own misses within its (topic, subject, system)
# group, so the first `limit` cards lie in the groups whose best card is among the first
# `limit` groups; only those groups' cards are scored one by one.
_TOP_NEW_SQL = f"""
    WITH best AS (
        SELECT topic_key, subject, system, max(miss_mass) AS miss_mass, NULL AS last_day, NULL AS stability
        FROM cards INDEXED BY cards_new WHERE reps = 0 GROUP BY topic_key, subject, system
    ), groups AS (
        SELECT c.topic_key, c.subject, c.system, {_RAW_SCORE} AS raw FROM best c
        LEFT JOIN miss_groups t ON t.kind = 'topic' AND t.name = c.topic_key
        LEFT JOIN temp.pairs x ON x.subject = c.subject AND x.system = c.system
    ), cut AS (
        SELECT raw FROM groups ORDER BY raw DESC LIMIT 1 OFFSET :limit - 1
    )
    SELECT c.question_id, c.misses, {_TOPIC_MISSES}, {_RAW_SCORE} AS raw, c.due
    FROM groups g JOIN cards c INDEXED BY cards_new
        ON c.topic_key = g.topic_key AND c.subject = g.subject AND c.system = g.system AND c.reps = 0
    LEFT JOIN miss_groups t ON t.kind = 'topic' AND t.name = c.topic_key
    LEFT JOIN temp.pairs x ON x.subject = c.subject AND x.system = c.system
    WHERE g.raw >= coalesce((SELECT raw FROM cut), -1e308)
    ORDER BY raw DESC, c.due, c.question_id
    LIMIT :limit
"""
_RANKED_WHERE = {
    "all": "1",
    "new": "c.reps = 0",
    "learning": "c.reps > 0 AND c.state IN (1, 3) AND c.due < :end",
    "review": "c.reps > 0 AND c.state = 2 AND c.due < :end",
    # due at the high-yield retention (Scheduler.study_days), in cards of high-yield topics
    "tier": "c.state = 2 AND c.topic_key IN (SELECT name FROM miss_groups WHERE kind = 'topic' "
    "AND misses >= :threshold UNION ALL SELECT '') AND (c.topic_key != '' OR c.misses >= :threshold) "
    "AND c.due >= :end AND c.tier_day <= :today",
}


def _params(scoring: Scoring, limit: int, end: datetime | None, threshold: int | None) -> dict[str, Any]:
    return {
        "today": scoring.today,
        "factor": scoring.factor,
        "decay": scoring.decay,
        "limit": limit,
        "end": to_iso(end) if end is not None else None,
        "threshold": threshold,
    }


def _scored_row(row: tuple, scale: float) -> CardRow:
    return card_row_from(row[:14], row[14], row[15], row[16] * scale)


_CARD_ROWS_SQL = f"""
    SELECT c.question_id, q.source, q.qid, q.topic, q.subject, q.system,
           {", ".join("c." + c for c in CARD_COLUMNS.split(", "))}
    FROM cards c
    JOIN questions q ON q.id = c.question_id
"""


def open_store(path: Path) -> Store:
    """Open (creating if needed) the database at `path` and bring its schema up to date."""
    path = Path(path)
    _create_private(path)
    try:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000)
    except sqlite3.Error as exc:
        raise explain(exc, path) from exc
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        _ensure_math(conn)
        _check_ours(conn, path)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA foreign_keys = ON")
        _migrate(conn, path)
    except BaseException as exc:
        conn.close()  # a refused file is left as it was: no connection lingers on it
        if isinstance(exc, sqlite3.Error):
            raise explain(exc, path) from exc
        raise
    return Store(conn, path)


def _ensure_math(conn: sqlite3.Connection) -> None:
    """exp() and pow(), which the miss weights and the queue's recall use, even where
    SQLite was built without its math functions (Python's own stand in)."""
    try:
        conn.execute("SELECT exp(0), pow(2, 2)").fetchone()
    except sqlite3.OperationalError:
        conn.create_function("exp", 1, math.exp, deterministic=True)
        conn.create_function("pow", 2, math.pow, deterministic=True)


def _create_private(path: Path) -> None:
    """Create the file readable by its owner only, whatever the umask."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # a new data folder is private too
        if not path.exists():
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    except OSError as exc:
        raise DatabaseError(
            f"{path}: cannot create the database ({exc.strerror}); choose a folder you can write with --db"
        ) from exc


def _check_ours(conn: sqlite3.Connection, path: Path) -> None:
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        if getattr(exc, "sqlite_errorname", "") not in ("SQLITE_NOTADB", "SQLITE_CORRUPT"):
            raise  # cannot open it (permissions, a read-only folder): open_store explains
        raise DatabaseError(
            f"{path} is not an srs database or is damaged ({exc}); point --db at another file or restore a backup"
        ) from exc
    if app_id != APPLICATION_ID and tables:
        raise DatabaseError(
            f"{path} is not an srs database (it belongs to another program); point --db or SRS_DB at another file"
        )


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Apply pending migrations; sqlite-utils is only loaded when there are some."""
    from .migrations import NAMES, SET_NAME

    try:
        applied = {r[0] for r in conn.execute(
            "SELECT name FROM _sqlite_migrations WHERE migration_set = ?", (SET_NAME,)
        )}  # fmt: skip
    except sqlite3.OperationalError:
        applied = set()
    newer = applied - set(NAMES)
    if newer:
        raise DatabaseError(f"{path} was written by a newer srs (schema {sorted(newer)[-1]}); upgrade srs to use it")
    if applied == set(NAMES):
        return
    from .migrations import apply

    if applied:  # an older schema holding the student's data: check it and copy it first
        from .backup import before_migration

        before_migration(conn, path)
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        apply(conn)
    except sqlite3.Error:
        conn.rollback()
        raise  # disk full, read-only, ...: explained where sqlite errors are
    except Exception as exc:
        conn.rollback()
        raise DatabaseError(
            f"{path}: upgrading the database failed ({type(exc).__name__}: {exc}); it was left as it was "
            "(a copy is in its backups folder). Please report this: it is a bug in srs"
        ) from exc
    except BaseException:
        conn.rollback()
        raise
    conn.commit()


def quick_check(conn: sqlite3.Connection, limit: int = 10) -> list[str]:
    """Problems `PRAGMA quick_check` finds (empty when the file is sound)."""
    try:
        rows = [r[0] for r in conn.execute(f"PRAGMA quick_check({int(limit)})")]
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    return [] if rows == ["ok"] else check_lines(rows)


def check_lines(rows: list[str]) -> list[str]:
    """integrity_check rows as single lines, without the '*** in database main ***' headings."""
    return [line for row in rows for line in str(row).splitlines() if line.strip() and not line.startswith("***")]


def damaged_message(path: Path, detail: str) -> str:
    return (
        f"{path} is damaged ({shown(detail, 120)}); nothing was changed. "
        "`srs doctor` shows what is wrong; `srs backups` lists backups to `srs restore`"
    )


def explain(exc: sqlite3.Error, path: Path) -> DatabaseError:
    """One line for any SQLite failure: what is wrong with the file and what to do.

    The CLI boundary and `open_store` both use it, so no raw sqlite3 error reaches the user.
    """
    name = getattr(exc, "sqlite_errorname", "") or ""
    kind = "_".join(name.split("_")[:2])  # SQLITE_IOERR_WRITE -> SQLITE_IOERR
    text = str(exc)
    if kind == "SQLITE_FULL" or "disk is full" in text:
        message = (
            f"{path}: the disk is full; the change in progress was rolled back. "
            "Free some disk space and run the command again"
        )
    elif kind == "SQLITE_READONLY" or "readonly" in text:
        message = (
            f"{path} is read-only; the change in progress was rolled back. srs needs to write the file "
            f"and its folder {path.parent}: check their permissions, or copy the file elsewhere and use --db"
        )
    elif kind == "SQLITE_CANTOPEN":
        message = (
            f"cannot open {path}: check that the folder exists and that you can read and write "
            "the file and its folder, or choose another file with --db"
        )
    elif kind in ("SQLITE_CORRUPT", "SQLITE_NOTADB") or "malformed" in text or "not a database" in text:
        return DatabaseError(damaged_message(path, text))
    elif kind in ("SQLITE_BUSY", "SQLITE_LOCKED") or "locked" in text:
        message = (
            f"{path} is busy: another srs has been writing to it for over {BUSY_TIMEOUT_MS // 1000} s; "
            "nothing was changed, run the command again when it has finished"
        )
    elif kind == "SQLITE_IOERR":
        message = f"cannot read or write {path} ({text}); check the disk, then run `srs doctor`"
    else:
        message = f"{path}: cannot use this database ({text}); run `srs doctor`"
    return DatabaseError(message)
