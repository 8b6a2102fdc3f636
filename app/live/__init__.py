"""Live events: the one event path (bus), connectors (simulator, websocket feed), moderation."""
