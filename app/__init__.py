"""Anchor Console (主播中控台): the headless core of a live-commerce streaming console."""

__version__ = "0.1.0"
