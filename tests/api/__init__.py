"""The API tests: one package, so that its package-scoped settings (the issuing PKI in SOHOA_* variables) end
with it instead of leaking into every later test of the session."""
