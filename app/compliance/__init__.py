"""Compliance: the Advertising Law's extreme-word check for scripts, titles and selling points."""
