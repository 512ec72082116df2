"""`python -m daprlite` runs the CLI."""

from daprlite.cli import main

main()
