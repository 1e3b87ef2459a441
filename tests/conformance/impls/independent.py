"""A second, independent float64 implementation of every registered formula.

Written from CONFORMANCE.md, the spec pages and the registry only (never from the bundled
example), computing differently where a different correct route exists: values by a doubled
Neumann series, stationary laws by GTH state reduction, Lyapunov equations by Smith doubling,
KLs and ratios through log E_p exp(D), the natural direction from Q alone, squashed-Gaussian
expectations by adaptive quadrature. It checks the suite against false rejections:
`rlspec conform tests/conformance/impls/independent.py` must pass every formula on every seed.
"""

from __future__ import annotations

if __package__:
    from .independent_impl.blocks import *  # noqa: F403
    from .independent_impl.dist import *  # noqa: F403
    from .independent_impl.dpg import *  # noqa: F403
    from .independent_impl.entropy import *  # noqa: F403
    from .independent_impl.mdp import *  # noqa: F403
    from .independent_impl.npg import *  # noqa: F403
    from .independent_impl.ppo import *  # noqa: F403
    from .independent_impl.sac import *  # noqa: F403
    from .independent_impl.trpo import *  # noqa: F403
else:  # loaded from its path by `rlspec conform`: the folder is on sys.path
    from independent_impl.blocks import *  # type: ignore[import-not-found]  # noqa: F403
    from independent_impl.dist import *  # type: ignore[import-not-found]  # noqa: F403
    from independent_impl.dpg import *  # type: ignore[import-not-found]  # noqa: F403
    from independent_impl.entropy import *  # type: ignore[import-not-found]  # noqa: F403
    from independent_impl.mdp import *  # type: ignore[import-not-found]  # noqa: F403
    from independent_impl.npg import *  # type: ignore[import-not-found]  # noqa: F403
    from independent_impl.ppo import *  # type: ignore[import-not-found]  # noqa: F403
    from independent_impl.sac import *  # type: ignore[import-not-found]  # noqa: F403
    from independent_impl.trpo import *  # type: ignore[import-not-found]  # noqa: F403
