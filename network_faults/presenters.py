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
    span_lat = max(max(lats) - min(lats), 0.005)
    span_lng = max(max(lngs) - min(lngs), 0.005)

    def xy(lat, lng):
        x = PAD + (lng - min(lngs)) / span_lng * (WIDTH - 2 * PAD)
        y = HEIGHT - PAD - (lat - min(lats)) / span_lat * (HEIGHT - 2 * PAD)
        return round(x, 1), round(y, 1)

    return {
        "width": WIDTH,
        "height": HEIGHT,
        "areas": [{"label": c, "xy": xy(lat, lng)} for c, lat, lng in areas],
        "orders": [{"label": n, "xy": xy(lat, lng)} for n, lat, lng in orders],
    }
