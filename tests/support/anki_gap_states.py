"""What real Anki (FSRS on) offers for a learning card answered after a gap (child process).

Reads JSON on stdin: {"parameters": [...21], "gaps": [seconds, ...]}. For each gap, a card
whose one answer (Again, a learning step) was `gap` seconds ago, with its 10-minute step
left, is asked for its next states; writes {"now": seconds, "cards": [{"rating": {"kind":
"learning"|"review", "stability": s}, ...}, ...]} for Again, Hard, Good, Easy.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from anki.collection import Collection


def main() -> None:
    request = json.load(sys.stdin)
    now = int(time.time())
    with tempfile.TemporaryDirectory() as folder:
        col = Collection(str(Path(folder) / "gaps.anki2"))
        try:
            config = col.decks.config_dict_for_deck_id(1)
            config["fsrsParams6"] = request["parameters"]
            col.decks.update_config(config)
            col.set_config("fsrs", True)
            cards = [states(col, now - gap) for gap in request["gaps"]]
        finally:
            col.close()
    json.dump({"now": now, "cards": cards}, sys.stdout)


def states(col: Collection, answered: int) -> dict[str, dict[str, object]]:
    note = col.new_note(col.models.by_name("Basic"))
    note["Front"], note["Back"] = "q", "a"
    col.add_note(note, 1)
    card_id = note.cards()[0].id
    col.db.execute(
        "INSERT INTO revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type) VALUES (?, ?, -1, 1, -60, 0, 0, 1000, 0)",
        answered * 1000, card_id,
    )  # fmt: skip
    col.db.execute("UPDATE cards SET type = 1, queue = 1, left = 2, due = ? WHERE id = ?", answered + 60, card_id)
    found = col._backend.get_scheduling_states(card_id)
    result = {}
    for name in ("again", "hard", "good", "easy"):
        normal = getattr(found, name).normal
        kind = normal.WhichOneof("kind")
        inner = getattr(normal, kind)
        result[name] = {"kind": kind, "stability": inner.memory_state.stability}
    return result


if __name__ == "__main__":
    main()
