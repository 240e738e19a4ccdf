"""The miss totals kept beside the cards, so today's queue is one ranked query.

Each card holds its question's misses and their weight against a fixed epoch;
`miss_groups` sums them by topic, subject and system (migration m004). They are
updated by difference as answers come, recomputed for many cards at once after an
import, and `srs doctor` checks them against a recount of the log.
"""

from __future__ import annotations

import math
from datetime import datetime

from srs.errors import DatabaseError
from srs.model import CardMisses, GroupTotal, KeptBeside, MissBasis, Recounted
from srs.store.base import _MISS, StoreBase
from srs.timing import LN2, julian_day


class MissTotals(StoreBase):
    # -- miss totals (kept up to date for the queue; see m004_miss_totals) -------
    def miss_basis(self) -> MissBasis:
        stored = self.conn.execute("SELECT value FROM config WHERE key = ?", (MISS_BASIS_KEY,)).fetchone()
        if stored is None:
            raise DatabaseError(f"{self.path}: miss totals were never computed; run `srs doctor --repair`")
        epoch, half_life = (float(v) for v in stored[0].split())
        return MissBasis(epoch, half_life)

    def rebase_misses(self, half_life: float, now: datetime) -> None:
        """Count weights from a new epoch (today) and half-life, and recompute every total."""
        self.set_miss_basis(half_life, now)
        self.refresh_misses()

    def set_miss_basis(self, half_life: float, now: datetime) -> None:
        """Weights count from today's epoch with this half-life (totals are not recomputed)."""
        self.set_config(MISS_BASIS_KEY, f"{math.floor(julian_day(now)) + 0.5!r} {float(half_life)!r}")

    def refresh_misses(self, question_ids: list[int] | None = None, *, scratch: str | None = None) -> None:
        """Recompute cards' miss totals from the log: these questions', those in a scratch
        set, or (neither given) all. Group totals follow: by difference for a few cards,
        recomputed whole for many."""
        basis = self.miss_basis()
        latest = self.conn.execute(_LATEST_SQL).fetchone()[0]
        if latest and basis.stale(self._event_time(latest)):  # the log's own clock: no hidden now
            self.rebase_misses(basis.half_life, self._event_time(latest))
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
        self.recount_misses(scratch)
        self.spread_topic_totals(f"(topic_misses, topic_mass) IS NOT ({_TOPIC_TOTALS_SQL})")  # rewrite only what moved

    def recount_misses(self, scratch: str | None = None) -> None:
        """Cards' totals (those in a scratch set, or all) and every group's, from the log."""
        basis = self.miss_basis()
        params = {"epoch": basis.epoch, "half_life": basis.half_life}
        where = f" WHERE question_id IN (SELECT id FROM temp.{scratch})" if scratch else ""
        self.conn.execute(f"UPDATE cards SET (misses, miss_mass) = ({_CARD_MISSES_SQL}){where}", params)
        self._copy_group_keys(f"IN (SELECT id FROM temp.{scratch})" if scratch else "IS NOT NULL")
        self._regroup_misses()

    def spread_topic_totals(self, where: str = "1", params: tuple = ()) -> None:
        """Cards carry their topic's totals (their own when they have no topic): the
        ranking reads them from the card instead of looking the topic up per card."""
        self.conn.execute(f"UPDATE cards SET (topic_misses, topic_mass) = ({_TOPIC_TOTALS_SQL}) WHERE {where}", params)

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
        if names[0]:
            self.spread_topic_totals("topic_key = ?", (names[0],))
        else:
            self.spread_topic_totals("question_id = ?", (question_id,))

    def _regroup_misses(self) -> None:
        self.conn.execute("DELETE FROM miss_groups")
        for kind, column in (("topic", "topic_key"), ("subject", "subject"), ("system", "system")):
            self.conn.execute(
                f"INSERT INTO miss_groups (kind, name, misses, mass) SELECT '{kind}', {column}, sum(misses), "
                f"sum(miss_mass) FROM cards WHERE {column} != '' GROUP BY {column} HAVING sum(misses) > 0"
            )

    def kept_beside_cards(self) -> dict[int, KeptBeside]:
        """Per card, what srs keeps beside its state: (last day, tier day, misses, miss weight,
        topic key, subject, system); `srs doctor` compares it with a recount."""
        rows = self.conn.execute(
            "SELECT question_id, last_day, tier_day, misses, miss_mass, topic_key, subject, system FROM cards"
        )
        return {r[0]: KeptBeside(*r[1:]) for r in rows}

    def topic_copies_differ(self) -> bool:
        """Whether any card's copy of its topic's totals differs from the topic's (or, without
        a topic, from its own) totals."""
        row = self.conn.execute(
            f"SELECT count(*) FROM cards WHERE (topic_misses, topic_mass) IS NOT ({_TOPIC_TOTALS_SQL})"
        ).fetchone()
        return bool(row[0])

    def recounted_beside_cards(self) -> dict[int, Recounted]:
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
        return {r[0]: Recounted(*r[1:]) for r in rows}

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

    def miss_groups(self, *kinds: str) -> list[GroupTotal]:
        """(kind, name, misses, weight against the epoch) of every topic, subject and system
        (or only those of the kinds named)."""
        kinds = kinds or ("topic", "subject", "system")
        rows = self.conn.execute(
            f"SELECT kind, name, misses, mass FROM miss_groups WHERE kind IN ({', '.join('?' for _ in kinds)})", kinds
        )
        return [GroupTotal(*r) for r in rows]

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
            "SELECT count(*) FROM cards WHERE topic_misses >= ?",
            (threshold,),
        ).fetchone()
        return int(row[0])

    def card_misses(self) -> list[CardMisses]:
        """(question id, misses, weight against the epoch) of every card."""
        return [CardMisses(*r) for r in self.conn.execute("SELECT question_id, misses, miss_mass FROM cards")]

    def _copy_group_keys(self, which: str) -> None:
        """Cards carry their question's topic key, subject and system (the queue ranks on them)."""
        self.conn.execute(
            "UPDATE cards SET (topic_key, subject, system) = (SELECT topic_key, subject, system FROM questions "
            f"WHERE id = cards.question_id) WHERE question_id {which}"
        )


MISS_BASIS_KEY = "_miss-basis"
# the log's latest time, two index steps (events_by_kind_time) instead of a scan
_LATEST_SQL = """
    SELECT max(coalesce((SELECT max(at) FROM events WHERE kind = 'qbank'), ''),
               coalesce((SELECT max(at) FROM events WHERE kind = 'review'), ''))
"""
_TOPIC_TOTALS_SQL = """
    SELECT CASE WHEN cards.topic_key = '' THEN cards.misses ELSE coalesce(t.misses, 0) END,
           CASE WHEN cards.topic_key = '' THEN cards.miss_mass ELSE coalesce(t.mass, 0.0) END
    FROM (SELECT 1) LEFT JOIN miss_groups t ON t.kind = 'topic' AND t.name = cards.topic_key
"""
_CARD_MISSES_SQL = f"""
    SELECT count(*), coalesce(sum(exp({LN2!r} * (julianday(e.at) - :epoch) / :half_life)), 0.0)
    FROM events e INDEXED BY events_by_question WHERE e.question_id = cards.question_id AND ({_MISS})
"""
