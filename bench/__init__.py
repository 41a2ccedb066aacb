"""Benchmark and test harness helpers (Groq-protocol stub server, load drivers)."""
