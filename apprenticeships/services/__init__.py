"""Domain logic. Services take plain values and models, never Flask's request."""
