"""Known deviations (`--xfails FILE`) and adapter-declared input domains (RLSPEC_DOMAINS), end to
end through `rlspec conform` and on their own (conformance_tests/expectations.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rlspec.conformance_tests.expectations import Domains, declared_domains, read_xfails
from rlspec.oracle.errors import UsageError
from rlspec.spec import formula, formulas
from tests.conformance.helpers import IMPLS, MUTANTS, by_id, conform
from tests.conformance.test_plugin_and_types import _pytest

SB3_EPSILON = str(MUTANTS / "squashed__sb3_epsilon.py")
IDS = [f.id for f in formulas()]

XFAILS = """
[[xfail]]
id = "squashed.log_prob"
reason = "SB3 adds 1e-6 inside log(1 - a^2)"
link = "https://example.org/sb3/issue"
"""


def write(tmp: Path, name: str, text: str) -> str:
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return str(path)


# ---- known deviations ---------------------------------------------------------------------------


def test_a_listed_failure_is_a_known_deviation_with_its_units_and_the_run_passes(tmp_path: Path) -> None:
    xfails = write(tmp_path, "xfails.toml", XFAILS)
    status, doc, out, _ = conform(
        SB3_EPSILON,
        "--formulas",
        "squashed.log_prob,kl.k2",
        "--xfails",
        xfails,
        "--examples",
        "8",
        tmp=tmp_path,
    )
    rows = by_id(doc)
    assert status == 0
    row = rows["squashed.log_prob"]
    assert row["status"] == "known_deviation"
    assert "SB3 adds 1e-6" in row["message"] and "https://example.org/sb3/issue" in row["message"]
    assert row["failure"]["units"] > 1e6  # the deviation's size is reported, not hidden
    assert rows["kl.k2"]["status"] == "pass"
    assert "KNOWN DEVIATION squashed.log_prob" in out and "1 known deviation" in out
    assert doc["summary"]["known_deviation"] == 1


def test_without_the_file_the_same_failure_fails_the_run(tmp_path: Path) -> None:
    status, doc, _, _ = conform(
        SB3_EPSILON, "--formulas", "squashed.log_prob", "--examples", "8", tmp=tmp_path
    )
    assert status == 1 and by_id(doc)["squashed.log_prob"]["status"] == "fail"


def test_a_listed_formula_that_passes_fails_the_run(tmp_path: Path) -> None:
    """Strict: the file must not keep claiming a deviation the implementation no longer has."""
    xfails = write(tmp_path, "xfails.json", json.dumps([{"id": "kl.k2", "reason": "was off by 2"}]))
    status, doc, out, _ = conform(
        SB3_EPSILON, "--formulas", "kl.k2", "--xfails", xfails, "--examples", "5", tmp=tmp_path
    )
    assert status == 1
    assert by_id(doc)["kl.k2"]["status"] == "xfail_passed"
    assert "xfail passed: remove it" in out


@pytest.mark.parametrize(
    "name, text, problem",
    [
        ("x.json", '{"xfail": [{"id": "no.such", "reason": "r"}]}', "'no.such' is not a registered formula"),
        ("x.json", '[{"id": "kl.k1"}]', "kl.k1 needs a non-empty reason"),
        ("x.json", '[{"id": "kl.k1", "reason": "r", "url": "u"}]', "unknown key 'url'"),
        ("x.json", '[{"id": "kl.k1", "reason": "a"}, {"id": "kl.k1", "reason": "b"}]', "listed twice"),
        ("x.json", '{"xfail": 3}', "expected a list of entries"),
        ("x.toml", "[[xfail]\nid = 1", "not valid TOML"),
        ("x.json", "{", "not valid JSON"),
    ],
)
def test_a_bad_xfails_file_is_one_line_and_exit_2(tmp_path: Path, name: str, text: str, problem: str) -> None:
    path = write(tmp_path, name, text)
    with pytest.raises(UsageError) as info:
        read_xfails(path, IDS)
    assert problem in str(info.value) and "\n" not in str(info.value)
    status, _, _, err = conform(SB3_EPSILON, "--formulas", "kl.k1", "--xfails", path, tmp=tmp_path)
    assert status == 2 and problem in err and "Traceback" not in err


def test_a_missing_xfails_file_is_a_usage_error(tmp_path: Path) -> None:
    status, _, _, err = conform(SB3_EPSILON, "--xfails", str(tmp_path / "none.toml"), tmp=tmp_path)
    assert status == 2 and "cannot read it" in err


# ---- input domains ------------------------------------------------------------------------------


def test_a_declared_domain_narrows_the_draws_and_is_printed(tmp_path: Path) -> None:
    """The tabular family draws gamma = 0 (a hard corner); a library asserting gamma > 0 that
    declares it passes, and the report names the domain."""
    impl = str(IMPLS / "domain_gamma_positive.py")
    status, doc, out, _ = conform(impl, "--formulas", "mdp.v,mdp.q", "--examples", "12", tmp=tmp_path)
    assert status == 0, [r["message"] for r in doc["formulas"]]
    assert "input domains declared by the adapter: gamma in (0, 1); mdp_q: gamma in (0.5, inf)" in out
    assert doc["domains"] == "gamma in (0, 1); mdp_q: gamma in (0.5, inf)"
    assert "gamma_zero" not in by_id(doc)["mdp.v"]["corners_covered"]


def test_without_the_declaration_the_suite_draws_gamma_zero(tmp_path: Path) -> None:
    status, doc, _, _ = conform(str(IMPLS / "domain_undeclared.py"), "--formulas", "mdp.v", tmp=tmp_path)
    assert status == 1 and by_id(doc)["mdp.v"]["status"] == "fail"
    assert doc["domains"] == ""


def test_domains_are_read_without_importing_the_adapter(tmp_path: Path) -> None:
    impl = write(
        tmp_path,
        "adapter.py",
        "raise SystemExit('importing me is not allowed')\n"
        "RLSPEC_DOMAINS = {'gamma': (0, None), 'alpha': (None, 10.0)}\n"
        "def sac_q_target(*args): ...\n"
        "sac_q_target.rlspec_domains = {'alpha': (0.1, 1)}\n",
    )
    domains = declared_domains(impl)
    assert domains.module == {"gamma": (0.0, None), "alpha": (None, 10.0)}
    assert domains.for_formula(formula("sac.q_target")) == {"gamma": (0.0, None), "alpha": (0.1, 1.0)}
    assert domains.for_formula(formula("mdp.v")) == {"gamma": (0.0, None)}
    raw = {"params": {"gamma": 0.5, "alpha": 0.1}}
    assert not domains.admits(formula("sac.q_target"), raw)  # open interval: alpha = 0.1 is outside
    assert domains.admits(formula("sac.q_target"), {"params": {"gamma": 0.5, "alpha": 0.5}})
    assert not Domains() and Domains().admits(formula("mdp.v"), {"gamma": 0.0})


def test_a_module_name_is_looked_up_without_importing_it() -> None:
    assert not declared_domains("rlspec.conformance_tests.examples.numpy_impl")
    assert declared_domains("tests.conformance.impls.domain_gamma_positive").module == {"gamma": (0.0, 1.0)}


@pytest.mark.parametrize(
    "declaration, problem",
    [
        ("RLSPEC_DOMAINS = {'gamma': (1, 0)}", "empty domain"),
        ("RLSPEC_DOMAINS = {'gamma': 0.5}", "must map to (low, high)"),
        ("RLSPEC_DOMAINS = dict(gamma=(0, 1))", "must be a literal"),
        ("RLSPEC_DOMAINS = {'gamma': (0, 'one')}", "an end must be a number or None"),
        ("f.rlspec_domains = [1]", "must be a dict"),
    ],
)
def test_a_bad_declaration_is_one_line_and_exit_2(tmp_path: Path, declaration: str, problem: str) -> None:
    impl = write(tmp_path, "adapter.py", f"def f(): ...\n{declaration}\n")
    with pytest.raises(UsageError) as info:
        declared_domains(impl)
    assert "adapter.py:2" in str(info.value) and problem in str(info.value)
    status, _, _, err = conform(impl, "--formulas", "mdp.v", tmp=tmp_path)
    assert status == 2 and problem in err and "Traceback" not in err


# ---- the same under the pytest plugin ---------------------------------------------------------------


def test_the_plugin_reports_a_known_deviation_as_xfailed_and_a_passing_one_as_failed(tmp_path: Path) -> None:
    xfails = write(tmp_path, "xfails.toml", XFAILS + '\n[[xfail]]\nid = "kl.k2"\nreason = "was off"\n')
    done = _pytest(
        "-k", "squashed or kl.k2", "--rlspec-impl", SB3_EPSILON, "--rlspec-xfails", xfails,
        "--rlspec-examples", "5", "--rlspec-out", str(tmp_path / "out"),
    )  # fmt: skip
    assert done.returncode == 1, done.stdout[-2000:]
    assert "1 xfailed" in done.stdout and "1 failed" in done.stdout
    assert "XFAIL PASSED kl.k2" in done.stdout


def test_the_plugin_refuses_a_bad_xfails_file_in_one_line(tmp_path: Path) -> None:
    bad = write(tmp_path, "x.json", '[{"id": "no.such", "reason": "r"}]')
    done = _pytest("-k", "kl.k1", "--rlspec-impl", SB3_EPSILON, "--rlspec-xfails", bad)
    assert done.returncode == 1 and "'no.such' is not a registered formula" in done.stdout
