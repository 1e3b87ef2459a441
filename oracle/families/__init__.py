"""Instance families. `oracle.families.<family>` defines, for its family:

validate(instance)            check and convert every top-level key (exact Fractions), or raise
                              InstanceError naming the key;
sizes(instance) -> dict       the dimension symbols of its shapes ({"S": 4, "A": 3}, ...);
generate(seed, **sizes) -> dict   a seeded random instance as a JSON-ready dict (floats only,
                              so it is exactly representable in binary64).
"""
