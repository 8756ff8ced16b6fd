"""The delivery service: the sharing policy's decisions, the inbox writes they become, and
the service that makes them at least once."""
