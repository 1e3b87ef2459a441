"""A correct ddpg.critic_target under a misspelt name (critic_traget), and a correct
ddpg.soft_update that prints on stdout and stderr (and from C via os.write) on every call."""

import os
import sys
from typing import Any

import numpy as np


def ddpg_critic_traget(r: Any, done: Any, gamma: Any, q_next: Any) -> Any:
    return r + gamma * (1.0 - done) * q_next


def ddpg_soft_update(theta: Any, theta_target: Any, tau: Any) -> Any:
    print("progress on stdout")
    print("warning on stderr", file=sys.stderr)
    os.write(2, b"raw bytes on file descriptor 2\n")
    return np.asarray(tau * theta + (1.0 - tau) * theta_target)
