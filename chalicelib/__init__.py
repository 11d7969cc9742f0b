"""Sesame's API code: everything app.py's routes call."""
