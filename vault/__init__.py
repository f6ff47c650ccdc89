"""Vault: each owner's write-once document store (S3/MinIO or local) and its SQLAlchemy catalogue.

Depends only on `core`.
"""
