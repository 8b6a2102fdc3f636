"""Overlay layers: rendered with QtGui (QPainter into QImage) off the UI thread, composited into each frame."""
