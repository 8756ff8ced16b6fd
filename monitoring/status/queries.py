"""The PromQL behind each figure of ``corridor status``, for a window such as ``5m``."""

from __future__ import annotations

from monitoring.status.figures import STAGES


def parse_window(text: str) -> float:
    """Seconds in a Prometheus duration such as ``30s``, ``5m``, ``1h``; ValueError otherwise."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    if len(text) < 2 or text[-1] not in units or not text[:-1].isdigit() or int(text[:-1]) == 0:
        raise ValueError(f"not a duration like 30s, 5m or 1h: {text!r}")
    return int(text[:-1]) * units[text[-1]]


QUARANTINED = "corridor_stream_quarantined_total"


def queries(window: str) -> dict[str, str]:
    """The PromQL behind each figure, named."""
    window_s = parse_window(window)
    per_stage = {
        f"stage:{stage.name}": f"sum({_new_events(f'{stage.counter}_total', window)})"
        for stage in STAGES
    }
    return {
        "up": "up",
        **per_stage,
        "agency:sent": (
            f"sum by (agency) ({_new_events('corridor_stream_received_total', window)}) "
            f"/ {window_s:g}"
        ),
        "agency:quarantined": f"sum by (agency) ({_new_events(QUARANTINED, window)})",
        "agency:delivered": (
            f"sum by (agency) ({_new_events('corridor_deliveries_total', window)}) / {window_s:g}"
        ),
        "agency:unacknowledged": "max by (agency) (corridor_deliveries_unacknowledged)",
        "agency:oldest": "max by (agency) (corridor_oldest_unacknowledged_delivery_seconds)",
        "quarantine": f"sum by (stage, reason) ({_new_events(QUARANTINED, window)})",
        "lag": "max by (group, topic, partition) (corridor_consumer_lag)",
        "keys": (
            "min by (agency, key_id) "
            '(corridor_registry_key_valid_until_seconds{status="active"}) - time()'
        ),
        "registry:version": "max(corridor_registry_version)",
        "registry:expiry": "min(corridor_registry_expiry_seconds)",
        "latency:p50": _quantile(0.5, window),
        "latency:p95": _quantile(0.95, window),
    }


def _new_events(counter: str, window: str) -> str:
    """Events counted in the window, including a labelled series' first appearance.

    A labelled counter only exists once first incremented, and increase() cannot see that
    first step, so a series that appeared within the window counts with its whole value.
    (Until Prometheus itself has a window of history, every series looks new: the counts
    then cover everything since each process started.)
    """
    # The new series first: with ``or``, the left side wins for a series on both sides, and
    # a series born in the window that grew again would otherwise lose its first event.
    return f"({counter} unless {counter} offset {window}) or increase({counter}[{window}])"


def _quantile(q: float, window: str) -> str:
    return (
        f"histogram_quantile({q}, sum by (le) "
        f"(rate(corridor_publish_to_inbox_seconds_bucket[{window}])))"
    )
