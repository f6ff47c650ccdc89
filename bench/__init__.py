"""Benchmarks: each script measures sohoa beside an anchor measured in the same run and prints the ratios."""
