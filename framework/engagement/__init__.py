"""The engagement log: activities, "you said, we did", the measures derived from them, imports, charts and the insight library."""
