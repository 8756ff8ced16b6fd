"""Helpers of the integration tests that run a hub following the signed key registry."""

from __future__ import annotations

import json
import subprocess
import urllib.error
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from schemas.taskforce import TaskForce
from schemas.truststore import TrustStore, save_trust_store
from tests.integration.conftest import run_corridor, scrape_metric


def ok(result: subprocess.CompletedProcess[str]) -> str:
    """The output of a ``corridor`` run that must have succeeded."""
    assert result.returncode == 0, result.stderr
    return result.stdout


def metric(port: int, name: str, **labels: str) -> float:
    """A sample of a process's /metrics; -1 while it is not serving yet (still starting)."""
    try:
        return scrape_metric(port, name, **labels)
    except urllib.error.URLError:
        return -1.0


def json_lines(out: Path) -> list[dict[str, Any]]:
    """The complete JSON lines written so far (the writer may be in the middle of one)."""
    if not out.exists():
        return []
    complete = out.read_text("utf-8").rpartition("\n")[0]
    return [json.loads(line) for line in complete.splitlines() if line.strip()]


def publish_next_version(
    workdir: Path,
    published: list[Path],
    store: TrustStore,
    root_keys: Sequence[Path],
    roots: str,
    kafka: Sequence[str],
) -> int:
    """Draft the next registry version of ``store``, sign it with ``root_keys``, publish it.

    Appends the draft to ``published`` and returns its version number.
    """
    version = len(published) + 1
    trust_file = workdir / f"trust-store-v{version}.json"
    save_trust_store(trust_file, store)
    draft = workdir / f"registry-v{version}.json"
    previous = ["--previous", str(published[-1])] if published else []
    ok(
        run_corridor(
            "registry",
            "draft",
            "--trust-store",
            str(trust_file),
            *previous,
            "--valid-for",
            "1d",
            "--out",
            str(draft),
        )
    )
    for root_key in root_keys:
        ok(run_corridor("registry", "sign", str(draft), "--root-key", str(root_key)))
    ok(run_corridor("registry", "publish", str(draft), "--roots", roots, *kafka))
    published.append(draft)
    return version


ROOT_NAMES = ("chair", "deputy", "auditor")


def create_roots(workdir: Path, threshold: int = 2) -> Path:
    """Three root keys in ``workdir`` (``NAME.root.key``/``.pub``) and the roots file.

    Returns ``workdir/roots.json``, which needs ``threshold`` of the three signatures.
    """
    for name in ROOT_NAMES:
        ok(run_corridor("registry", "new-root", "--name", name, "--out-dir", str(workdir)))
    roots = workdir / "roots.json"
    root_args = [arg for n in ROOT_NAMES for arg in ("--root", str(workdir / f"{n}.root.pub"))]
    ok(
        run_corridor(
            "registry", "init", "--threshold", str(threshold), "--out", str(roots), *root_args
        )
    )
    return roots


def registry_taskforce(name: str, prefix: str, *, gr_hcg_publishes: bool = False) -> str:
    """A task-force file whose hub follows the key registry (roots in ``roots.json``).

    PK-FIA and TR-SG publish; GR-HCG receives (and publishes if ``gr_hcg_publishes``).
    Append ``[[agency]]`` tables for more members.
    """
    publishes = "" if gr_hcg_publishes else "publishes = false\n"
    return (
        f'name = "{name}"\n'
        f'topic_prefix = "{prefix}"\n'
        'trust_store = "unused-trust-store.json"\n'
        'registry_roots = "roots.json"\n'
        '\n[[agency]]\nid = "PK-FIA"\nrole = "investigation_agency"\n'
        '\n[[agency]]\nid = "TR-SG"\nrole = "coast_guard"\n'
        f'\n[[agency]]\nid = "GR-HCG"\nrole = "coast_guard"\n{publishes}'
    )


class RegistryHub:
    """What the registry-following test hubs share: publishing the next registry version.

    Mixed into each test module's hub dataclass, which has these fields.
    """

    bootstrap: str
    workdir: Path
    taskforce: TaskForce
    store: TrustStore
    published: list[Path]

    @property
    def kafka(self) -> list[str]:
        """``--bootstrap`` and ``--topic-prefix`` of this hub, for ``corridor`` runs."""
        return ["--bootstrap", self.bootstrap, "--topic-prefix", self.taskforce.topics.prefix]

    @property
    def roots(self) -> str:
        """The roots file of :func:`create_roots`."""
        return str(self.workdir / "roots.json")

    def publish_registry(self, store: TrustStore) -> int:
        """Draft the next version of ``store``, have two of the three roots sign it, publish it."""
        self.store = store
        root_keys = [self.workdir / f"{name}.root.key" for name in ROOT_NAMES[1:]]
        return publish_next_version(
            self.workdir, self.published, store, root_keys, self.roots, self.kafka
        )
