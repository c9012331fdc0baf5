"""The admin's order page (issue 14): Chinese field names, states by name,
the timeline's facts in words, local times, and a readable change history."""

from __future__ import annotations

import re
from html import unescape

import pytest
import time_machine
from django.contrib.auth.models import User

from tests.console.test_desks import FRIDAY_10, dispatch_to, new_order
from tests.test_no_english import english_words

pytestmark = pytest.mark.django_db


def _text(html: str) -> str:
    body = html.split('id="content"', 1)[1].split(">", 1)[1]
    body = re.sub(r"<script.*?</script>", " ", body, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", body)))


@pytest.fixture
def order_and_admin(org, client):
    with time_machine.travel(FRIDAY_10, tick=False):
        order = dispatch_to(new_order(), "T1")  # dispatched 10:00 local, 02:00 UTC
    client.force_login(User.objects.create_superuser("root", "r@example.com", "pw"))
    return order, client


def test_the_admin_order_page_reads_in_chinese(order_and_admin):
    order, client = order_and_admin
    html = client.get(f"/admin/workorders/workorder/{order.pk}/change/").content
    text = _text(html.decode())
    # field names, states and the timeline in words
    assert "请求键" in text and "请求内容摘要" in text
    assert "待派 已派" in text  # from → to in the timeline, not pending/dispatched
    assert "派给 张工" in text and "包区工程师" in text
    assert "&quot;" not in html.decode().split("工单时间线", 1)[1]  # no raw JSON
    # local times only (10:00 in Asia/Shanghai is 02:00 UTC)
    assert "10:00" in text and "02:00" not in text
    hash_free = re.sub(r"\b[0-9a-f]{64}\b", " ", text)
    # the SMS bodies in the timeline carry the customer's link (SPEC §14): data
    link_free = re.sub(r"https?://\S+", " ", hash_free)
    assert "/c/" in hash_free and english_words(link_free) == []


def test_the_admin_change_history_reads_in_chinese(order_and_admin):
    order, client = order_and_admin
    html = client.get(f"/admin/workorders/workorder/{order.pk}/history/").content
    text = _text(html.decode())
    assert "状态: 待派 → 已派" in text
    assert "派单时间: — → 2026年11月20日 10:00" in text
    assert "+00:00" not in text and "None" not in text and "pk=" not in text
    assert english_words(text) == []
