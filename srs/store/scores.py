"""Self-assessments and their content-area bands (`srs score`, `srs ready`, the bands'
priority factor). The records are srs.model.Assessment and Band."""

from __future__ import annotations

from datetime import date, datetime

from srs.errors import AssessmentError
from srs.model import Assessment, Band
from srs.store.base import StoreBase
from srs.timing import to_iso

_COLUMNS = "id, taken, kind, form, percent, pass_probability, scaled"


class Scores(StoreBase):
    def add_assessment(self, assessment: Assessment, now: datetime) -> int:
        """Store a checked assessment (srs.plan.readiness.new_assessment) with its bands; call
        inside `Store.write()`. The same date, kind and form twice is refused."""
        a = assessment
        taken = a.taken.isoformat()
        if self.conn.execute(
            "SELECT 1 FROM assessments WHERE taken = ? AND kind = ? AND form = ?", (taken, a.kind, a.form)
        ).fetchone():
            raise AssessmentError(
                f"{a.label} of {taken} is already recorded (srs score list; srs score rm ID to replace it)"
            )
        cursor = self.conn.execute(
            "INSERT INTO assessments (taken, kind, form, percent, pass_probability, scaled, recorded_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (taken, a.kind, a.form, a.percent, a.pass_probability, a.scaled, to_iso(now)),
        )
        assert cursor.lastrowid is not None
        self.conn.executemany(
            "INSERT INTO assessment_bands (assessment_id, area, band) VALUES (?, ?, ?)",
            [(cursor.lastrowid, b.area, b.band) for b in a.bands],
        )
        return cursor.lastrowid

    def assessments(self) -> list[Assessment]:
        """Every assessment with its bands, oldest first."""
        bands: dict[int, list[Band]] = {}
        for assessment_id, area, band in self.conn.execute(
            "SELECT assessment_id, area, band FROM assessment_bands ORDER BY assessment_id, area"
        ):
            bands.setdefault(assessment_id, []).append(Band(area, band))
        rows = self.conn.execute(f"SELECT {_COLUMNS} FROM assessments ORDER BY taken, id")
        return [
            Assessment(date.fromisoformat(taken), kind, form, percent, probability, scaled,
                       tuple(bands.get(i, ())), i)  # fmt: skip
            for i, taken, kind, form, percent, probability, scaled in rows
        ]

    def has_bands(self) -> bool:
        return self.conn.execute("SELECT 1 FROM assessment_bands LIMIT 1").fetchone() is not None

    def remove_assessment(self, assessment_id: int) -> Assessment:
        """Remove one assessment and its bands; call inside `Store.write()`."""
        found = [a for a in self.assessments() if a.id == assessment_id]
        if not found:
            raise AssessmentError(f"no assessment with id {assessment_id} (srs score list shows them)")
        self.conn.execute("DELETE FROM assessment_bands WHERE assessment_id = ?", (assessment_id,))
        self.conn.execute("DELETE FROM assessments WHERE id = ?", (assessment_id,))
        return found[0]
