"""The `sohoa` command line: one Typer app gathering the commands each stage defines in its `cli` module."""
