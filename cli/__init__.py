"""The `srs` command tree (installed as the `srs_cli` package): parse, call, print."""
