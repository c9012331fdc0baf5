"""Every htmx trigger in every template names its own ``hx-target`` and
``hx-swap`` (STYLE.md): a button that inherits its panel's ``outerHTML`` swap
replaces the wrong element (issue 14: the 无人可派 panel's 派单 button)."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from django.conf import settings

TRIGGERS = {"hx-get", "hx-post", "hx-put", "hx-patch", "hx-delete"}


class _Triggers(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[tuple[int, str, dict]] = []

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if TRIGGERS & names.keys():
            self.found.append((self.getpos()[0], tag, names))


def _templates() -> list[Path]:
    roots = [Path(settings.BASE_DIR) / "templates"]
    roots += sorted(Path(settings.BASE_DIR).glob("*/templates"))
    return sorted(p for root in roots for p in root.rglob("*.html"))


def _triggers(path: Path):
    parser = _Triggers()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.found


def test_the_scan_finds_the_desk_triggers():
    # the audit below must not pass by finding nothing
    side = Path(settings.BASE_DIR) / "console/templates/console/partials/side.html"
    assert len(_triggers(side)) >= 4


def test_every_htmx_trigger_names_its_own_target_and_swap():
    missing = [
        f"{path.relative_to(settings.BASE_DIR)}:{line} <{tag}> lacks {attr}"
        for path in _templates()
        for line, tag, attrs in _triggers(path)
        for attr in ("hx-target", "hx-swap")
        if attr not in attrs
    ]
    assert missing == []


def test_the_site_frame_turns_htmx_inheritance_off():
    base = (Path(settings.BASE_DIR) / "templates/base.html").read_text()
    assert '"disableInheritance": true' in base
