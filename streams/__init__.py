"""Hub side: Faust processors that verify, deduplicate and correlate alerts."""
