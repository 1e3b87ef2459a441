"""Registers the rlspec pytest plugin when it is not installed as an entry point (a checkout)."""

from __future__ import annotations

from typing import Any

from conformance_tests import plugin
from conformance_tests.plugin import rlspec_session

__all__ = ["rlspec_session"]


def pytest_addoption(parser: Any, pluginmanager: Any) -> None:
    if not (pluginmanager.has_plugin("rlspec") or pluginmanager.has_plugin("conformance_tests.plugin")):
        plugin.pytest_addoption(parser)
