"""A producer seals personal data to the recipients the signed key registry clears.

``corridor publish --registry-roots`` reads ``<prefix>.keys`` on a real broker, verifies
the newest version against its root file, and wraps the content key for exactly the
members that version clears (wire format 6.8): no trust-store or task-force file of
its own decides, and a later version that withdraws a clearance takes effect.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from consumers.topic_reader import read_to_end
from corridor_cli.main import main
from producers.scenarios import sample_alert
from schemas import personal_data as pd
from schemas.keys import encryption_key_id, generate_private_key, write_private_key
from schemas.taskforce import load_taskforce
from schemas.truststore import TrustStore, save_trust_store
from streams.admin import create_topics
from streams.topology import pipeline_topics

pytestmark = pytest.mark.integration


def _taskforce(prefix: str, gr_hcg_cleared: bool) -> str:
    return (
        f'name = "sealing"\ntopic_prefix = "{prefix}"\ntrust_store = "trust-store.json"\n'
        '\n[[agency]]\nid = "PK-FIA"\nrole = "investigation_agency"\n'
        f'\n[[agency]]\nid = "GR-HCG"\nrole = "coast_guard"\n'
        f"personal_data = {'true' if gr_hcg_cleared else 'false'}\n"
        '\n[[agency]]\nid = "EU-EUROPOL"\nrole = "eu_partner"\npersonal_data = true\n'
        '\n[[agency]]\nid = "TR-SG"\nrole = "coast_guard"\n'
    )


ROOT_NAMES = ("chair", "deputy", "auditor")


def _ok(*argv: str) -> None:
    """Run ``corridor ARGV`` in this process; it must succeed."""
    assert main(list(argv)) == 0, argv


def _create_roots(workdir: Path) -> None:
    for name in ROOT_NAMES:
        _ok("registry", "new-root", "--name", name, "--out-dir", str(workdir))
    roots = [arg for n in ROOT_NAMES for arg in ("--root", str(workdir / f"{n}.root.pub"))]
    _ok("registry", "init", "--threshold", "2", "--out", str(workdir / "roots.json"), *roots)


def _publish_version(workdir: Path, config: Path, version: int, kafka: list[str]) -> None:
    draft = workdir / f"v{version}.json"
    previous = ["--previous", str(workdir / f"v{version - 1}.json")] if version > 1 else []
    trust = str(workdir / "trust-store.json")
    draft_args = ["--config", str(config), *previous, "--valid-for", "1d", "--out", str(draft)]
    _ok("registry", "draft", "--trust-store", trust, *draft_args)
    for name in ROOT_NAMES[:2]:
        _ok("registry", "sign", str(draft), "--root-key", str(workdir / f"{name}.root.key"))
    _ok("registry", "publish", str(draft), "--roots", str(workdir / "roots.json"), *kafka)


def _wrapped_key_ids(bootstrap: str, topic: str) -> dict[str, list[str]]:
    """By record key, the key ids of the wraps of each record's attachment on ``topic``."""
    found = {}
    for record in read_to_end(bootstrap, topic):
        attachment = pd.attachment_of(list(record.headers))
        assert attachment is not None
        wraps = pd.decode_attachment(attachment)["wraps"]
        found[record.key.decode()] = [w["key_id"] for w in wraps]
    return found


def test_publish_seals_to_the_members_the_registry_clears(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    prefix = f"seal-{uuid.uuid4().hex[:8]}"
    config = tmp_path / "taskforce.toml"
    config.write_text(_taskforce(prefix, gr_hcg_cleared=True), "utf-8")
    taskforce = load_taskforce(config)
    create_topics(kafka_bootstrap, pipeline_topics(taskforce))
    kafka = ["--bootstrap", kafka_bootstrap, "--topic-prefix", prefix]
    _create_roots(tmp_path)
    fia = generate_private_key()
    write_private_key(tmp_path / "PK-FIA.key", fia)
    encryption = {a: X25519PrivateKey.generate() for a in ("GR-HCG", "EU-EUROPOL", "TR-SG")}
    store = TrustStore(agencies={}).with_hub("TF-HUB")
    store = store.with_key("TF-HUB", "hub", generate_private_key().public_key())
    store = store.with_key("PK-FIA", "PK-FIA", fia.public_key())
    for agency, key in encryption.items():
        store = store.with_encryption_key(agency, agency, key.public_key())
    save_trust_store(tmp_path / "trust-store.json", store)
    _publish_version(tmp_path, config, 1, kafka)

    alert = sample_alert("PK-FIA", 1)
    alert.update(tlp="AMBER", handling_code="H1", tlp_recipients=[])
    alert["personal_data"] = {"persons": [{"role": "VICTIM", "full_name": "Test Person"}]}
    alerts = tmp_path / "alerts.json"
    publish = [
        "publish",
        "--agency",
        "PK-FIA",
        "--key",
        str(tmp_path / "PK-FIA.key"),
        "--file",
        str(alerts),
        "--registry-roots",
        str(tmp_path / "roots.json"),
        "--config",
        str(tmp_path / "no-such-taskforce.toml"),
        *kafka,
    ]
    alerts.write_text(json.dumps(alert), "utf-8")
    _ok(*publish)

    ids = {a: encryption_key_id(k.public_key()) for a, k in encryption.items()}
    inbound = taskforce.topics.inbound("PK-FIA")
    first = f"PK-FIA:{alert['alert_id']}"
    assert _wrapped_key_ids(kafka_bootstrap, inbound) == {first: [ids["EU-EUROPOL"], ids["GR-HCG"]]}

    # Version 2 withdraws GR-HCG's clearance: the next alert has no wrap for it.
    config.write_text(_taskforce(prefix, gr_hcg_cleared=False), "utf-8")
    _publish_version(tmp_path, config, 2, kafka)
    alerts.write_text(json.dumps({**alert, "alert_id": "PK-FIA-2026-900002"}), "utf-8")
    _ok(*publish)
    assert _wrapped_key_ids(kafka_bootstrap, inbound)["PK-FIA:PK-FIA-2026-900002"] == [
        ids["EU-EUROPOL"]
    ]


def test_publish_without_an_acceptable_registry_publishes_nothing(
    kafka_bootstrap: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prefix = f"seal-{uuid.uuid4().hex[:8]}"
    config = tmp_path / "taskforce.toml"
    config.write_text(_taskforce(prefix, gr_hcg_cleared=True), "utf-8")
    taskforce = load_taskforce(config)
    create_topics(kafka_bootstrap, pipeline_topics(taskforce))
    _create_roots(tmp_path)
    write_private_key(tmp_path / "PK-FIA.key", generate_private_key())
    alert = sample_alert("PK-FIA", 1)
    alert["personal_data"] = {"persons": [{"role": "VICTIM", "full_name": "Test Person"}]}
    (tmp_path / "alerts.json").write_text(json.dumps(alert), "utf-8")
    code = main(
        [
            "publish",
            "--agency",
            "PK-FIA",
            "--key",
            str(tmp_path / "PK-FIA.key"),
            "--file",
            str(tmp_path / "alerts.json"),
            "--registry-roots",
            str(tmp_path / "roots.json"),
            "--bootstrap",
            kafka_bootstrap,
            "--topic-prefix",
            prefix,
        ]
    )
    err = capsys.readouterr().err
    assert code == 2, err
    assert "no key registry has been published yet" in err
    assert read_to_end(kafka_bootstrap, taskforce.topics.inbound("PK-FIA")) == []
