"""Runtime: the one composition root. It reads the settings and builds the catalogue, the vault, the signers and
the broker for the API, the Celery workers and the CLI; nothing below imports it.
"""
