"""Webhooks: the hub's signed POST of each delivery (dispatcher, retries, dead letters,
replay) and the agency's HTTPS endpoint that verifies and stores each one."""
