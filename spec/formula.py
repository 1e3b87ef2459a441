"""The data structure of the registry: one `Formula` per formula of the lecture.

Everything a user or a tool needs to know about a formula lives here, as data: its id, where
it is in the lecture, the equation (LaTeX and plain text), the named inputs with their shapes
and domains (the adapter signature), the output shape, how closely a float64 implementation
must match (a `Tolerance`), and which reference function and error certificate the oracle
uses (as "module:function" strings, so that `spec` imports nothing).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Literal

BoundKind = Literal["certified", "estimated"]


@dataclass(frozen=True)
class Arg:
    """One input of a formula, in adapter order.

    name:   the argument name in the adapter signature (and in the reference function).
    shape:  symbolic dimensions, e.g. ("S", "A", "S"); () for a scalar. Dimension names are
            family sizes (S, A, n, m, N, K, ...) or products written "S*A".
    source: where the oracle reads it in an instance: a top-level key ("P", "gamma") or
            "params.<key>" for per-formula extras.
    domain: how the suite samples it when the family does not provide it, e.g. "real",
            "logits", "positive", "prob", "(0,1)", "int>=0", "bool" (see conformance_tests.strategies).
    doc:    one line for CONFORMANCE.md.
    """

    name: str
    shape: tuple[str, ...]
    source: str
    doc: str
    domain: str = "real"
    dtype: Literal["float64", "int64", "bool"] = "float64"


@dataclass(frozen=True)
class Tolerance:
    """How far a float64 implementation may be from the oracle.

    A result conforms when max_i |got_i - expected_i| <= factor * eps64 * scale, where
    eps64 = 2**-52 and `scale` is a Python expression evaluated (with numpy as `np` and the
    helpers of conformance_tests.scales in scope) over the formula's float64 inputs, by argument name,
    and `expected` (the oracle value as a float64 array). The error reported in the suite's
    table is max_i |got_i - expected_i| / (eps64 * scale), "in units".
    """

    name: str
    factor: float
    scale: str
    doc: str

    @property
    def bound_expression(self) -> str:
        """The bound `factor * eps64 * scale` as it is evaluated, printed from its syntax tree so
        that the scale keeps its parentheses: `16 * eps64 * (amax(r) + amax(q_next))`."""
        factor = int(self.factor) if float(self.factor).is_integer() else self.factor
        scale = ast.parse(self.scale, mode="eval").body
        times = ast.Mult()
        tree = ast.BinOp(ast.BinOp(ast.Constant(factor), times, ast.Name("eps64")), times, scale)
        return ast.unparse(tree)


@dataclass(frozen=True)
class Convention:
    """An accepted library convention for a batch-form formula (e.g. loss sign, reduction).

    `transform` is the name of a function in conformance_tests.conventions that maps the lecture's value
    to the value under this convention, given the inputs.
    """

    name: str
    transform: str
    doc: str


@dataclass(frozen=True)
class Formula:
    id: str
    section: str  # the lecture section's title, e.g. "Natural Policy Gradient (NPG)"
    title: str
    latex: str
    equation: str  # plain text
    family: str  # instance family: "tabular", "lqr", "fsca", "dist_categorical", "batch", ...
    args: tuple[Arg, ...]
    output_shape: tuple[str, ...]
    tolerance: Tolerance
    # "module:function" of the mpmath reference implementation, a literal string named by the
    # rule of CONTRIBUTING.md ("rlspec.reference.<section>:<name or prefix_name>")
    reference: str
    references: tuple[str, ...] = ()
    bound: BoundKind = "estimated"
    # "module:function" computing a certified bound: oracle/certificates/<section>.py, named as
    # the reference function
    certificate: str | None = None
    conventions: tuple[Convention, ...] = ()
    notes: str = ""
    output_dtype: Literal["float64", "int64", "bool"] = "float64"
    # Why a formula of a lecture section has no display equation of its own (e.g. a library's
    # sample-batch form); "" when a lecture-map row names it (rlspec/pieces.py checks one or the other).
    beyond_lecture: str = ""

    @property
    def adapter_name(self) -> str:
        """The function name an adapter module defines for this formula."""
        return self.id.replace(".", "_")

    @property
    def prefix(self) -> str:
        return self.id.split(".", 1)[0]


@dataclass(frozen=True)
class EquationRow:
    """Where one display equation of the lecture ends up.

    kind "formula":  `targets` are registry ids implementing it.
    kind "property": `targets` are property tests ("tests/reference/test_x.py::test_name").
    kind "erratum":  `targets` are erratum ids in spec.errata (plus ids/tests as above).
    Several kinds may apply; list the strongest. A row may name ids and tests together.
    """

    number: int
    kind: Literal["formula", "property", "erratum"]
    targets: tuple[str, ...]
    note: str = ""


@dataclass(frozen=True)
class Erratum:
    id: str
    equation: int  # the display equation's order number in the lecture (0 for running text)
    printed: str
    meant: str
    settled_by: tuple[str, ...]  # property tests "tests/...py::test_name" that settle it
    section: str = ""


@dataclass(frozen=True)
class Section:
    """One lecture section: its formulas, its rows of the lecture map and its errata."""

    key: str  # module name in spec.sections
    title: str
    equations: tuple[int, ...]  # the display-equation numbers this section owns
    formulas: tuple[Formula, ...] = ()
    lecture_map: tuple[EquationRow, ...] = ()
    errata: tuple[Erratum, ...] = ()
    references: tuple[str, ...] = field(default=())
