"""FSRS scheduling: the pure scheduler, replaying the log, fitting and judging parameters."""
