"""An implementation that defines nothing."""
