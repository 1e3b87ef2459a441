"""mdp_v kills its interpreter; mdp_q returns a string; the rest is the example."""

from __future__ import annotations

import os
from typing import Any

from rlspec.conformance_tests.examples.numpy_impl import *  # noqa: F403


def mdp_v(*args: Any) -> Any:
    os._exit(3)


def mdp_q(*args: Any) -> Any:
    return "not a number"
