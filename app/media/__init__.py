"""Media pipeline: sources, encoder, outputs and the wiring between them."""
