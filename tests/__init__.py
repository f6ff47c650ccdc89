"""The test suite: a package, so that pytest names its modules `tests.api.…` and `tests.cli.…` and never puts the
test folders in place of the product packages `api` and `cli` in `sys.modules` (importlib import mode).
"""
