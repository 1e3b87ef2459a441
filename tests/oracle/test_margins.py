"""oracle/margins.py: the answers a float64 evaluation could reach on a decision boundary."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from mpmath import mp

from rlspec import spec
from rlspec.conformance_tests.compare import compare
from rlspec.conformance_tests.engine import instance_inputs
from rlspec.conformance_tests.sources import LiveOracle
from rlspec.conformance_tests.worker import CallResult
from rlspec.oracle.evaluate import arguments
from rlspec.oracle.instance import from_mapping
from rlspec.oracle.margins import alternatives, line_search_answers
from rlspec.oracle.sampling import sample_instance
from rlspec.spec.formula import Formula
from tests.conformance.impls import line_search_rule

BACKTRACKS = spec.formula("trpo.line_search_backtracks")


def _args(f: Formula, raw: dict[str, Any]) -> list[Any]:
    return arguments(f, from_mapping(raw))


def _result(value: float) -> CallResult:
    return CallResult("ok", values=[float(value)], shape=())


def test_one_action_every_count_is_reachable_and_the_rule_following_answer_is_accepted() -> None:
    """With one action the policy cannot change: the exact gain of every candidate is 0, so the
    exact count is -1 and float64 rounding of the gain (either sign) can accept any j."""
    oracle, disagreed = LiveOracle(), 0
    for seed in range(10):
        raw = sample_instance("tabular", seed, {"states": 3, "actions": 1}, [BACKTRACKS])
        last = int(raw["params"]["max_backtracks"])
        with mp.workdps(30):
            answers = line_search_answers(*_args(BACKTRACKS, raw))
        assert answers[0] == -1 and sorted(answers) == list(range(-1, last + 1))
        x = instance_inputs(BACKTRACKS, raw)
        got = line_search_rule.trpo_line_search_backtracks(*[x[a.name] for a in BACKTRACKS.args])
        disagreed += got != -1
        expected = oracle.expected(BACKTRACKS, raw)
        outcome = compare(BACKTRACKS, x, expected.value, _result(got), alternatives=expected.alternatives)
        assert outcome.ok, outcome.message
    assert disagreed > 0  # the float64 rule does see rounding-level gains (the false rejection)


def test_away_from_every_threshold_there_is_no_alternative() -> None:
    for fid in ("trpo.line_search", "trpo.line_search_backtracks"):
        f = spec.formula(fid)
        raw = sample_instance("tabular", 3, {"states": 4, "actions": 3}, [f])
        assert alternatives(fid, _args(f, raw), 30) == []


def test_a_ratio_on_the_kink_takes_both_branches() -> None:
    """r_0 = 1 + epsilon within rounding, A_0 > 0: unclipped (slope A_0 r_0 / N) on the closed
    interval, 0 just beyond it; entry 1 (r = 1) is far from both kinks and keeps its value."""
    f = spec.formula("ppo.clip_gradient_batch")
    epsilon, adv = 0.25, [2.0, -3.0]
    logp_old = [-1.0, -0.5]
    logp_new = [-1.0 + math.log1p(epsilon), -0.5]
    raw = {
        "family": "batch",
        "params": {"logp_new": logp_new, "logp_old": logp_old, "adv": adv, "epsilon": epsilon},
    }
    others = alternatives(f.id, _args(f, raw), 30)
    assert len(others) == 1
    with mp.workdps(30):
        r0 = mp.exp(mp.mpf(logp_new[0]) - mp.mpf(logp_old[0]))
        exact = [r0 * 2 / 2 if r0 <= 1 + mp.mpf(epsilon) else mp.zero, mp.mpf(-3) / 2]
        flipped = [mp.zero if exact[0] != 0 else r0, exact[1]]
        assert [float(v) for v in others[0]] == [float(v) for v in flipped]


def test_compare_takes_the_nearest_reachable_answer() -> None:
    f = BACKTRACKS
    x = {
        "P": np.ones((1, 1, 1)),
        "R": np.zeros((1, 1, 1)),
        "gamma": 0.5,
        "mu": np.ones(1),
        "theta": np.zeros((1, 1)),
    }
    x.update(delta=0.1, beta=0.5, max_backtracks=2.0)
    exact, reachable = np.asarray(-1.0), (np.asarray(0.0), np.asarray(1.0))
    assert compare(f, x, exact, _result(1), alternatives=reachable).ok
    assert not compare(f, x, exact, _result(2)).ok
    assert not compare(f, x, exact, _result(2), alternatives=reachable).ok
