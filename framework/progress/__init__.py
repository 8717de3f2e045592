"""Progress at 1, 3 and 5 years: the engine, its SQL over a whole system, the wording, the charts and the story behind the curve."""
