"""What every capability reads: systems and their areas, the vision and outcomes, indicators and measurements."""
