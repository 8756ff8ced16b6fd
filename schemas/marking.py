"""The originator's markings on the wire: TLP 2.0 levels and handling codes, in order.

Both orders run from least to most restrictive; the Avro enums spell AMBER+STRICT
as ``AMBER_STRICT`` because Avro symbols cannot contain ``+``.
"""

from __future__ import annotations

#: TLP 2.0, least to most restrictive.
TLP_LEVELS = ("CLEAR", "GREEN", "AMBER", "AMBER_STRICT", "RED")
#: Law-enforcement handling codes in the style of Europol's, least to most restrictive.
HANDLING_CODES = ("H0", "H1", "H2", "H3")


def tlp_rank(tlp: str) -> int:
    """Position of ``tlp`` in :data:`TLP_LEVELS` (higher is more restrictive)."""
    return TLP_LEVELS.index(tlp)


def handling_rank(code: str) -> int:
    """Position of ``code`` in :data:`HANDLING_CODES` (higher is more restrictive)."""
    return HANDLING_CODES.index(code)


def tlp_label(tlp: str) -> str:
    """The TLP 2.0 label as people write it (``TLP:AMBER+STRICT``)."""
    return "TLP:" + tlp.replace("_", "+")
