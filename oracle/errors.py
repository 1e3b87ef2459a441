"""The two kinds of error the command line turns into one line and exit status 2, and the
argument parser that raises the first instead of printing usage and exiting."""

from __future__ import annotations

import argparse


class UsageError(Exception):
    """A bad command line: unknown formula, unknown module, bad option value."""


class InstanceError(Exception):
    """A bad instance. `key` names the offending key (e.g. "P[1][0]", "params.eta")."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


class UsageErrorParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are UsageError (one line, exit status 2, by the caller)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)
