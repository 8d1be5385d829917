"""One interface for sending an alarm's notice: in the page (live push), a text message, or the log.

A user with an account hears it on their open page (core.live); a family contact or
neighbour gets a text with their answer link when an SMS gateway is configured
(settings.LIANXIN_CARE_SMS_SENDER: dotted path of a class with `send(phone, text)`), and
otherwise the notice is written to the log so nothing is lost silently.
"""

from __future__ import annotations

import logging
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from lianxin.care.models import Notification, NotifyChannel
from lianxin.core.live import live_publish

logger = logging.getLogger("lianxin.care")


class Sender(Protocol):
    @property
    def channel(self) -> str: ...

    def send(self, *, notification: Notification, text: str, url: str) -> None: ...


class WebSender:
    """The notified user's open pages receive the notice at once (Server-Sent Events)."""

    channel = NotifyChannel.WEB

    def send(self, *, notification: Notification, text: str, url: str) -> None:
        live_publish(
            topic=f"user:{notification.user_id}",
            kind="care_alarm",
            data={"alarm": notification.alarm_id, "event": "notified", "text": text, "url": url},
        )


class LogSender:
    """No gateway: the notice goes to the log, with the number masked."""

    channel = NotifyChannel.LOG

    def send(self, *, notification: Notification, text: str, url: str) -> None:
        phone = notification.contact.phone.masked if notification.contact and notification.contact.phone else "-"
        logger.info("care notice to %s (%s): %s %s", notification.name, phone, text, url)


class SmsSender:
    """A text message through the configured gateway class (none is configured by default)."""

    channel = NotifyChannel.SMS

    def __init__(self, gateway) -> None:
        self.gateway = gateway

    def send(self, *, notification: Notification, text: str, url: str) -> None:
        assert notification.contact is not None
        self.gateway.send(notification.contact.phone.reveal(), f"{text} {url}")


def sms_gateway():
    path = getattr(settings, "LIANXIN_CARE_SMS_SENDER", "") or ""
    return import_string(path)() if path else None


def sender_for(*, has_user: bool) -> Sender:
    """Return the sender for a notice: web for a user, SMS for a contact where a gateway is set, else the log."""
    if has_user:
        return WebSender()
    gateway = sms_gateway()
    return SmsSender(gateway) if gateway is not None else LogSender()
