"""Reporters: each turns the same list of diagnostics into one output format."""
