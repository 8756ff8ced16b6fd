"""A throw-away task force for one fault case: keys, trust store, task-force file, topics."""

from __future__ import annotations

from pathlib import Path

from faults.workload import PUBLISHERS, TASKFORCE_TOML
from schemas.keys import generate_private_key, write_private_key
from schemas.replication import Replication
from schemas.taskforce import DEFAULT_HUB_ID, TaskForce, load_taskforce
from schemas.truststore import TrustStore, save_trust_store
from streams.admin import create_topics
from streams.topology import pipeline_topics
from throwaway_deployment import HUB_KEY_FILE, Deployment


def deploy(
    directory: Path, prefix: str, bootstrap: str, replication: Replication | None = None
) -> tuple[Deployment, TaskForce]:
    """Write the fault matrix's task force under ``prefix`` and create its topics.

    The files follow :mod:`throwaway_deployment`'s layout, so its helpers start the
    hub's services; the members and their entitlements are the workload's. A
    ``replication`` becomes the file's ``[kafka]`` table (every topic the hub creates,
    its own and the streams worker's, follows it); None keeps one copy.
    """
    (directory / "keys").mkdir(parents=True, exist_ok=True)
    keys = {agency: generate_private_key() for agency in PUBLISHERS}
    hub_key = generate_private_key()
    store = TrustStore(agencies={})
    for agency, key in keys.items():
        store = store.with_key(agency, agency, key.public_key())
        write_private_key(directory / "keys" / f"{agency}.key", key, overwrite=True)
    store = store.with_key(DEFAULT_HUB_ID, "task-force hub", hub_key.public_key())
    save_trust_store(directory / "trust-store.json", store)
    write_private_key(directory / HUB_KEY_FILE, hub_key, overwrite=True)
    config = directory / "taskforce.toml"
    text = TASKFORCE_TOML.format(prefix=prefix)
    if replication is not None:
        text += (
            f"\n[kafka]\nreplication_factor = {replication.replication_factor}\n"
            f"min_insync_replicas = {replication.min_insync_replicas}\n"
        )
    config.write_text(text, encoding="utf-8")
    taskforce = load_taskforce(config)
    create_topics(bootstrap, pipeline_topics(taskforce), replication=taskforce.replication)
    receivers = [m.agency_id for m in taskforce.recipients if m.agency_id not in keys]
    deployment = Deployment(
        prefix=prefix, directory=directory, config=config, keys=keys, recipients=receivers
    )
    return deployment, taskforce
