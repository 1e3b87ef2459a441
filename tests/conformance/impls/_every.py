"""Defines a function for every registered formula from a template (for the broken impls)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rlspec.conformance_tests.runner import registry


def define_all(namespace: dict[str, Any], make: Callable[[Any], Callable[..., Any]]) -> None:
    for f in registry():
        namespace[f.adapter_name] = make(f)
