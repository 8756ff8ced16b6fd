"""Hand-made alert features for correlation tests."""

from __future__ import annotations

from streams.features import AlertFeatures, Place
from streams.gazetteer import resolve

DAY_MS = 24 * 3600 * 1000
BASE_MS = 1_793_577_600_000  # 2026-11-02T00:00Z, a Monday

PLACES = {
    "Ayvalik": (39.3190, 26.6946, "TR", "DEPARTURE_POINT"),
    "Lesvos": (39.1100, 26.5550, "GR", "DESTINATION"),
    "Taftan": (28.9667, 61.5667, "PK", "BORDER_CROSSING"),
    "Zahedan": (29.4963, 60.8629, "IR", "TRANSIT"),
    "Van": (38.5012, 43.3729, "TR", "DESTINATION"),
    "Izmir": (38.4237, 27.1428, "TR", "DEPARTURE_POINT"),
    "Smyrna": (38.4380, 27.1500, "TR", "DEPARTURE_POINT"),
    "Mytilini": (39.1045, 26.5550, "GR", "DESTINATION"),
    "Bengasi": (32.1167, 20.0667, "LY", "TRANSIT"),
    "Benghazi": (32.1000, 20.0800, "LY", "TRANSIT"),
}


def features(
    agency: str,
    alert_id: str,
    *,
    ids: tuple[tuple[str, ...], ...] = (),
    aliases: tuple[str, ...] = (),
    places: tuple[str, ...] = (),
    day: int = 0,
    days: int = 3,
    mode: str = "BOAT",
    revision: int = 1,
    tlp: str = "AMBER",
    recipients: tuple[str, ...] = (),
    handling: str = "H1",
    jitter: float = 0.0,
) -> AlertFeatures:
    """An alert observed from ``day`` for ``days`` days after BASE_MS."""
    return AlertFeatures(
        key=f"{agency}:{alert_id}",
        agency=agency,
        alert_id=alert_id,
        revision=revision,
        observed_from_ms=BASE_MS + day * DAY_MS,
        observed_to_ms=BASE_MS + (day + days) * DAY_MS,
        transport_mode=mode,
        places=tuple(
            Place(
                lat=PLACES[p][0] + jitter,
                lon=PLACES[p][1] - jitter,
                name=p,
                name_key=getattr(resolve(p), "place_id", ""),
                country=PLACES[p][2],
                role=PLACES[p][3],
            )
            for p in places
        ),
        identifiers=tuple(sorted((i[0], i[1], i[2] if len(i) > 2 else "") for i in ids)),
        aliases=aliases,
        tlp=tlp,
        tlp_recipients=recipients,
        handling_code=handling,
    )
