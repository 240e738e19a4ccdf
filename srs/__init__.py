"""srs: the missed-question engine.

The library turns Qbank miss logs into FSRS-scheduled cards. It never talks to
the terminal: the `srs_cli` package (folder `cli/`) does that.
"""

__version__ = "0.1.0"
