"""Data portability: the user's applications as CSV (out and in), everything as JSON, erasure."""
