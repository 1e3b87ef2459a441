"""The independent float64 implementation's modules (see tests/conformance/impls/independent.py)."""
