"""Memory states computed by real Anki for given review histories (run as a child process).

Anki's Rust core reads the machine's time zone once per process, so the agreement
test runs this script with TZ set to the student's zone. Reads JSON on stdin:
{"parameters": [...21], "rollover": 4, "cards": [[[ms, rating], ...], ...]};
writes {"next_day_at": seconds, "states": [[stability, difficulty], ...]}.
Each card's history becomes revlog rows as Anki writes them: the first answer a
learning step, the later ones reviews.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

# anki.collection must be imported before anki.cards or anki.scheduler (circular imports).
from anki.collection import Collection

REVLOG_LEARNING, REVLOG_REVIEW = 0, 1


def main() -> None:
    request = json.load(sys.stdin)
    with tempfile.TemporaryDirectory() as folder:
        col = Collection(str(Path(folder) / "agreement.anki2"))
        try:
            configure(col, request["parameters"], request["rollover"])
            states = [memory_state(col, history) for history in request["cards"]]
            json.dump({"next_day_at": col.sched.day_cutoff, "states": states}, sys.stdout)
        finally:
            col.close()


def configure(col: Collection, parameters: list[float], rollover: int) -> None:
    preferences = col.get_preferences()
    preferences.scheduling.rollover = rollover
    col.set_preferences(preferences)
    config = col.decks.config_dict_for_deck_id(1)
    config["fsrsParams6"] = parameters
    col.decks.update_config(config)
    col.set_config("fsrs", True)


def memory_state(col: Collection, history: list[list[int]]) -> list[float]:
    note = col.new_note(col.models.by_name("Basic"))
    note["Front"], note["Back"] = "q", "a"
    col.add_note(note, 1)
    card_id = note.cards()[0].id
    for index, (ms, rating) in enumerate(history):
        col.db.execute(
            "INSERT INTO revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type) "
            "VALUES (?, ?, -1, ?, 0, 0, 0, 1000, ?)",
            ms, card_id, rating, REVLOG_LEARNING if index == 0 else REVLOG_REVIEW,
        )  # fmt: skip
    state = col.compute_memory_state(card_id)
    return [state.stability, state.difficulty]


if __name__ == "__main__":
    main()
