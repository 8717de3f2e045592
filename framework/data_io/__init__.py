"""Data in and out: imports that never half-load, and the Excel return for the board."""
