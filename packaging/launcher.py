"""The built app's entry point (PyInstaller): the same launcher as `anchor-console` (`ui.app.launch`)."""

from ui.app import launch

raise SystemExit(launch())
