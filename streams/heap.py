"""Short garbage-collection pauses for a worker that holds a large state.

The correlator keeps about 70 objects the garbage collector tracks per alert it holds (a
simulated scenario of 9,122 alerts: 657,000 tracked objects). A full collection walks
every one of them, and stops every thread while it does: about 0.7 s for that scenario on
the project's 2-core machine, seconds for the tens of thousands of alerts a retention
window holds, and Python runs one each time a quarter more objects have survived since
the last. That pause is a latency spike for every alert in the pipeline.

So the worker moves what survived into the collector's permanent generation every second
(:func:`freeze_survivors`): first a collection of the young generations (cheap:
the objects made since the last call), then ``gc.freeze()``. Full collections then walk
only what is new since the last freeze. Frozen objects are still freed by reference
counting the moment nothing refers to them (the correlator's evicted alerts: measured, no
cycles among them); only a frozen object that ends in a reference cycle stays until the
process restarts. ``corridor_gc_frozen_objects`` shows the permanent generation, so an
operator sees it if it ever grows without the state growing too.
"""

from __future__ import annotations

import gc

#: Seconds between two freezes of the worker's survivors (0: never, Python's own policy).
#: Measured in a burst of 2,000 alerts: at 5 s a full collection of 0.1-0.5 s still came
#: between two freezes; at 1 s none.
DEFAULT_FREEZE_INTERVAL_S = 1.0


def freeze_survivors() -> int:
    """Collect the young generations, then freeze every object still tracked; returns the
    size of the permanent generation."""
    gc.collect(1)
    gc.freeze()
    return gc.get_freeze_count()
