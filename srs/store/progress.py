"""Reads for the progress report: the log's recent weeks and samples of the cards.

Read-only and kept here, so that no module outside the store writes SQL.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from srs.model import CardRow
from srs.store.base import _CARD_ROWS_SQL, _MISS, StoreBase
from srs.store.rows import card_row_from, stored_time
from srs.timing import to_iso


class WindowEvent(NamedTuple):
    question_id: int
    at: str  # stored form
    kind: str
    rating: int | None
    miss: int  # 1 for a miss (model.is_miss), else 0


class Progress(StoreBase):
    def review_count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM events WHERE kind = 'review'").fetchone()[0])

    def attempt_count(self) -> int:
        """Qbank attempts imported (what 'no misses yet' tells apart: none, or all right)."""
        return int(self.conn.execute("SELECT count(*) FROM events WHERE kind = 'qbank'").fetchone()[0])

    def window_events(self, start: str, end: str) -> list[tuple[int, str, str, int | None, int]]:
        """Qbank attempts and reviews in [start, end), by question and time: WindowEvent's
        fields as plain tuples (the report's hot path: making a third of a million named
        tuples cost 0.45 s of a 5 s report on a million-review log)."""
        rows = self.conn.execute(
            # a scan: the window is a large share of most logs, and reading it in table order
            # beats fetching each row through the (kind, at) index (0.45 s vs 1.0-1.5 s on 1M events)
            f"SELECT e.question_id, e.at, e.kind, e.rating, ({_MISS}) FROM events e "
            "NOT INDEXED WHERE e.kind IN ('qbank', 'review') AND e.at >= ? AND e.at < ? "
            "ORDER BY e.question_id, e.at, e.id",
            (start, end),
        )
        return rows.fetchall()

    def last_events_before(self, start: str) -> dict[int, str]:
        """Per question, the time of its last event before `start` (stored form)."""
        return dict(self.conn.execute(
            "SELECT question_id, max(at) FROM events INDEXED BY events_by_question WHERE at < ? GROUP BY question_id",
            (start,),
        ))  # fmt: skip

    def first_misses(self) -> dict[int, str]:
        """Per question, the time of its first Qbank miss (when its card was made)."""
        return dict(self.conn.execute(
            f"SELECT e.question_id, min(e.at) FROM events e INDEXED BY events_by_kind_time "
            f"WHERE e.kind = 'qbank' AND ({_MISS}) GROUP BY e.question_id"
        ))  # fmt: skip

    def topic_miss_counts(self) -> dict[int, int]:
        """Per card, its topic's misses (what the tier rule reads)."""
        return dict(self.conn.execute("SELECT question_id, topic_misses FROM cards"))

    def subjects(self) -> dict[int, str]:
        return dict(self.conn.execute("SELECT id, subject FROM questions"))

    def studied_count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM cards WHERE reps > 0").fetchone()[0])

    def new_and_sampled_cards(self, every: int) -> list[CardRow]:
        """Every new card, and 1 in `every` studied cards (by card id)."""
        rows = self.conn.execute(_CARD_ROWS_SQL + " WHERE c.reps = 0 OR c.question_id % ? = 0", (every,))
        return [card_row_from(r) for r in rows]

    def sample_cards(self, scratch: str, every: int) -> None:
        """A scratch set of 1 in `every` cards (by card id)."""
        self.scratch_set(scratch)
        self.scratch_add_many(scratch, (r[0] for r in self.conn.execute(
            "SELECT question_id FROM cards WHERE question_id % ? = 0", (every,)
        )))  # fmt: skip

    def topic_questions(self, topic_keys: list[str]) -> list[TopicQuestion]:
        """The missed questions of these topics (grouping keys), with their latest Qbank miss."""
        if not topic_keys:
            return []
        marks = ", ".join("?" for _ in topic_keys)
        rows = self.conn.execute(
            f"SELECT q.id, c.topic_key, q.topic, q.subject, q.system, q.source, q.qid, "
            f"(SELECT max(e.at) FROM events e INDEXED BY events_by_question "
            f"WHERE e.question_id = q.id AND e.kind = 'qbank' AND ({_MISS})) "
            f"FROM cards c JOIN questions q ON q.id = c.question_id "
            f"WHERE c.topic_key IN ({marks}) AND c.misses > 0 ORDER BY c.misses DESC, q.source, q.qid",
            topic_keys,
        )
        return [
            TopicQuestion(q, key, topic, subject, system, source, qid, self._event_time(at, q) if at else None)
            for q, key, topic, subject, system, source, qid, at in rows
        ]

    def qbank_misses_since(self, start: datetime) -> list[QbankMiss]:
        """Qbank misses from `start` on (through the kind-and-time index)."""
        rows = self.conn.execute(
            f"SELECT e.question_id, q.source, q.qid, e.at, e.id FROM events e INDEXED BY events_by_kind_time "
            f"JOIN questions q ON q.id = e.question_id WHERE e.kind = 'qbank' AND e.at >= ? AND ({_MISS}) "
            f"ORDER BY e.at",
            (to_iso(start),),
        )
        return [
            QbankMiss(question_id, source, qid, stored_time(at, "events", event_id, "at"))
            for question_id, source, qid, at, event_id in rows
        ]


class TopicQuestion(NamedTuple):
    question_id: int
    topic_key: str
    topic: str
    subject: str
    system: str
    source: str
    qid: str
    last_miss: datetime | None


class QbankMiss(NamedTuple):
    question_id: int
    source: str
    qid: str
    at: datetime
