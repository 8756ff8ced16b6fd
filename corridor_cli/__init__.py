"""The ``corridor`` command: one entry point for agencies, the hub and operators."""
