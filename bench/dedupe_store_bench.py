"""RAM and disk per million alerts of the dedupe state: memory stores against rocksdict.

Usage: ``python bench/dedupe_store_bench.py [--entries N] [--partitions P]``

An alert is a ``digests`` entry (SHA-256 -> 22-byte ``digest_entry``), a ``revisions`` entry
(``AGENCY:alert_id`` -> 26-byte ``revision_entry``) and what expires them. Every figure comes
from a fresh subprocess; tracemalloc runs apart from the RSS and rate runs, as it inflates
and slows both.
dict (before): ``faust.stores.memory.Store`` built standalone, used through its mapping API,
plus the expiry index as it was (``ListIndex``: times in a C array, keys in a list) sharing
the store's key objects.
packed (the ``memory://`` store now): ``streams.packed_store.PackedStore`` built standalone,
whose byte logs are the expiry order (``PackedRetention`` holds no key); after a restart it
is filled from the changelog (``apply_changelog_batch``) and each partition sorted on load.
rocksdict: one DB per table opened by Faust's own ``RocksDBOptions().open(path)`` (what a
``rocksdb://`` table gets when rocksdict is installed), ``put``/``get`` as the store does in
an event, then flush and full compaction; random lookups then warm its block cache; plus
its expiry index: a ``RetentionIndex`` (keys packed in a byte array per partition) now, a
``ListIndex`` owning its keys before.
Rates are table entries per second (two per alert); inputs are generated untimed.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import subprocess
import sys
import tempfile
import time
import tracemalloc
from array import array
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import NamedTuple

# Run as a script: make the repository's packages importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from streams.dedupe import (
    digest_entry,
    digest_written_at,
    revision_entry,
    revision_written_at,
    value_digest,
)
from streams.packed_log import PackedLog
from streams.retention import PackedRetention, RetentionIndex
from streams.tables import packed_log_of

AGENCIES = ("PK-FIA", "GR-HCG", "TR-JGK", "IT-GDF")
BASE_MS = 1_767_225_600_000  # 2026-01-01T00:00Z
WINDOW_MS = 7 * 24 * 3600 * 1000
SAMPLE = 200_000  # timed lookups per kind (hits, misses)
Figures = dict[str, float]


class ListIndex:
    """The expiry index before the packed one, for the "before" rows: per partition, event
    times in a C array and the keys in a list (what ``RetentionIndex`` held)."""

    def __init__(self) -> None:
        self.times: dict[int, array[int]] = {}
        self.keys: dict[int, list[bytes]] = {}

    def written(self, partition: int, event_ms: int, key: bytes) -> None:
        self.times.setdefault(partition, array("q")).append(event_ms)
        self.keys.setdefault(partition, []).append(key)


class Alert(NamedTuple):
    digest: bytes
    digest_value: bytes
    alert_key: bytes
    revision_value: bytes
    event_ms: int
    partition: int


def alerts(indices: Iterable[int], partitions: int) -> Iterator[Alert]:
    for i in indices:
        agency = AGENCIES[i % len(AGENCIES)]
        key = f"{agency}:{agency}-2026-{i:06d}".encode()
        ms, part = BASE_MS + i * 37, i % partitions
        # The digest stands in for the SHA-256 of the signed record value.
        digest = value_digest(key + b"#1")
        entry = digest_entry(ms, part, 0, i)
        yield Alert(digest, entry, key, revision_entry(1, ms, part, (part, i)), ms, part)


def rate(op: Callable[[Alert], object], indices: Iterable[int], partitions: int) -> float:
    """Entries (2 per alert) per second of ``op``, timed in chunks without generating inputs."""
    source, spent, count = alerts(indices, partitions), 0.0, 0
    while chunk := list(islice(source, 16_384)):
        start = time.perf_counter()
        for alert in chunk:
            op(alert)
        spent += time.perf_counter() - start
        count += 2 * len(chunk)
    return count / spent


def rss() -> int:
    gc.collect()
    status = Path("/proc/self/status").read_text()
    return int(status.split("VmRSS:", 1)[1].split()[0]) * 1024


def used(trace: bool) -> int:
    gc.collect()  # Faust services hold reference cycles
    return tracemalloc.get_traced_memory()[0] if trace else rss()


def lookups(get: Callable[[Alert], object], n: int, partitions: int) -> Figures:
    rng, k = random.Random(7), min(n, SAMPLE)
    return {
        "hit": rate(get, (rng.randrange(n) for _ in range(k)), partitions),
        "miss": rate(get, range(n, n + k), partitions),
    }


def run_memory(n: int, partitions: int, trace: bool) -> Figures:
    import faust
    from faust.stores.memory import Store

    app = faust.App("dedupe-store-bench", broker="kafka://localhost:1")  # never started

    def store(name: str) -> Store[bytes, bytes]:
        # The store reads table.name only when table_name is missing; get/set never touch it.
        return Store("memory://", app=app, table=None, table_name=name)  # type: ignore[arg-type]

    digests, revisions = store("digests"), store("revisions")
    base, out = used(trace), Figures()
    for a in alerts(range(n), partitions):
        digests[a.digest], revisions[a.alert_key] = a.digest_value, a.revision_value
    out["store"] = used(trace) - base
    # Built as RetainedTable did after recovery: from the store, sharing its key objects.
    indexes = [ListIndex(), ListIndex()]
    written_at = (digest_written_at, revision_written_at)
    for index, table, at in zip(indexes, (digests, revisions), written_at, strict=True):
        for key, value in table.data.items():
            written_ms, partition = at(value)
            index.written(partition, written_ms, key)
    out["deques"] = used(trace) - base - out["store"]
    # After a restart, apply_changelog_batch also maps every recovered key to its partition.
    for table, at in zip((digests, revisions), written_at, strict=True):
        for key, value in table.data.items():
            table._key_partition[key] = at(value)[1]
    out["recovery"] = used(trace) - base - out["store"] - out["deques"]
    if trace:
        return out
    fresh_d, fresh_r = store("d2"), store("r2")

    def put(a: Alert) -> None:
        fresh_d[a.digest], fresh_r[a.alert_key] = a.digest_value, a.revision_value

    out["insert"] = rate(put, range(n), partitions)
    out |= lookups(lambda a: (digests.get(a.digest), revisions.get(a.alert_key)), n, partitions)
    return out


class _Message(NamedTuple):
    partition: int
    value: bytes


class _Changelog(NamedTuple):
    """A changelog record as Faust hands it to ``apply_changelog_batch``."""

    key: bytes
    value: bytes
    message: _Message


def _changelog(table: int, n: int, partitions: int) -> Iterator[object]:
    for a in alerts(range(n), partitions):
        key, value = (a.digest, a.digest_value) if table == 0 else (a.alert_key, a.revision_value)
        yield _Changelog(key, value, _Message(a.partition, value))


def run_packed(n: int, partitions: int, trace: bool) -> Figures:
    import faust

    from streams.packed_store import PackedStore

    app = faust.App("dedupe-store-bench", broker="kafka://localhost:1")  # never started

    def store(name: str, written_at: Callable[[bytes], tuple[int, int]]) -> PackedStore:
        return PackedStore("memory://", app=app, table=None, table_name=name, written_at=written_at)

    base, out = used(trace), Figures()
    digests = store("digests", digest_written_at)
    revisions = store("revisions", revision_written_at)
    for a in alerts(range(n), partitions):
        digests[a.digest], revisions[a.alert_key] = a.digest_value, a.revision_value
    # The expiry index of a packed table: one event time per partition, no key.
    indexes = [PackedRetention(WINDOW_MS, s.data) for s in (digests, revisions)]
    for index in indexes:
        for partition in range(partitions):
            index.advance(partition, BASE_MS)
    out["store"] = used(trace) - base
    out["nbytes"] = digests.data.nbytes() + revisions.data.nbytes()
    if trace:
        return out
    fresh_d, fresh_r = store("d2", digest_written_at), store("r2", revision_written_at)

    def put(a: Alert) -> None:
        fresh_d[a.digest], fresh_r[a.alert_key] = a.digest_value, a.revision_value

    out["insert"] = rate(put, range(n), partitions)
    out |= lookups(lambda a: (digests.get(a.digest), revisions.get(a.alert_key)), n, partitions)
    return out


def run_packed_restart(n: int, partitions: int, trace: bool) -> Figures:
    """A restarted worker's packed stores: filled from the changelog, each partition loaded."""
    import faust

    from streams.packed_store import PackedStore

    app = faust.App("dedupe-store-bench", broker="kafka://localhost:1")  # never started
    base, out = used(trace), Figures()
    stores = []
    for table, written_at in enumerate((digest_written_at, revision_written_at)):
        store = PackedStore(
            "memory://", app=app, table=None, table_name=str(table), written_at=written_at
        )
        store.apply_changelog_batch(_changelog(table, n, partitions), lambda k: k, lambda v: v)
        index = PackedRetention(WINDOW_MS, store.data)
        for partition in range(partitions):
            index.load(partition)
        stores.append(store)
    out["recovered"] = used(trace) - base
    return out


def run_packed_steady(n: int, partitions: int, trace: bool) -> Figures:
    """Packed tables with expiry at work: 2n alerts written with a window of n alerts' event
    time, so n stay; bytes held (logs and slot tables, capacity) per alert still held."""
    from streams.tables import RetainedTable

    window = n * 37 // partitions * partitions  # alerts() spaces them 37 ms apart
    tables = [
        RetainedTable(PackedLog(written_at), window, written_at)
        for written_at in (digest_written_at, revision_written_at)
    ]
    logs = [packed_log_of(t.table) for t in tables]
    held, samples = 0.0, 0
    for i, a in enumerate(alerts(range(2 * n), partitions)):
        tables[0].put(a.digest, a.digest_value, a.partition, a.event_ms)
        tables[1].put(a.alert_key, a.revision_value, a.partition, a.event_ms)
        if i >= n and i % 1024 == 0:
            held += sum(log.nbytes() for log in logs if log is not None) / len(tables[0])
            samples += 1
    worst = sum(log.nbytes() for log in logs if log is not None) / len(tables[0])
    return {"steady": held / max(samples, 1), "live": float(len(tables[0])), "end": worst}


def run_rocksdict(n: int, partitions: int, trace: bool) -> Figures:
    from faust.stores.rocksdb import RocksDBOptions

    # In RAM either way; the index owns its keys, as when loaded by iterating the store.
    out = Figures()
    for name, index in (("list", ListIndex), ("packed", lambda: RetentionIndex(WINDOW_MS))):
        base = used(trace)
        indexes = [index(), index()]
        for a in alerts(range(n), partitions):
            indexes[0].written(a.partition, a.event_ms, a.digest)
            indexes[1].written(a.partition, a.event_ms, a.alert_key)
        out[name] = used(trace) - base
        del indexes
    if trace:
        return out
    with tempfile.TemporaryDirectory(prefix="dedupe-store-bench-") as tmp:
        base = rss()
        dbs = [RocksDBOptions().open(Path(tmp, name)) for name in ("digests", "revisions")]

        def put(a: Alert) -> None:
            dbs[0].put(a.digest, a.digest_value)
            dbs[1].put(a.alert_key, a.revision_value)

        out["insert"] = rate(put, range(n), partitions)
        start = time.perf_counter()
        for db in dbs:
            db.flush()
            db.compact_range(None, None)
        out["compact_s"] = time.perf_counter() - start
        out["compacted"] = rss() - base
        out |= lookups(lambda a: (dbs[0].get(a.digest), dbs[1].get(a.alert_key)), n, partitions)
        out["warm"] = rss() - base
        out["cache"] = sum(db.property_int_value("rocksdb.block-cache-usage") or 0 for db in dbs)
        for db in dbs:
            db.close()
        files = [p for p in Path(tmp).rglob("*") if p.is_file()]
        out["disk"] = sum(p.stat().st_size for p in files)
        out["sst"] = sum(p.stat().st_size for p in files if p.suffix == ".sst")
    return out


RUNS = {
    "dict": run_memory,
    "packed": run_packed,
    "packed-restart": run_packed_restart,
    "packed-steady": run_packed_steady,
    "rocksdict": run_rocksdict,
}


def child(option: str, n: int, n_p: int, trace: bool) -> Figures:
    cmd = [sys.executable, __file__, f"--child={option}", f"--entries={n}", f"--partitions={n_p}"]
    done = subprocess.run([*cmd, *(["--trace"] * trace)], check=True, capture_output=True)
    figures: Figures = json.loads(done.stdout)
    return figures


def report(n: int, partitions: int) -> None:
    mem_t, mem = child("dict", n, partitions, True), child("dict", n, partitions, False)
    pkd_t, pkd = child("packed", n, partitions, True), child("packed", n, partitions, False)
    rst_t = child("packed-restart", n, partitions, True)
    rst = child("packed-restart", n, partitions, False)
    steady = child("packed-steady", n, partitions, False)
    rdx_t, rdx = child("rocksdict", n, partitions, True), child("rocksdict", n, partitions, False)
    per, mib = 1 / n, 1_000_000 / n / 2**20
    dict_t, dict_rss = mem_t["store"] + mem_t["deques"], mem["store"] + mem["deques"]
    rdx_before, rdx_now = rdx["warm"] + rdx["list"], rdx["warm"] + rdx["packed"]
    rows: list[tuple[str, float | None, float, float | None, Figures]] = [
        ("dict: Faust memory Store, both tables", mem_t["store"], mem["store"], None, mem),
        ("  + list expiry index (keys shared)", mem_t["deques"], mem["deques"], None, {}),
        ("  + key->partition after recovery", mem_t["recovery"], mem["recovery"], None, {}),
        ("packed: both tables, expiry included", pkd_t["store"], pkd["store"], None, pkd),
        ("packed, after restart (recovered+load)", rst_t["recovered"], rst["recovered"], None, {}),
        ("rocksdict, after flush+compact", None, rdx["compacted"], rdx["disk"], rdx),
        ("rocksdict, after lookups (warm cache)", None, rdx["warm"], None, {}),
        ("  + list expiry index (before)", rdx_t["list"], rdx["list"], None, {}),
        ("  + packed-key expiry index (now)", rdx_t["packed"], rdx["packed"], None, {}),
        ("TOTAL dict (before: store + index)", dict_t, dict_rss, None, {}),
        ("TOTAL packed (memory:// now)", pkd_t["store"], pkd["store"], None, {}),
        ("TOTAL rocksdict before (warm + list)", None, rdx_before, rdx["disk"], {}),
        ("TOTAL rocksdict now (warm + packed keys)", None, rdx_now, rdx["disk"], {}),
    ]
    head = ("option", "B/alert tm", "B/alert RSS", "RAM MiB/M", "disk MiB/M", "insert/s", "hit/s")
    print(f"{n:,} alerts = {2 * n:,} entries, {partitions} partitions per expiry index")
    print(f"{head[0]:<40}" + "".join(f"{h:>12}" for h in (*head[1:], "miss/s")))
    for name, traced, resident, disk, f in rows:
        cells = [
            "-" if traced is None else f"{traced * per:.0f}",
            f"{resident * per:.0f}",
            f"{resident * mib:.0f}",
            "-" if disk is None else f"{disk * mib:.1f}",
            *(f"{f[k]:,.0f}" if k in f else "-" for k in ("insert", "hit", "miss")),
        ]
        print(f"{name:<40}" + "".join(f"{c:>12}" for c in cells))
    print(
        f"packed/dict: RAM {pkd_t['store'] / dict_t:.2f} (tracemalloc), "
        f"{pkd['store'] / dict_rss:.2f} (RSS); inserts {pkd['insert'] / mem['insert']:.2f}, "
        f"hits {pkd['hit'] / mem['hit']:.2f}, misses {pkd['miss'] / mem['miss']:.2f}; "
        f"packed logs and slot tables {pkd['nbytes'] * per:.0f} B/alert; rocksdict now/before "
        f"{rdx_now / rdx_before:.2f} (RSS), its index {rdx_t['packed'] / rdx_t['list']:.2f}"
    )
    print(
        f"packed with expiry at work ({2 * n:,} alerts written, {steady['live']:,.0f} held): "
        f"{steady['steady']:.0f} B per alert held on average over the second half "
        f"({steady['steady'] * 1_000_000 / 2**20:.0f} MiB/M), {steady['end']:.0f} at the end"
    )
    print(
        f"rocksdict: SST files {rdx['sst'] * mib:.1f} MiB/M, block cache in use "
        f"{rdx['cache'] / 2**20:.0f} MiB, flush+compact {rdx['compact_s']:.1f} s; "
        "rows starting with + add to the row above"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--entries", type=int, default=1_000_000, help="alerts (default 1M)")
    parser.add_argument("--partitions", type=int, default=3, help="expiry-index partitions")
    parser.add_argument("--child", choices=tuple(RUNS), help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is None:
        report(args.entries, args.partitions)
        return
    if args.trace:
        tracemalloc.start()
    print(json.dumps(RUNS[args.child](args.entries, args.partitions, args.trace)))


if __name__ == "__main__":
    main()
