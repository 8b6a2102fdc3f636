"""The event kernel: the event type, the one bus every event takes, and the cleaning of outside text.
The bottom of the core: it imports nothing of the project but `app.values`."""
