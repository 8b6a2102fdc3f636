"""LAN assistants: the assistant server the console runs and the client a second machine uses."""
