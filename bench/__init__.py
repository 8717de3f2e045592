"""Benchmarks: how Shared Measures keeps up as data grows from the demo to ICS and regional scale."""
