"""Connectors: what brings a room's events in from outside the console (the platform feed, the simulated audience
and the demo assistant of a rehearsal), each onto the one bus."""
