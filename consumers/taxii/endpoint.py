"""The TAXII 2.1 read-only API over the store: one request in, one response out (no sockets).

Endpoints (TAXII 2.1 sections 4-5), all behind HTTP Basic authentication:

* ``GET /taxii2/``: discovery; ``GET /corridor/``: the API root;
* ``GET /corridor/collections/`` and ``.../collections/{id}/``: the caller's collection
  only (another agency's collection answers 404, exactly like one that does not exist);
* ``GET .../objects/`` (``added_after``, ``limit``/``next``, ``match[id]``,
  ``match[type]``, ``match[version]``), ``.../objects/{object-id}/``,
  ``.../objects/{object-id}/versions/`` and ``.../manifest/``.

Answers: 401 with ``WWW-Authenticate`` for a missing or wrong credential, 404 for an
unknown path or another agency's collection, 403 for a write (the collections are
read-only: the inbox is the only source), 405 for other methods, 406 when the
client accepts no TAXII 2.1 media type, 400 for a malformed filter.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qs, urlsplit

from consumers.stix.ids import collection_id
from consumers.taxii.credentials import Credentials
from consumers.taxii.metrics import TaxiiMetrics
from consumers.taxii.store import Query, StoredObject, TaxiiStore
from consumers.taxii.timestamps import format_added, parse_timestamp

logger = logging.getLogger(__name__)

TAXII_MEDIA_TYPE = "application/taxii+json;version=2.1"
STIX_MEDIA_TYPE = "application/stix+json;version=2.1"
API_ROOT = "corridor"
REALM = "corridor-taxii"


@dataclass(frozen=True)
class TaxiiSettings:
    """What the server serves."""

    agencies: frozenset[str]
    """The agencies that have a collection (each reads only its own)."""
    title: str = "Corridor task force"
    """Discovery title."""
    page_size: int = 100
    """Objects per page when the client gives no ``limit``."""
    max_page_size: int = 1000
    """The largest ``limit`` honoured."""


@dataclass(frozen=True)
class TaxiiRequest:
    """One HTTP request."""

    method: str
    """Request method."""
    target: str
    """Path and query as on the request line."""
    headers: Sequence[tuple[str, str]]
    """Header pairs as received."""


@dataclass(frozen=True)
class TaxiiResponse:
    """The answer to one request."""

    status: int
    """HTTP status."""
    body: dict[str, Any]
    """JSON body."""
    headers: dict[str, str] = field(default_factory=dict)
    """Extra headers (Content-Type is always the TAXII 2.1 media type)."""


class TaxiiError(Exception):
    """A request answered with a TAXII error message."""

    def __init__(self, status: int, title: str, description: str = "") -> None:
        super().__init__(title)
        self.response = TaxiiResponse(
            status,
            {"title": title, "http_status": str(status), "description": description or title},
        )


class TaxiiEndpoint:
    """Answers TAXII 2.1 requests for the agencies of ``settings`` from ``store``."""

    def __init__(
        self,
        settings: TaxiiSettings,
        credentials: Credentials,
        store: TaxiiStore,
        metrics: TaxiiMetrics,
    ) -> None:
        self._settings = settings
        self._credentials = credentials
        self._store = store
        self._metrics = metrics
        self._collections = {collection_id(a): a for a in settings.agencies}

    def __call__(self, request: TaxiiRequest) -> TaxiiResponse:
        """Answer one request (see the module documentation)."""
        try:
            response = self._answer(request)
        except TaxiiError as exc:
            response = exc.response
            if response.status == 401:
                response = replace(response, headers={"WWW-Authenticate": f'Basic realm="{REALM}"'})
        self._metrics.requests.labels(str(response.status)).inc()
        return response

    def _answer(self, request: TaxiiRequest) -> TaxiiResponse:
        headers = {name.lower(): value for name, value in request.headers}
        agency = self._authenticate(headers.get("authorization"))
        _check_accept(headers.get("accept"))
        split = urlsplit(request.target)
        parts = [p for p in split.path.split("/") if p]
        params = parse_qs(split.query, keep_blank_values=True)
        if request.method != "GET":
            if request.method in ("POST", "DELETE") and parts[:2] == [API_ROOT, "collections"]:
                raise TaxiiError(403, "Read-only", "collections are read-only")
            raise TaxiiError(405, "Method not allowed")
        if parts == ["taxii2"]:
            return TaxiiResponse(200, self._discovery(headers.get("host")))
        if not parts or parts[0] != API_ROOT:
            raise TaxiiError(404, "Not found")
        rest = parts[1:]
        if not rest:
            return TaxiiResponse(200, _api_root(self._settings))
        if rest == ["collections"]:
            mine = [self._collection(cid) for cid, a in self._collections.items() if a == agency]
            return TaxiiResponse(200, {"collections": mine} if mine else {})
        if rest[0] != "collections" or len(rest) < 2:
            raise TaxiiError(404, "Not found")
        cid = rest[1]
        if self._collections.get(cid) != agency:
            # Another agency's collection is indistinguishable from none.
            raise TaxiiError(404, "Collection not found", f"no collection {cid} for this user")
        return self._collection_resource(agency, cid, rest[2:], params)

    def _collection_resource(
        self, agency: str, cid: str, rest: list[str], params: dict[str, list[str]]
    ) -> TaxiiResponse:
        if not rest:
            return TaxiiResponse(200, self._collection(cid))
        if rest == ["objects"]:
            return self._objects(_query(agency, params, self._settings), manifest=False)
        if rest == ["manifest"]:
            return self._objects(_query(agency, params, self._settings), manifest=True)
        if len(rest) == 2 and rest[0] == "objects":
            query = replace(_query(agency, params, self._settings), ids=[rest[1]])
            response = self._objects(query, manifest=False)
            if "objects" not in response.body:
                raise TaxiiError(404, "Object not found", f"no object {rest[1]}")
            return response
        if len(rest) == 3 and rest[0] == "objects" and rest[2] == "versions":
            return self._versions(agency, rest[1], params)
        raise TaxiiError(404, "Not found")

    def _authenticate(self, authorization: str | None) -> str:
        if authorization is None:
            raise TaxiiError(401, "Unauthorized", "HTTP Basic credentials required")
        scheme, _, encoded = authorization.partition(" ")
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            decoded = ""
        user, sep, password = decoded.partition(":")
        agency = None
        if scheme.lower() == "basic" and sep:
            agency = self._credentials.authenticate(user, password)
        if agency is None:
            logger.warning("refused TAXII credentials for user %r", user)
            raise TaxiiError(401, "Unauthorized", "wrong user name or password")
        return agency

    def _discovery(self, host: str | None) -> dict[str, Any]:
        root = f"https://{host}/{API_ROOT}/" if host else f"/{API_ROOT}/"
        return {
            "title": self._settings.title,
            "description": "Each member's Corridor deliveries (alerts and incidents) as STIX 2.1.",
            "default": root,
            "api_roots": [root],
        }

    def _collection(self, cid: str) -> dict[str, Any]:
        agency = self._collections[cid]
        return {
            "id": cid,
            "title": f"Corridor deliveries to {agency}",
            "description": f"What the task force's sharing policy delivered to {agency}'s inbox.",
            "can_read": True,
            "can_write": False,
            "media_types": [STIX_MEDIA_TYPE],
        }

    def _objects(self, query: Query, *, manifest: bool) -> TaxiiResponse:
        limit = query.limit or self._settings.page_size
        rows = self._store.query(replace(query, limit=limit + 1))
        page, more = rows[:limit], len(rows) > limit
        body: dict[str, Any] = {"more": more}
        if more:
            body["next"] = str(page[-1].seq)
        if page:
            body["objects"] = [_manifest_entry(r) if manifest else r.object for r in page]
        headers = {}
        if page:
            added = sorted(r.date_added for r in page)
            headers = {"X-TAXII-Date-Added-First": added[0], "X-TAXII-Date-Added-Last": added[-1]}
        return TaxiiResponse(200, body, headers)

    def _versions(self, agency: str, object_id: str, params: dict[str, list[str]]) -> TaxiiResponse:
        query = replace(_query(agency, params, self._settings), ids=[object_id], versions=["all"])
        rows = self._store.query(query)
        if not rows:
            raise TaxiiError(404, "Object not found", f"no object {object_id}")
        return TaxiiResponse(200, {"more": False, "versions": sorted(_version(r) for r in rows)})


def _version(row: StoredObject) -> str:
    return row.version or row.date_added


def _manifest_entry(row: StoredObject) -> dict[str, Any]:
    return {
        "id": row.id,
        "date_added": row.date_added,
        "version": _version(row),
        "media_type": STIX_MEDIA_TYPE,
    }


def _api_root(settings: TaxiiSettings) -> dict[str, Any]:
    return {
        "title": f"{settings.title}: deliveries",
        "description": "One read-only collection per member; each user sees only its own.",
        "versions": [TAXII_MEDIA_TYPE],
        "max_content_length": 0,
    }


def _check_accept(accept: str | None) -> None:
    """406 unless ``accept`` admits the TAXII 2.1 media type (no header admits anything)."""
    if accept is None or not accept.strip():
        return
    for media_range in accept.split(","):
        kind, *params = (p.strip().lower() for p in media_range.split(";"))
        values = dict(p.partition("=")[::2] for p in params)
        if kind in ("*/*", "application/*"):
            return
        if kind == "application/taxii+json" and values.get("version", "2.1") == "2.1":
            return
    raise TaxiiError(406, "Not acceptable", f"this server answers {TAXII_MEDIA_TYPE}")


def _listed(params: dict[str, list[str]], name: str) -> list[str]:
    return [v.strip() for value in params.get(name, []) for v in value.split(",") if v.strip()]


def _query(agency: str, params: dict[str, list[str]], settings: TaxiiSettings) -> Query:
    """The store query of a request's filters; 400 for a malformed one."""
    added_after = None
    if "added_after" in params:
        try:
            added_after = format_added(parse_timestamp(params["added_after"][-1]))
        except ValueError as exc:
            raise TaxiiError(400, "Bad added_after", str(exc)) from exc
    limit = None
    if "limit" in params:
        text = params["limit"][-1]
        if not text.isdigit() or int(text) < 1:
            raise TaxiiError(400, "Bad limit", f"limit must be a positive integer, not {text!r}")
        limit = min(int(text), settings.max_page_size)
    after = 0
    if "next" in params:
        text = params["next"][-1]
        if not text.isdigit():
            raise TaxiiError(400, "Bad next", f"{text!r} is not a next value of this server")
        after = int(text)
    versions = _listed(params, "match[version]") or ["last"]
    for version in versions:
        if version not in ("last", "first", "all"):
            try:
                parse_timestamp(version)
            except ValueError as exc:
                raise TaxiiError(400, "Bad match[version]", str(exc)) from exc
    return Query(
        collection=agency,
        added_after=added_after,
        ids=_listed(params, "match[id]"),
        types=_listed(params, "match[type]"),
        versions=versions,
        after_seq=after,
        limit=limit,
    )
