"""Registers the rlspec pytest plugin when it is not installed as an entry point (a checkout)."""

from __future__ import annotations

from typing import Any

from rlspec.conformance_tests import plugin
from rlspec.conformance_tests.plugin import rlspec_session

__all__ = ["rlspec_session"]


def pytest_addoption(parser: Any, pluginmanager: Any) -> None:
    registered = ("rlspec", "rlspec.conformance_tests.plugin")
    if not any(pluginmanager.has_plugin(name) for name in registered):
        plugin.pytest_addoption(parser)
