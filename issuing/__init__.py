"""Issuing: what the agency issues — results, certified copies, receipts and their register, the working
calendar, QR codes, PDF drawing, webhooks to the one-stop system and long-term upgrades of what is kept.

Depends on `signing`, `vault` and `core`; `ingest`, `api` and `runtime` use it.
"""
