"""Per-instance errors in --json, and the --html report rendered by headless Chromium.

Chromium is required, not optional: .ci/run installs it (apt-get install -y chromium), and a
report nobody has seen render is not checked. Without it this test fails and says so.
"""

from __future__ import annotations

import math
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path
from typing import Any

from rlspec.conformance_tests.results import tolerance_share
from tests.conformance.helpers import MUTANTS, by_id, conform

MUTANT = str(MUTANTS / "mdp__missing_inverse_horizon.py")  # pg.gradient misses 1/(1 - gamma)
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
)  # fmt: skip
BAR_GREEN = (0x2E, 0x8B, 0x57)  # html_report's colour of conforming instances
BAR_RED = (0xC6, 0x28, 0x28)  # and of failing ones


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    assert found, "headless Chromium is needed to check the HTML report: apt-get install -y chromium"
    return found


def run_chromium(tmp: Path, *args: str) -> str:
    done = subprocess.run(
        [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={tmp / 'profile'}", *args],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def png_pixels(path: Path) -> list[tuple[int, int, int]]:
    """The RGB pixels of an 8-bit RGB/RGBA non-interlaced PNG (what Chromium writes)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks, header = 8, [], b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        header = body if kind == b"IHDR" else header
        chunks += [body] if kind == b"IDAT" else []
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour in (2, 6) and header[12] == 0
    step = 3 if colour == 2 else 4
    raw, stride = zlib.decompress(b"".join(chunks)), width * step
    rows: list[bytearray] = []
    previous = bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - step] if i >= step else 0
            up, corner = previous[i], previous[i - step] if i >= step else 0
            p = left + up - corner
            nearest = min((abs(p - left), 0, left), (abs(p - up), 1, up), (abs(p - corner), 2, corner))[2]
            line[i] = (line[i] + (0, left, up, (left + up) // 2, nearest)[kind]) & 0xFF
        rows.append(line)
        previous = line
    return [tuple(row[i : i + 3]) for row in rows for i in range(0, stride, step)]  # type: ignore[misc]


def test_json_lists_every_instance_and_html_renders_the_plots(tmp_path: Path) -> None:
    html = tmp_path / "report.html"
    status, doc, _, _ = conform(
        MUTANT, "--formulas", "mdp.v,pg.gradient", "--examples", "6", "--html", str(html), tmp=tmp_path
    )
    assert status == 1
    rows = by_id(doc)
    passing, failing = rows["mdp.v"], rows["pg.gradient"]
    factor = passing["tolerance"]["factor"]
    assert passing["status"] == "pass" and len(passing["instances"]) == passing["examples"] >= 6
    labelled = [i["corner"] for i in passing["instances"] if i["corner"]]
    assert labelled == passing["corners_covered"]
    assert all(i["kind"] == "ok" and i["of_tolerance"] <= 1 for i in passing["instances"])
    assert max(i["units"] for i in passing["instances"]) == passing["peak_units"]
    assert all(
        abs(i["of_tolerance"] * factor - i["units"]) <= 1e-9 * i["units"] for i in passing["instances"]
    )
    bad = [i for i in failing["instances"] if i["kind"] != "ok"]
    assert bad and all(i["of_tolerance"] > 1 for i in bad)
    # got = expected * (1 - gamma) on whatever instance the shrink ends on
    assert any(d.startswith("constant ratio") and "1-gamma" in d for d in failing["failure"]["diagnoses"])

    text = html.read_text()
    assert "<script" not in text and "http://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    dom = run_chromium(tmp_path, "--dump-dom", html.as_uri())
    plots = re.findall(r'<svg class="error-plot" data-formula="([^"]+)"', dom)
    assert plots == ["mdp.v", "pg.gradient"]
    assert 'class="expected-got-plot" data-formula="pg.gradient"' in dom
    section = dom.split('<section id="mdp.v">')[1].split("</section>")[0]
    corners = re.search(r'<p class="corners">Corners covered: ([^<;]*)', section)
    assert corners is not None and corners.group(1).split(", ") == passing["corners_covered"]
    counts = _bar_counts(dom)
    assert counts["mdp.v"] == len(passing["instances"])
    assert counts["pg.gradient"] == len(failing["instances"])

    shot = tmp_path / "shot.png"
    run_chromium(tmp_path, "--window-size=1000,1400", f"--screenshot={shot}", html.as_uri())
    pixels = png_pixels(shot)
    assert sum(1 for p in pixels if p == BAR_GREEN) > 200  # the bars of conforming instances
    assert sum(1 for p in pixels if p == BAR_RED) > 20  # and the failing instance's points


def _bar_counts(dom: str) -> dict[str, Any]:
    """Instances per formula, read back from the rendered bars' <title> counts."""
    out: dict[str, int] = {}
    for formula, body in re.findall(r'<svg class="error-plot" data-formula="([^"]+)"(.*?)</svg>', dom, re.S):
        out[formula] = sum(int(n) for n in re.findall(r'<rect class="bar"[^>]*><title>(\d+)</title>', body))
    return out


def test_share_of_an_exact_formulas_tolerance() -> None:
    # trpo.line_search_backtracks has factor 0: no error is allowed, so any error is infinite
    assert tolerance_share(0.0, 0.0) == 0.0
    assert tolerance_share(1e-300, 0.0) == math.inf
    assert tolerance_share(3.0, 2.0) == 1.5
