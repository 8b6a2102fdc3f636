"""`python -m ui`: the anchor-console launcher (the window, or the headless commands)."""

from ui.app import launch

raise SystemExit(launch())
