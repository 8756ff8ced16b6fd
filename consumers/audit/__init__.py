"""The audit chain's writer (the auditor), the events it derives from the pipeline's topics,
and an alert's trace read back from the chain."""
