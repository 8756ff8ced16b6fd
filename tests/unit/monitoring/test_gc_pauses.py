"""Garbage-collection pauses are timed by generation."""

from __future__ import annotations

import gc

from prometheus_client import CollectorRegistry

from monitoring.gc_pauses import GcPauses


def test_a_full_collection_is_timed_as_generation_2() -> None:
    registry = CollectorRegistry()
    pauses = GcPauses(registry)
    pauses.install()
    try:
        gc.collect(2)
    finally:
        pauses.uninstall()
    count = registry.get_sample_value("corridor_gc_pause_seconds_count", {"generation": "2"})
    assert count is not None and count >= 1
    total = registry.get_sample_value("corridor_gc_pause_seconds_sum", {"generation": "2"})
    assert total is not None and total > 0
    gc.collect(2)  # uninstalled: no longer counted
    again = registry.get_sample_value("corridor_gc_pause_seconds_count", {"generation": "2"})
    assert again == count
