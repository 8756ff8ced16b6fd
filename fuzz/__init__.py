"""Fuzzing the hub's parsers: a seeded, reproducible mutation engine and one target per parser.

``python -m fuzz`` (``make fuzz``) drives the signed envelope decoder, the verifier's whole
check of an inbound record, the JSON mapping and the key registry parser with mutations of
the published test vectors (schemas/vectors/) and random bytes; see docs/fuzzing.md.
"""
