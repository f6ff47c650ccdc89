"""Ingest: batch uploads from scanning stations, splitting into documents, and the per-document pipeline.

Depends on `ocr`, `signing` and `vault`; nothing below imports it.
"""
