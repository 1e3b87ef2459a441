"""The golden vector sets shipped with rlspec (package data: `v1/` holds the cases and MANIFEST.json)."""

from __future__ import annotations

from pathlib import Path

DIRECTORY = Path(__file__).resolve().parent
