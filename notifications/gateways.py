"""Delivery gateways. The default records and logs; real SMS/CRM plug in here.

A gateway is a class with ``send(notification) -> str`` returning a delivery
reference, raising ``DeliveryError`` (or any exception) to ask for a retry.
Choose it with the ``NOTIFICATION_GATEWAY`` setting (dotted path).
"""

from __future__ import annotations

import json
import logging
import urllib.request

from django.conf import settings
from django.utils.module_loading import import_string

from .rules import sign

log = logging.getLogger("notifications")


class DeliveryError(Exception):
    pass


class LoggingGateway:
    """Default: the outbox row is the record; the console log shows it."""

    def send(self, notification) -> str:
        log.info(
            "deliver %s to %s [%s]: %s",
            notification.channel,
            notification.recipient,
            notification.topic,
            notification.body,
        )
        return f"logged-{notification.pk}"


class HttpCrmCallbackGateway(LoggingGateway):
    """CRM status callbacks go out as signed HTTP POSTs; the rest is logged."""

    def send(self, notification) -> str:
        if notification.channel != "crm_callback":
            return super().send(notification)
        body = json.dumps(
            notification.payload, ensure_ascii=False, sort_keys=True
        ).encode()
        request = urllib.request.Request(
            notification.recipient,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "X-Dispatch-Signature": sign(settings.CRM_CALLBACK_SECRET, body),
                "Idempotency-Key": notification.dedupe_key,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return f"http-{response.status}"
        except OSError as exc:
            raise DeliveryError(str(exc)) from exc


def get_gateway():
    return import_string(settings.NOTIFICATION_GATEWAY)()
