"""A throw-away task force for one fault case: keys, trust store, task-force file, topics."""

from __future__ import annotations

from pathlib import Path

from faults.workload import MEMBERS, PUBLISHERS, RECIPIENTS_ONLY
from schemas.replication import Replication
from schemas.taskforce import TaskForce, load_taskforce
from streams.admin import create_topics
from streams.topology import pipeline_topics
from throwaway_deployment import Deployment, make_deployment


def deploy(
    directory: Path, prefix: str, bootstrap: str, replication: Replication | None = None
) -> tuple[Deployment, TaskForce]:
    """Write the fault matrix's task force under ``prefix`` and create its topics.

    The files follow :mod:`throwaway_deployment`'s layout, so its helpers start the
    hub's services; the members and their entitlements are the workload's. A
    ``replication`` becomes the file's ``[kafka]`` table (every topic the hub creates,
    its own and the streams worker's, follows it); None keeps one copy.
    """
    deployment = make_deployment(
        directory,
        prefix,
        PUBLISHERS,
        RECIPIENTS_ONLY,
        replication=replication,
        members=MEMBERS,
        name="fault matrix",
    )
    taskforce = load_taskforce(deployment.config)
    create_topics(bootstrap, pipeline_topics(taskforce), replication=taskforce.replication)
    return deployment, taskforce
