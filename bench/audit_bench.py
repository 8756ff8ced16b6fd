"""Cost of the audit chain: appending records, signing checkpoints, verifying the chain.

Usage: ``python bench/audit_bench.py [--records N] [--checkpoint-every K]``

Pure, in-process figures (no broker): the auditor's work per event (canonical JSON and
SHA-256 of a ``delivered`` record like the pipeline's), a signed checkpoint every K records,
and ``corridor audit verify``'s work over the encoded chain (parse, re-hash, link, check each
checkpoint's signature). The broker's acks=all round trip per batch comes on top.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from pathlib import Path

# Run as a script: make the repository's packages importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from schemas import audit


def build_chain(records: int, checkpoint_every: int, key: Ed25519PrivateKey) -> list[bytes]:
    """``records`` delivered events with a checkpoint after every ``checkpoint_every``."""
    chain: list[bytes] = []
    prev, seq, positions = audit.GENESIS, 0, {("bench.inbox.GR-HCG", 0): 0}
    for n in range(records):
        seq += 1
        record = audit.seal_record(
            seq,
            prev,
            1_790_000_000_000 + n,
            audit.DELIVERED,
            {
                "agency": "GR-HCG",
                "delivery": str(uuid.UUID(int=n)),
                "item": "alert",
                "alert": f"PK-FIA:PK-FIA-2026-{n:06d}",
                "message_id": str(uuid.UUID(int=n + 1)),
                "digest": f"{n:064x}",
            },
            audit.Position("bench.inbox.GR-HCG", 0, n),
        )
        chain.append(record.to_bytes())
        prev = record.hash
        positions[("bench.inbox.GR-HCG", 0)] = n + 1
        if seq % (checkpoint_every + 1) == checkpoint_every:
            seq += 1
            checkpoint = audit.seal_checkpoint(
                seq, prev, 1_790_000_000_000 + n, "TF-HUB", positions, key
            )
            chain.append(checkpoint.to_bytes())
            prev = checkpoint.hash
    return chain


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--checkpoint-every", type=int, default=1000)
    args = parser.parse_args()
    key = Ed25519PrivateKey.generate()

    started = time.perf_counter()
    chain = build_chain(args.records, args.checkpoint_every, key)
    append_s = time.perf_counter() - started

    started = time.perf_counter()
    report = audit.verify_chain(enumerate(chain), audit.fixed_keys(key.public_key()))
    verify_s = time.perf_counter() - started
    if not report.intact:
        print(f"the benchmark's chain does not verify: {report.findings[:3]}", file=sys.stderr)
        return 1

    size = sum(len(value) for value in chain) / len(chain)
    print(
        f"audit chain: {len(chain):,} records ({report.checkpoints} checkpoints), {size:.0f} B each"
    )
    print(
        f"  append (canonical JSON + SHA-256, checkpoints signed): {len(chain) / append_s:,.0f} "
        f"records/s ({append_s / len(chain) * 1e6:.0f} us)"
    )
    print(
        f"  verify (parse, re-hash, link, checkpoint signatures): {len(chain) / verify_s:,.0f} "
        f"records/s ({verify_s / len(chain) * 1e6:.0f} us)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
