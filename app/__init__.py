"""Anchor Console (主播中控台): the headless core of a live-commerce streaming console."""

import os

# OpenCV prints backend warnings (e.g. every V4L2 probe of a missing camera) to stderr; our own messages say
# what matters, once.
os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")

__version__ = "0.1.0"
DISTRIBUTION = "anchor-console"  # which `app` this is: the launcher refuses another package's `app` in its place
