"""Record batches, as a broker returns them, for the Kafka clients' parsing tests."""

from __future__ import annotations

from kafka.record.default_records import DefaultRecordBatchBuilder

from schemas.header_names import decode_name

#: A header name that is not UTF-8.
NAME_BYTES = b"\xff\xfe-name"


def batch_with_undecodable_header_name() -> bytes:
    """Three records; the second has a header whose name is :data:`NAME_BYTES`.

    kafka-python writes a name with ``name.encode("utf-8")``: the name decoded tolerantly
    writes its original bytes back.
    """
    builder = DefaultRecordBatchBuilder(
        magic=2,
        compression_type=0,
        is_transactional=0,
        producer_id=-1,
        producer_epoch=-1,
        base_sequence=-1,
        batch_size=1_000_000,
    )
    builder.append(0, timestamp=1, key=b"k0", value=b"v0", headers=[])
    headers = [(decode_name(NAME_BYTES), b"x"), ("ok", b"y")]
    builder.append(1, timestamp=1, key=b"k1", value=b"v1", headers=headers)
    builder.append(2, timestamp=1, key=b"k2", value=b"v2", headers=[("fine", b"z")])
    data = bytes(builder.build())
    assert NAME_BYTES in data
    return data
