"""Shapes for the fault page: a small self-contained map (no tiles, no network)."""

from __future__ import annotations

WIDTH, HEIGHT, PAD = 360, 220, 16


def fault_map(fault, linked) -> dict | None:
    """Package areas of the scope and the linked repairs as SVG points."""
    areas = [
        (a.code, a.lat, a.lng)
        for a in fault.package_areas.all()
        if a.lat is not None and a.lng is not None
    ]
    orders = [
        (o.number, o.lat, o.lng)
        for o in linked
        if o.lat is not None and o.lng is not None
    ]
    points = areas + orders
    if not points:
        return None
    lats = [p[1] for p in points]
    lngs = [p[2] for p in points]
    # at least ~500 m across, centred: one package area sits in the middle
    span_lat = max(max(lats) - min(lats), 0.005)
    span_lng = max(max(lngs) - min(lngs), 0.005)
    low_lat = (max(lats) + min(lats) - span_lat) / 2
    low_lng = (max(lngs) + min(lngs) - span_lng) / 2

    def xy(lat, lng):
        x = PAD + (lng - low_lng) / span_lng * (WIDTH - 2 * PAD)
        y = HEIGHT - PAD - (lat - low_lat) / span_lat * (HEIGHT - 2 * PAD)
        return round(x, 1), round(y, 1)

    return {
        "width": WIDTH,
        "height": HEIGHT,
        "areas": [{"label": c, "xy": xy(lat, lng)} for c, lat, lng in areas],
        "orders": [{"label": n, "xy": xy(lat, lng)} for n, lat, lng in orders],
    }


def fault_timeline(events) -> list[dict]:
    """Timeline lines with the status shown in words."""
    from .models import FaultStatus

    labels = dict(FaultStatus.choices)
    return [
        {
            "at": e.at,
            "actor": e.actor_name,
            "reason": e.reason,
            "status": labels.get(e.to_status, ""),
        }
        for e in events
    ]
