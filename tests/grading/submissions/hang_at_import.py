# ruff: noqa
# mypy: ignore-errors
# An untrusted submission used as test data (deliberately unidiomatic, untyped).
"""Attack: the module never finishes importing (a busy loop at top level)."""

while True:
    pass
