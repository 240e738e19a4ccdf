"""The priority score in SQL: today's queue and exports ranked by SQLite.

srs.plan.reference is the reference model; property tests check that these queries
rank as it does. Cards carry what the score needs (miss totals, study days, a
copy of their topic, subject and system), so each kind of card is ranked from
its own partial index and only the rows kept are read.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from srs.model import CardRow, Ranked, Scoring
from srs.plan.weights import NEW_CARD_ORDER, QUESTION, RECALL_BASE, RECALL_SLOPE
from srs.store.base import _CARD_ROWS_SQL, StoreBase
from srs.store.rows import CARD_COLUMNS, card_row_from
from srs.timing import to_iso


class Ranking(StoreBase):
    # -- ranked cards (the priority model in SQL; srs.plan.reference is its reference) --
    def ranked_cards(
        self, scoring: Scoring, kind: str, *, end: datetime | None = None, tier: Tier | None = None
    ) -> list[CardRow]:
        """Every card of one kind, highest score first (see _RANKED_WHERE for the kinds)."""
        self._load_pairs(scoring.pairs)
        rows = self.conn.execute(_RANKED_SQL.format(where=_RANKED_WHERE[kind]), _params(scoring, -1, end, tier))
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
        tier: Tier | None = None,
    ) -> tuple[list[Ranked], int]:
        """The first `limit` cards of one kind by score (without their rows: see `rows_of`),
        and how many cards of that kind there are."""
        self._load_pairs(scoring.pairs)
        params = _params(scoring, max(limit, 1), end, tier)
        if kind == "new":
            top = [Ranked(*r) for r in self.conn.execute(_TOP_NEW_SQL, params)]
            return top[:limit], self.new_card_count()
        where = _RANKED_WHERE[kind]
        if kind == "tier":  # counted in the same pass: finding these cards is most of the work
            rows = self.conn.execute(_RANK_COUNT_SQL.format(where=where), params).fetchall()
            return [Ranked(*r[:-1]) for r in rows][:limit], int(rows[0][-1]) if rows else 0
        top = [Ranked(*r) for r in self.conn.execute(_RANK_ONLY_SQL.format(where=where), params)]
        total = self.conn.execute(f"SELECT count(*) FROM cards c WHERE {where}", params).fetchone()[0]
        return top[:limit], int(total)

    def card_count_of(self, kind: str, *, end: datetime | None = None, tier: Tier | None = None) -> int:
        """How many cards of one kind there are (see _RANKED_WHERE), without scoring them."""
        params = {"end": to_iso(end) if end is not None else None, "today": None,
                  "threshold": tier[0] if tier else None, "end_day": tier[1] if tier else None}  # fmt: skip
        return int(self.conn.execute(f"SELECT count(*) FROM cards c WHERE {_RANKED_WHERE[kind]}", params).fetchone()[0])

    def rows_of(self, ranked: list[Ranked], scale: float) -> list[CardRow]:
        """The cards `top_cards` picked, in its order, with their scores as of now."""
        found = {r[0]: r for r in self._select_in(_CARD_ROWS_SQL, "c.question_id", [r.question_id for r in ranked])}
        return [
            card_row_from(found[r.question_id], r.misses, r.topic_misses, r.raw * scale)
            for r in ranked
            if r.question_id in found  # else deleted since, or a damaged file (writes check for that first)
        ]

    def due_moments(self, end: datetime, end_day: int, threshold: int | None) -> list[tuple[str, int | None]]:
        """(due, tier day) of the studied cards due before `end`, or (with a `threshold`: the
        misses that make a topic high-yield) due by their tier day on or before `end_day`; the
        tier day only for high-yield cards."""
        high_yield = "c.state = 2 AND c.topic_misses >= :threshold" if threshold is not None else "0"
        rows = self.conn.execute(
            f"SELECT c.due, CASE WHEN {high_yield} THEN c.tier_day END FROM cards c "
            f"WHERE c.reps > 0 AND (c.due < :end OR ({high_yield} AND c.tier_day <= :end_day))",
            {"end": to_iso(end), "end_day": end_day, "threshold": threshold},
        )
        return rows.fetchall()

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


_RECALL = "pow(1.0 + :factor * max(0, :today - c.last_day) / c.stability, :decay)"
_RAW_SCORE = f"""
    (c.topic_mass + {QUESTION!r} * c.miss_mass + coalesce(x.groups, 0.0)) * coalesce(x.exam, 1.0)
      * ({RECALL_BASE!r} - {RECALL_SLOPE!r}
         * (CASE WHEN c.last_day IS NULL OR c.stability IS NULL THEN 0.0 ELSE {_RECALL} END))
"""
_SCORED_FROM = """
    FROM cards c
    LEFT JOIN temp.pairs x ON x.subject = c.subject AND x.system = c.system
"""
# one pass: every column of every matching card (for long lists: exports)
_RANKED_SQL = f"""
    SELECT c.question_id, q.source, q.qid, q.topic, q.subject, q.system,
           {", ".join("c." + c for c in CARD_COLUMNS.split(", "))},
           c.misses, c.topic_misses, {_RAW_SCORE} AS raw
    {_SCORED_FROM} JOIN questions q ON q.id = c.question_id
    WHERE {{where}} ORDER BY raw DESC, c.due, c.question_id LIMIT :limit
"""


# two passes for a short list (today's queue): rank on the cards' own columns, then read the few kept
def _rank_only_sql(extra: str = "") -> str:
    return f"""
    SELECT c.question_id, c.misses, c.topic_misses, {_RAW_SCORE} AS raw, c.due{extra}
    {_SCORED_FROM}
    WHERE {{where}} ORDER BY raw DESC, c.due, c.question_id LIMIT :limit
"""


_RANK_ONLY_SQL = _rank_only_sql()
_RANK_COUNT_SQL = _rank_only_sql(", count(*) OVER () AS total")  # how many match, on every row
# New cards: within one subject and system a new card's score (recall 0) only grows with
# NEW_CARD_ORDER, the order of the cards_new index, so the first `limit` cards are among the
# first `limit` of each subject and system: a few index steps each, then those are scored.
_TOP_NEW_SQL = f"""
    WITH pair AS (SELECT DISTINCT subject, system FROM cards INDEXED BY cards_new WHERE reps = 0)
    SELECT c.question_id, c.misses, c.topic_misses, {_RAW_SCORE} AS raw, c.due
    FROM pair p JOIN cards c ON c.question_id IN (
        SELECT n.question_id FROM cards n INDEXED BY cards_new
        WHERE n.reps = 0 AND n.subject = p.subject AND n.system = p.system
        ORDER BY {NEW_CARD_ORDER} DESC, n.due LIMIT :limit
    )
    LEFT JOIN temp.pairs x ON x.subject = c.subject AND x.system = c.system
    ORDER BY raw DESC, c.due, c.question_id
    LIMIT :limit
"""
_RANKED_WHERE = {
    "all": "1",
    "new": "c.reps = 0",
    # same-day (re)learning steps (answered today): the only cards that may go over the cap
    "learning": "c.reps > 0 AND c.state IN (1, 3) AND c.due < :end AND c.last_day >= :today",
    # reviews, and interday learning cards (last answered before today): they count
    # against max-reviews-per-day and are spread, as Anki's v3 scheduler counts them
    "review": "c.reps > 0 AND c.state IN (1, 2, 3) AND c.due < :end AND (c.state = 2 OR c.last_day < :today)",
    # review cards whose interval ends on or after the exam (`end`: its day's start), not
    # answered since the exam window opened (`end_day`): pulled forward to be seen before it
    "exam": "c.reps > 0 AND c.state = 2 AND c.due >= :end AND c.last_day < :end_day",
    # due at the high-yield retention (Scheduler.study_days), in cards of high-yield topics
    "tier": "c.state = 2 AND c.topic_key IN (SELECT name FROM miss_groups WHERE kind = 'topic' "
    "AND misses >= :threshold UNION ALL SELECT '') AND (c.topic_key != '' OR c.misses >= :threshold) "
    "AND c.due >= :end AND c.tier_day < :end_day",
}


Tier = tuple[int, int]  # (misses that make a topic high-yield, ordinal of the study day `end` starts)


def _params(scoring: Scoring, limit: int, end: datetime | None, tier: Tier | None) -> dict[str, Any]:
    return {
        "today": scoring.today,
        "factor": scoring.factor,
        "decay": scoring.decay,
        "limit": limit,
        "end": to_iso(end) if end is not None else None,
        "threshold": tier[0] if tier else None,
        "end_day": tier[1] if tier else None,
    }


def _scored_row(row: tuple, scale: float) -> CardRow:
    return card_row_from(row[:14], row[14], row[15], row[16] * scale)
