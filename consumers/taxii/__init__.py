"""The TAXII 2.1 server: each member polls its own deliveries as STIX (docs/stix-taxii.md)."""
