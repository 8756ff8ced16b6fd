"""The delivery's identity."""

from __future__ import annotations

from consumers.delivery.routing import delivery_id


def test_delivery_id_is_stable_and_distinct() -> None:
    assert delivery_id("GR-HCG", "m1") == delivery_id("GR-HCG", "m1")
    assert delivery_id("GR-HCG", "m1") != delivery_id("TR-SG", "m1")
    assert delivery_id("GR-HCG", "m1") != delivery_id("GR-HCG", "m2")
