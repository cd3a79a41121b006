"""Evaluate alerts: the status contract, selection, and the run loop."""
