"""Signing stage: PAdES signatures (B-B to B-LTA) with pyHanko, and their validation (ETSI EN 319 102-1).

Depends only on `core` (and may use `vault`); never on `ocr`, `ingest` or `api`.
"""
