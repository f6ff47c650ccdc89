"""OCR stage: read scanner images, clean them up, run Vietnamese Tesseract, build a searchable PDF/A.

Depends only on `core` (and may use `vault`); never on `ingest` or `api`.
"""
