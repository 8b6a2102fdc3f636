"""Metrics: live aggregates over the event stream, the same code for the live console and the replay."""
