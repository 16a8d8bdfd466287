"""Shared helpers: warning categories, config lookup, and the evaluation writers."""
