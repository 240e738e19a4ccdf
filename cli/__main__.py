"""`python -m srs_cli` runs the command-line tool, same as the `srs` command."""

from srs_cli.main import main

if __name__ == "__main__":
    main()
