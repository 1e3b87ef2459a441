"""The conformance suite: checks anyone's implementation against the oracle (`rlspec conform`)."""
