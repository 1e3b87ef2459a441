"""The two kinds of error the command line turns into one line and exit status 2."""

from __future__ import annotations


class UsageError(Exception):
    """A bad command line: unknown formula, unknown module, bad option value."""


class InstanceError(Exception):
    """A bad instance. `key` names the offending key (e.g. "P[1][0]", "params.eta")."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem
