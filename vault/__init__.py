"""Vault: each owner's write-once document store (S3/MinIO or local) and its SQLAlchemy catalogue.

Depends only on `core`.
"""

import logging

# Alembic reports every plugin and migration step at INFO; the vault migrates on every start, so keep it quiet.
logging.getLogger("alembic").setLevel(logging.WARNING)
