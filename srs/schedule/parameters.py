"""FSRS parameters fitted to the student, and their stored shape in the config table.

Stored as JSON with a format version, so a later srs can read (or refuse) what an
earlier one wrote, and with the fit date and review count, so the student can see
what the schedule rests on.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict

from fsrs.scheduler import DEFAULT_PARAMETERS, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS

from srs.errors import SrsError
from srs.timing import from_iso, to_iso

CONFIG_KEY = "fsrs-parameters"
FORMAT_VERSION = 1
MODEL = "FSRS-6"
DEFAULT: tuple[float, ...] = tuple(DEFAULT_PARAMETERS)


class StoredParameters(TypedDict):
    version: int
    model: str
    parameters: list[float]
    fitted_at: str
    reviews: int


@dataclass(frozen=True)
class FittedParameters:
    parameters: tuple[float, ...]
    fitted_at: datetime
    reviews: int  # training reviews the fit used

    def __post_init__(self) -> None:
        check(self.parameters)

    def to_json(self) -> str:
        stored: StoredParameters = {
            "version": FORMAT_VERSION,
            "model": MODEL,
            "parameters": list(self.parameters),
            "fitted_at": to_iso(self.fitted_at),
            "reviews": self.reviews,
        }
        return json.dumps(stored)

    @classmethod
    def from_json(cls, text: str) -> FittedParameters:
        try:
            stored = json.loads(text)
            version = int(stored["version"])
        except (ValueError, TypeError, KeyError) as exc:
            raise _unreadable(f"not a parameter record ({exc})") from exc
        if version > FORMAT_VERSION:
            raise SrsError(f"config {CONFIG_KEY} was written by a newer srs (format {version}); upgrade srs to use it")
        try:
            return cls(
                parameters=tuple(float(p) for p in stored["parameters"]),
                fitted_at=from_iso(stored["fitted_at"]),
                reviews=int(stored["reviews"]),
            )
        except (ValueError, TypeError, KeyError) as exc:
            raise _unreadable(str(exc)) from exc


def check(parameters: tuple[float, ...]) -> None:
    """The 21 FSRS-6 parameters, each within the bounds the `fsrs` scheduler accepts."""
    if len(parameters) != len(DEFAULT):
        raise SrsError(f"FSRS-6 needs {len(DEFAULT)} parameters, not {len(parameters)}")
    for index, (value, low, high) in enumerate(
        zip(parameters, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS, strict=True)
    ):
        if not (math.isfinite(value) and low <= value <= high):
            raise SrsError(f"FSRS parameter w{index} = {value} is outside [{low}, {high}]")


def clamp(parameters: list[float]) -> tuple[float, ...]:
    """Fitted values as stored: rounded to 6 places (fsrs-rs fits in f32 and rounds to 4,
    so nothing is lost) and within the `fsrs` scheduler's bounds (an f32 value on a
    bound can land a hair outside it). Storing exactly what was fitted means a refit
    on the same history compares equal."""
    return tuple(
        round(min(max(value, low), high), 6)
        for value, low, high in zip(parameters, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS, strict=True)
    )


def _unreadable(reason: str) -> SrsError:
    return SrsError(
        f"config {CONFIG_KEY} is unreadable ({reason}); run `srs optimize --reset` to go back to the default parameters"
    )
