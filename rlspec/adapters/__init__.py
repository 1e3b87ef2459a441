"""Adapters that run rlspec's conformance suite against RL libraries' own functions.

Each module calls one library's public API in float64 (where the library allows) under the
registry's names, so a library's CI runs `rlspec conform rlspec.adapters.NAME`. A module imports
its library at import time; rlspec itself never imports this package, so a library that is not
installed costs nothing until its adapter is asked for (then the run says the import failed).

    torch_distributions   torch.distributions (KL, entropy, scores, the tanh-squashed Gaussian)
    sb3                   stable-baselines3 and sb3-contrib (distributions, polyak_update, CG)
    torchrl               torchrl's value functionals and loss modules
    rlax                  rlax with distrax and optax (jax, float64 through jax_enable_x64)
    tianshou              tianshou's return estimators and distributions

The library versions these were run against, and the outcome per formula, are in
CONFORMANCE-MATRIX.md; the deviations each library is known to have are in
rlspec/adapters/xfails/LIBRARY.toml.
"""
