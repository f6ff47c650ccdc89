"""Shared value types, identifiers, settings and logging used by every stage of sohoa.

Nothing here imports another sohoa package: every stage may depend on `core`, `core` on none.
"""
