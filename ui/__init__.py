"""The Qt face of Anchor Console: widgets that observe and command the headless core in `app/`."""
