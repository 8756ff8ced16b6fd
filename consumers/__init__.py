"""Task-force side: deliver verified alerts to member agencies and read them there."""
