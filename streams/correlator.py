"""Incremental correlation of alerts into incidents (pure state machine, no I/O).

Alerts are nodes; two alerts are linked when their match weight
(``streams.scoring``) reaches the threshold; incidents are the coherent groups
``streams.clustering`` forms from the links (strong links are transitive, weak
ones must be backed by the groups as a whole), spanning at least two agencies.
Candidates come from a blocking index: only alerts sharing a key are scored.
Evidence from a key counts fully while at most ``full_weight_upto`` alerts hold
it, then loses bits per doubling of its holders (term frequency); a key held by
more than ``max_fanout`` alerts becomes *common*: it counts for nothing and
leaves the index (bounding the work per alert). Whenever a key gains a holder
beyond the full-weight range, the links that use it are re-scored, which can
split an incident.

Order independence: a key's count of holders only grows, so its weight only
falls, and so does every pair's weight; a pair counts only while it shares a
non-common key, which it did when the later of the two arrived. The final links
are therefore exactly the pairs whose weight under the final counts reaches the
threshold, whatever the arrival order; clustering is a function of the links,
ids are derived from the smallest member and content from sorted data, so the
final incidents are the same too.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from streams.clustering import clusters
from streams.features import AlertFeatures
from streams.incidents import (
    ACTIVE,
    MERGED,
    WITHDRAWN,
    build_incident,
    content_digest,
)
from streams.incidents import incident_id as incident_id_of
from streams.scoring import FULL_WEIGHT_UPTO, LINK_THRESHOLD, Link, score_pair, tf_penalty, tf_step

#: A key shared by more alerts than this is common: it no longer links anything.
DEFAULT_MAX_FANOUT = 12
#: Up to this many alerts a key counts fully; beyond, it loses bits per doubling of holders.
DEFAULT_FULL_WEIGHT_UPTO = FULL_WEIGHT_UPTO


@dataclass(frozen=True)
class IncidentChange:
    """One incident version to publish."""

    incident: dict[str, Any]
    """The incident datum, ``version`` included."""
    digest: str
    """``content_digest(incident)``, computed once."""


class Correlator:
    """Holds alerts, links and emitted incident versions; emits changes as alerts arrive."""

    def __init__(
        self,
        *,
        max_fanout: int = DEFAULT_MAX_FANOUT,
        full_weight_upto: int = DEFAULT_FULL_WEIGHT_UPTO,
        threshold: float = LINK_THRESHOLD,
    ) -> None:
        self.max_fanout = max_fanout
        self.full_weight_upto = min(full_weight_upto, max_fanout)
        self.threshold = threshold
        self.alerts: dict[str, AlertFeatures] = {}
        self._keys: dict[str, frozenset[str]] = {}
        self._postings: dict[str, set[str]] = {}
        # Every key an alert was posted under, any revision: older revisions' keys keep
        # counting it as a holder, so eviction must take it out of those postings too.
        self._posted: dict[str, set[str]] = {}
        self.common: set[str] = set()
        self._links: dict[str, dict[str, Link]] = {}
        self._emitted: dict[str, tuple[int, str, dict[str, Any]]] = {}
        self._incident_of: dict[str, str] = {}
        #: Per incident id: its members and content as last assembled, and their digest.
        self._built: dict[str, tuple[frozenset[str], dict[str, Any], str]] = {}

    # -- queries -------------------------------------------------------------------

    def is_common(self, key: str) -> bool:
        """Whether ``key`` is shared by too many alerts to count as evidence."""
        return key in self.common

    def penalty(self, key: str) -> float:
        """Bits evidence from ``key`` loses for its holders; infinite once it is common."""
        holders = self._postings.get(key)
        if holders is None:
            return math.inf if key in self.common else 0.0
        if len(holders) <= self.full_weight_upto:
            return 0.0
        return tf_penalty(len(holders), self.full_weight_upto)

    def incidents(self) -> list[dict[str, Any]]:
        """The latest version of every incident ever emitted, by id."""
        return [self._emitted[i][2] for i in sorted(self._emitted)]

    def active_incidents(self) -> list[dict[str, Any]]:
        """Latest versions whose status is ACTIVE."""
        return [i for i in self.incidents() if i["status"] == ACTIVE]

    def link_count(self) -> int:
        """Number of links between alerts."""
        return sum(len(n) for n in self._links.values()) // 2

    # -- state restore -------------------------------------------------------------

    def rebuild(
        self, alerts: Iterable[AlertFeatures], published: Iterable[dict[str, Any]]
    ) -> list[IncidentChange]:
        """Recover after a restart: replay the stored alerts, resume the published versions.

        Returns only what differs from what was published (normally nothing; after
        a crash between a state change and its publication, the missing versions).
        """
        for alert in sorted(alerts, key=lambda a: (a.key, a.revision)):
            self.add(alert)
        current = [i for i in self.incidents() if i["status"] == ACTIVE]
        self._emitted = {}
        for incident in published:
            self._emitted[incident["incident_id"]] = (
                incident["version"],
                content_digest(incident),
                incident,
            )
        changes: list[IncidentChange] = []
        for incident in current:
            changes += self._emit({k: v for k, v in incident.items() if k != "version"})
        current_ids = {i["incident_id"] for i in current}
        for incident_id in sorted(set(self._emitted) - current_ids):
            changes += self._retire(incident_id)
        return changes

    # -- updates -------------------------------------------------------------------

    def add(self, features: AlertFeatures) -> list[IncidentChange]:
        """Take one alert (or a newer revision of one); return the incident versions to emit."""
        return self.add_many([features])

    def add_many(self, batch: Iterable[AlertFeatures]) -> list[IncidentChange]:
        """Take several alerts; return one version per incident they changed.

        Linking is done alert by alert, but incidents are rebuilt once, after the
        last: a burst of alerts into one incident yields one version of it, not one
        per alert, and the incident is assembled once. The final incidents are those
        of adding the alerts one at a time (linking does not read incidents).
        """
        affected: set[str] = set()
        for features in batch:
            affected |= self._link(features)
        return self._refresh(affected) if affected else []

    def _link(self, features: AlertFeatures) -> set[str]:
        """Index and link one alert; return the alerts whose incidents may have changed."""
        node = features.key
        previous = self.alerts.get(node)
        if previous is not None and previous.revision >= features.revision:
            return set()
        affected = {node}
        if previous is not None:
            # Keys of the older revision keep counting it as a holder: counts never fall.
            affected |= self._unlink(node)
        self.alerts[node] = features
        self._keys[node] = features.blocking_keys()
        self._links.setdefault(node, {})
        for key in sorted(self._keys[node]):
            if key in self.common:
                continue
            holders = self._postings.setdefault(key, set())
            if node in holders:
                continue
            holders.add(node)
            self._posted.setdefault(node, set()).add(key)
            if len(holders) > self.max_fanout:
                affected |= self._make_common(key)
            elif len(holders) > self.full_weight_upto and tf_step(
                len(holders), self.full_weight_upto
            ):
                affected |= self._rescore(key, holders, common=False)
        for other in sorted(self._candidates(node)):
            if self._relink(node, other):
                affected.add(other)
        return affected

    def _candidates(self, node: str) -> set[str]:
        found: set[str] = set()
        for key in self._keys[node]:
            found |= self._postings.get(key, set())
        found.discard(node)
        return found

    def _make_common(self, key: str) -> set[str]:
        """Retire ``key`` from the index and re-score every link that used it."""
        self.common.add(key)
        holders = self._postings.pop(key)
        # Their incidents change even where no link does: a common value is no longer
        # listed among the shared indicators.
        return self._rescore(key, holders, common=True) | holders

    def _rescore(self, key: str, holders: set[str], *, common: bool) -> set[str]:
        """Re-score the links of ``holders`` that rely on ``key``; return the nodes whose changed.

        A key's weight falls as it gains holders (``link.keys``); once common it no
        longer anchors a link either (``link.anchors``).
        """
        touched: set[str] = set()
        for node in sorted(holders):
            for other, link in sorted(self._links.get(node, {}).items()):
                uses = key in link.keys or (common and key in link.anchors)
                if uses and self._relink(node, other):
                    touched |= {node, other}
        return touched

    def _relink(self, a: str, b: str) -> bool:
        """Score the pair again; return whether its link changed."""
        before = self._links[a].get(b)
        link = score_pair(self.alerts[a], self.alerts[b], self.penalty)
        if link.weight >= self.threshold:
            self._links[a][b] = link
            self._links[b][a] = link
            return before != link
        self._links[a].pop(b, None)
        self._links[b].pop(a, None)
        return before is not None

    def _unlink(self, node: str) -> set[str]:
        neighbours = set(self._links.get(node, {}))
        for other in neighbours:
            self._links[other].pop(node, None)
        self._links[node] = {}
        return neighbours

    def _component(self, start: str) -> set[str]:
        seen = {start}
        frontier = [start]
        while frontier:
            node = frontier.pop()
            for other in self._links[node]:
                if other not in seen:
                    seen.add(other)
                    frontier.append(other)
        return seen

    def _refresh(self, affected: set[str]) -> list[IncidentChange]:
        """Re-cluster the affected components and emit the incidents that changed.

        An incident whose members are the same as when it was last assembled and
        none of them affected is not assembled again: its content depends only on
        the members, the links between them and which of their values are common,
        and any change to those marks a member affected (``_link``).
        """
        components: list[set[str]] = []
        covered: set[str] = set()
        for node in sorted(affected):
            if node not in covered:
                component = self._component(node)
                covered |= component
                links = {
                    (a, b): link for a in component for b, link in self._links[a].items() if a < b
                }
                components.extend(clusters(component, links, self.threshold))
        before = {self._incident_of[n] for n in covered if n in self._incident_of}
        changes: list[IncidentChange] = []
        now: dict[str, str] = {}
        for component in components:
            built = self._assembled(component, affected)
            if built is None:
                continue
            incident, digest = built
            for member in component:
                now[member] = incident["incident_id"]
            changes += self._emit(incident, digest)
        for node in covered:
            if node in now:
                self._incident_of[node] = now[node]
            else:
                self._incident_of.pop(node, None)
        current = set(now.values())
        for gone in sorted(before - current):
            self._built.pop(gone, None)
            changes += self._retire(gone)
        return changes

    def _assembled(
        self, component: set[str], affected: set[str]
    ) -> tuple[dict[str, Any], str] | None:
        """The incident content of a group and its digest; ``None`` for a single agency."""
        if len(component) < 2:
            return None
        members = frozenset(component)
        built = self._built.get(incident_id_of(members))
        if built is not None and built[0] == members and members.isdisjoint(affected):
            return built[1], built[2]
        alerts = [self.alerts[n] for n in component]
        if len({a.agency for a in alerts}) < 2:
            return None
        links = {
            (a, b): link
            for a in sorted(component)
            for b, link in self._links[a].items()
            if a < b and b in component
        }
        incident = build_incident(alerts, links, self.common)
        digest = content_digest(incident)
        self._built[incident["incident_id"]] = (members, incident, digest)
        return incident, digest

    def _retire(self, incident_id: str) -> list[IncidentChange]:
        """An incident no longer exists as such: merged into another, or withdrawn."""
        _, _, last = self._emitted[incident_id]
        if last["status"] != ACTIVE:
            return []
        anchor = min(f"{m['agency']}:{m['alert_id']}" for m in last["members"])
        successor = self._incident_of.get(anchor)
        if successor is not None and successor != incident_id:
            retired = {
                **last,
                "status": MERGED,
                "merged_into": successor,
                "explanation": f"Merged into {successor}: new links joined it to that incident.",
            }
        else:
            retired = {
                **last,
                "status": WITHDRAWN,
                "merged_into": None,
                "explanation": "Withdrawn: the links that joined these alerts no longer hold "
                "(an identifier they shared turned out to be common).",
            }
        return self._emit(retired)

    def _emit(self, incident: dict[str, Any], digest: str | None = None) -> list[IncidentChange]:
        """The next version of ``incident`` unless its content is that of the last one."""
        incident_id = incident["incident_id"]
        if digest is None:
            digest = content_digest(incident)
        version = 0
        if incident_id in self._emitted:
            version, last_digest, _ = self._emitted[incident_id]
            if last_digest == digest:
                return []
        published = {**incident, "version": version + 1}
        self._emitted[incident_id] = (version + 1, digest, published)
        return [IncidentChange(published, digest)]

    # -- retention -----------------------------------------------------------------

    def evict_before(self, horizon_ms: int) -> int:
        """Forget alerts observed entirely before ``horizon_ms`` (no incident is re-emitted)."""
        old = [k for k, a in self.alerts.items() if a.observed_to_ms < horizon_ms]
        for node in old:
            self._unlink(node)
            del self._links[node]
            del self._keys[node]
            for key in self._posted.pop(node, set()):
                holders = self._postings.get(key)
                if holders is not None:
                    holders.discard(node)
                    if not holders:
                        del self._postings[key]
            del self.alerts[node]
            gone = self._incident_of.pop(node, None)
            if gone is not None:
                self._built.pop(gone, None)
        return len(old)
