"""The mpmath reference implementation of the lecture, one module per lecture section.

Every function is pure: it takes exact inputs (int, fractions.Fraction, or mpf values), works
in the caller's mpmath precision (set it with `mpmath.mp.workdps(n)`), and returns mpf values
(nested lists for arrays). No floats enter the math and no global state is left behind.
"""
