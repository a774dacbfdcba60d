"""The surface-neutral conversation core: an inbound message in, a structured reply out."""
