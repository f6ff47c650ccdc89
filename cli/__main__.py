"""`python -m cli` runs the sohoa command line."""

from cli.main import main

main()
