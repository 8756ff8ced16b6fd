"""STIX 2.1 view of Corridor deliveries: alerts and incidents as ``stix2`` objects (pure).

Specification and mapping table: docs/stix-taxii.md.
"""
