"""The suite's and the example's closed-class finders (numpy reachability) against scipy's
strongly connected components on random sparse graphs."""

from __future__ import annotations

import numpy as np
from scipy.sparse.csgraph import connected_components

from rlspec.conformance_tests.examples.np_mdp import closed_classes
from rlspec.conformance_tests.scales import _closed_classes


def scipy_closed_classes(support: np.ndarray) -> set[frozenset[int]]:
    _, labels = connected_components(support, directed=True, connection="strong")
    masks = [labels == k for k in np.unique(labels)]
    return {frozenset(np.flatnonzero(c).tolist()) for c in masks if not support[np.ix_(c, ~c)].any()}


def test_closed_classes_match_scipy_strong_components() -> None:
    rng = np.random.default_rng(7)
    for _ in range(300):
        n = int(rng.integers(1, 9))
        support = rng.random((n, n)) < rng.uniform(0.05, 0.5)
        expected = scipy_closed_classes(support)
        for finder in (closed_classes, _closed_classes):
            found = [frozenset(np.flatnonzero(c).tolist()) for c in finder(support)]
            assert len(found) == len(set(found)) and set(found) == expected
