"""Models of assignment 2."""
