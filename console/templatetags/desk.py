"""The dispatcher desk's sortable column headers (formatting only)."""

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag(takes_context=True)
def sort_header(context, column: str, label: str, css: str = ""):
    """A ``<th>`` whose link cycles the queue's sort on ``column`` (ascending,
    descending, queue order) through the queue partial, with its arrow."""
    current = context["queue"].sort
    target = context["sort_links"][column]
    base = context["sort_qs"]
    query = "&".join(p for p in (base, f"sort={target}" if target else "") if p)
    mark, state = "", "none"
    if current == column:
        mark, state = " ▲", "ascending"
    elif current == f"-{column}":
        mark, state = " ▼", "descending"
    return format_html(
        '<th class="{}" aria-sort="{}"><a class="sort" href="?{}" hx-get="{}?{}" '
        'hx-target="#queue" hx-swap="outerHTML" title="{}">{}{}</a></th>',
        css,
        state,
        query,
        reverse("console-dispatch-queue"),
        query,
        _("点击排序"),
        label,
        mark,
    )
