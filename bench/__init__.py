"""Benchmark programs (``make bench``): they print figures, they assert nothing."""
