"""Grading untrusted submissions: `rlspec grade SUBMISSION --config grading.toml`.

config.py   the grading file (TOML): formulas, points, visible and hidden cases, limits
sandbox.py  the hardened worker (parent side): a separate process with resource limits, a
            scrubbed environment, an audit hook, and a raw-bytes JSON protocol (no pickle)
child.py    the worker itself: a standalone script (stdlib + numpy), copied into the sandbox
grade.py    the grading run: cases, comparison in the parent, partial credit, the command line
feedback.py what students and instructors see: Gradescope results.json, a JSON report, a table
"""
