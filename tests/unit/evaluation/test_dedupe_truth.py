"""Dedupe truth and prediction from published envelopes and delivered message ids."""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from evaluation.dedupe_truth import dedupe_clusters
from evaluation.scoring import pairwise
from producers.scenarios import sample_datum
from schemas.envelope import Envelope, open_envelope
from schemas.keys import generate_private_key
from schemas.signing import sign_alert
from schemas.topics import TopicNames

KEY: Ed25519PrivateKey = generate_private_key()


def _signed(revision: int) -> Envelope:
    datum: dict[str, Any] = {**sample_datum("PK-FIA", 1), "revision": revision}
    return open_envelope(sign_alert(datum, KEY, TopicNames()).value)


def test_a_perfect_pipeline_scores_one() -> None:
    r1, r1_again, r2, r1_late = _signed(1), _signed(1), _signed(2), _signed(1)
    published = [r1, r1, r1_again, r2, r1_late]  # includes a byte-for-byte replay
    truth, predicted = dedupe_clusters(published, [r1.header.message_id, r2.header.message_id])
    scores = pairwise(truth, predicted)
    assert scores.f1 == 1.0
    assert scores.true_pairs == 3 + 1  # three copies of r1 together; the late r1 with r2


def test_a_duplicate_that_got_through_costs_recall() -> None:
    r1, r1_again = _signed(1), _signed(1)
    truth, predicted = dedupe_clusters(
        [r1, r1_again], [r1.header.message_id, r1_again.header.message_id]
    )
    assert pairwise(truth, predicted).recall == 0.0


def test_a_stale_revision_delivered_costs_recall() -> None:
    r2, r1_late = _signed(2), _signed(1)
    truth, predicted = dedupe_clusters(
        [r2, r1_late], [r2.header.message_id, r1_late.header.message_id]
    )
    assert pairwise(truth, predicted).recall == 0.0
