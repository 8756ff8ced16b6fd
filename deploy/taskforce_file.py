"""Task-force files for throw-away deployments: the demo's bench, the test suite, the fault matrix.

One writer, so that a deployment set up by a test and one set up by the bench or the fault
matrix say the same thing the same way (docs/taskforce-file.md is the format's reference).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from schemas.replication import Replication

TRUST_STORE_FILE = "trust-store.json"


@dataclass(frozen=True)
class Member:
    """One ``[[agency]]`` table; None leaves a key out (the format's default applies)."""

    id: str
    role: str
    publishes: bool | None = None
    receives: bool | None = None
    tlp_clearance: str | None = None
    personal_data: bool | None = None

    def table(self) -> str:
        """The member's ``[[agency]]`` table."""
        lines = ["[[agency]]", f'id = "{self.id}"', f'role = "{self.role}"']
        for key in ("publishes", "receives", "personal_data"):
            value = getattr(self, key)
            if value is not None:
                lines.append(f"{key} = {'true' if value else 'false'}")
        if self.tlp_clearance is not None:
            lines.append(f'tlp_clearance = "{self.tlp_clearance}"')
        return "\n".join(lines) + "\n"


def taskforce_toml(
    name: str,
    prefix: str,
    members: Sequence[Member],
    replication: Replication | None = None,
) -> str:
    """The text of a task-force file; ``replication`` None leaves out the ``[kafka]`` table
    (the single-broker defaults)."""
    tables = [member.table() for member in members]
    if replication is not None:
        tables.append(
            f"[kafka]\nreplication_factor = {replication.replication_factor}\n"
            f"min_insync_replicas = {replication.min_insync_replicas}\n"
        )
    head = f'name = "{name}"\ntopic_prefix = "{prefix}"\ntrust_store = "{TRUST_STORE_FILE}"\n'
    return head + "\n" + "\n".join(tables)
