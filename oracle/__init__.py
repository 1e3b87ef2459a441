"""The oracle: instances (JSON I/O, validation, random families), precision control and error
bounds, golden vectors, and the `rlspec` command line."""
