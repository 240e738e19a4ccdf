"""Issue 15, blind: files written the way students' tools write them, by someone who had not
seen the other fixtures, run through `srs import`. Each test pins a defect found that way
(fixed in srs/ingest) by the rows it stores, or by the one line it refuses with. Ids and
topics are invented for these tests."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "misslogs" / "blind"


def stored(db: Path) -> list[tuple[str, str, str, str, str, str]]:
    """(qid, study date, result, topic, system, category) of every imported attempt."""
    if not db.exists():
        return []
    with contextlib.closing(sqlite3.connect(db)) as conn:
        sql = (
            "SELECT q.qid, substr(e.at, 1, 10), e.result, q.topic, q.system, q.category FROM events e "
            "JOIN questions q ON q.id = e.question_id WHERE e.kind = 'qbank' ORDER BY q.qid, e.at"
        )
        return conn.execute(sql).fetchall()


def error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.strip()]


def test_an_unclosed_quote_is_an_error_naming_its_row_not_one_cell_holding_the_rest_of_the_file(srs, db_path):
    # A hand-edited CSV with one stray quote: Python's csv would read every later row into
    # that topic cell and import one row, its topic 'Warfarin reversal,incorrect\n41002,...'.
    path = FIXTURES / "unclosed_quote.csv"
    result = srs("--db", str(db_path), "import", str(path))
    assert result.exit_code == 1
    assert stored(db_path) == []
    assert not db_path.exists()
    lines = error_lines(result.output)
    assert len(lines) == 1
    assert lines[0].startswith(f'Error: {path}:2: column 3: a quote (") opened on this row is never closed')


def test_an_unclosed_quote_on_the_last_line_is_an_error_too(srs, db_path, write_log):
    path = write_log(
        "last.csv", 'QID,Date,Topic,Result\n43001,2026-11-01,Gout,incorrect\n43002,2026-11-01,"Pseudogout,correct\n'
    )
    result = srs("--db", str(db_path), "import", str(path))
    assert result.exit_code == 1
    assert f"{path}:3: column 3: a quote" in result.output
    assert stored(db_path) == []


def test_a_closed_quoted_cell_over_several_lines_still_reads(srs, db_path, write_log):
    path = write_log(
        "multi.csv",
        'QID,Date,Topic,Result,Notes\n44001,2026-11-01,Gout,incorrect,"urate crystals,\nnegatively birefringent"\n'
        '44002,2026-11-02,Pseudogout,correct,"rhomboid"\n',
    )
    result = srs("--db", str(db_path), "import", str(path))
    assert result.exit_code == 0, result.output
    assert [r[:4] for r in stored(db_path)] == [
        ("44001", "2026-11-01", "incorrect", "Gout"),
        ("44002", "2026-11-02", "correct", "Pseudogout"),
    ]
