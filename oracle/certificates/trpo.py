"""Certificates of the TRPO section, named as their reference functions (reference/trpo.py).

trpo.step is NPG's direction scaled to the KL budget, so its bound is NPG's (certificates/npg.py).
"""

from __future__ import annotations

from rlspec.oracle.certificates.npg import step

__all__ = ["step"]
