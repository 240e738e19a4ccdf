"""`python -m srs` runs the command-line tool, same as the `srs` command."""

from srs_cli.main import main

main()
