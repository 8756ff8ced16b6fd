"""The inbox client an agency runs: read its deliveries and verify each originator."""
