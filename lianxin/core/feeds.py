"""Private calendar links (feed tokens): issue, verify in constant time, revoke; the calendar response.

Any app may own a kind of feed ("mediation.room", "legal.duty"): it lists the feeds a user may
have, calls feed_token_issue / feed_token_revoke from its page, and serves its URL with
feed_token_verify followed by its own check that the user may still see that feed (a mediator
taken off a room loses the room's feed although the link was never revoked). Core knows no
kinds. Patrols' RosterFeed predates this and can move onto it later.

The URL token is `<lookup>.<secret>`: lookup is a random, indexed, non-secret handle; only the
HMAC-SHA256 of the secret (keyed by SECRET_KEY) is stored, and it is compared in constant time.
Rotating SECRET_KEY therefore ends every calendar link (each person makes a new one).
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import re
import secrets
from dataclasses import dataclass

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from lianxin.core.models import FeedToken, User
from lianxin.core.services import audit_record, last_used_stamp

logger = logging.getLogger("lianxin.core")

FEED_LOOKUP_BYTES = 9  # 12 URL-safe characters
FEED_SECRET_BYTES = 24  # 32 URL-safe characters, 192 bits
FEED_TOKEN_MAX_CHARS = 80
FEED_HMAC_SALT = "lianxin.core.feeds.FeedToken"
# last_used_at is written at most this often: a calendar polls, and each write takes SQLite's write lock.
FEED_STAMP_SECONDS = 300
# Calendar applications poll; they may keep an answer this long (seconds).
FEED_CACHE_SECONDS = 900
KIND_PATTERN = re.compile(r"^[a-z]+\.[a-z_]+$")


def feed_secret_digest(secret: str) -> str:
    """Return the HMAC-SHA256 (hex) under which a link's secret is kept."""
    return salted_hmac(FEED_HMAC_SALT, secret, algorithm="sha256").hexdigest()


def _check_kind(kind: str, target_id: str) -> None:
    if not KIND_PATTERN.match(kind) or len(kind) > 40 or len(target_id) > 40:
        raise ValueError(f"not a feed kind: {kind!r} / {target_id!r}")


def feed_token_issue(
    *, user: User, kind: str, target_id: str = "", now: dt.datetime | None = None
) -> tuple[FeedToken, str]:
    """Make a new link for user's feed (kind, target_id), revoking the one before; return it and its URL token.

    The token is returned only here: it cannot be read back later (only its HMAC is kept).
    Raises ValueError for a malformed kind; whether user may have the feed is the caller's check.
    """
    target_id = str(target_id)
    _check_kind(kind, target_id)
    now = now or timezone.now()
    secret = secrets.token_urlsafe(FEED_SECRET_BYTES)
    for _attempt in range(3):
        try:
            with transaction.atomic():
                revoked = FeedToken.objects.filter(
                    user=user, kind=kind, target_id=target_id, revoked_at__isnull=True
                ).update(revoked_at=now)
                feed = FeedToken.objects.create(
                    user=user,
                    kind=kind,
                    target_id=target_id,
                    lookup=secrets.token_urlsafe(FEED_LOOKUP_BYTES),
                    secret_digest=feed_secret_digest(secret),
                    created_at=now,
                )
                audit_record(
                    actor=user,
                    action="feed_link_reset" if revoked else "feed_link_issue",
                    target=feed,
                    detail=f"{kind}:{target_id}",
                    now=now,
                )
        except IntegrityError:
            # A lookup collision (about 2^-72) or a second click racing this one: try again.
            continue
        return feed, f"{feed.lookup}.{secret}"
    raise IntegrityError("could not issue a feed token")


def feed_token_revoke(*, user: User, kind: str, target_id: str = "", now: dt.datetime | None = None) -> int:
    """Stop user's link for (kind, target_id); return how many were active (0 or 1)."""
    now = now or timezone.now()
    with transaction.atomic():
        active = list(FeedToken.objects.filter(user=user, kind=kind, target_id=str(target_id), revoked_at__isnull=True))
        FeedToken.objects.filter(pk__in=[f.pk for f in active]).update(revoked_at=now)
        for feed in active:
            audit_record(actor=user, action="feed_link_revoke", target=feed, detail=f"{kind}:{target_id}", now=now)
    return len(active)


def feed_token_verify(*, token: str, kind: str, now: dt.datetime | None = None) -> FeedToken | None:
    """Return the active link of this kind behind token, with its user, or None.

    None for: a malformed token, an unknown lookup, a wrong secret (compared in constant time),
    a revoked link, another kind of feed, an inactive user. Stamps last_used_at at most every
    FEED_STAMP_SECONDS, skipping the stamp rather than failing when the database is busy.
    """
    lookup, dot, secret = (token or "").partition(".")
    if not dot or not lookup or not secret or len(token) > FEED_TOKEN_MAX_CHARS:
        return None
    feed = FeedToken.objects.select_related("user").filter(lookup=lookup, kind=kind, revoked_at__isnull=True).first()
    if feed is None or not hmac.compare_digest(feed.secret_digest, feed_secret_digest(secret)):
        return None
    if not feed.user.is_active:
        return None
    last_used_stamp(
        feed, now=now or timezone.now(), every_seconds=FEED_STAMP_SECONDS, label=f"feed token {feed.lookup}"
    )
    return feed


def feed_token_get_or_404(*, token: str, kind: str, now: dt.datetime | None = None) -> FeedToken:
    """Return feed_token_verify's link, or raise Http404 (a calendar gets the same answer for every failure)."""
    feed = feed_token_verify(token=token, kind=kind, now=now)
    if feed is None:
        raise Http404("no such calendar link")
    return feed


def feed_tokens_active_for(*, user: User, kinds: tuple[str, ...]) -> dict[tuple[str, str], FeedToken]:
    """Return user's active links of these kinds by (kind, target_id)."""
    return {
        (f.kind, f.target_id): f
        for f in FeedToken.objects.filter(user=user, kind__in=kinds, revoked_at__isnull=True).order_by("created_at")
    }


@dataclass
class FeedRow:
    """One feed a user may subscribe to, as the feed-links page (core/_feed_links.html) shows it."""

    kind: str
    target_id: str
    title: str
    detail: str = ""
    token: FeedToken | None = None
    # The whole subscription URL, only in the answer that just made it (it cannot be shown again).
    url: str = ""

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.target_id or 'mine'}".replace(".", "-")

    @property
    def webcal(self) -> str:
        # webcal:// makes a phone open its calendar app and subscribe (the same URL, another scheme).
        return "webcal://" + self.url.split("://", 1)[-1] if self.url else ""


def feed_links_post(request, rows: list[FeedRow], *, url_name_for, back: str) -> HttpResponse | None:
    """Handle a feed-links page's POST for one of rows: stop a link, or make (or reset) one.

    Returns the redirect to `back` after a link is stopped; after a link is made returns None,
    with the new token and its whole URL (`url_name_for(kind)` names the feed's URL) on its row,
    for the page to show once. A row the user may not have is a 404.
    """
    wanted = (request.POST.get("kind"), request.POST.get("target", ""))
    row = next((r for r in rows if (r.kind, r.target_id) == wanted), None)
    if row is None:
        raise Http404("no such calendar")
    if request.POST.get("op") == "revoke":
        feed_token_revoke(user=request.user, kind=row.kind, target_id=row.target_id)
        messages.success(request, _("Link stopped: a calendar that used it gets nothing more."))
        return redirect(back)
    row.token, token = feed_token_issue(user=request.user, kind=row.kind, target_id=row.target_id)
    row.url = request.build_absolute_uri(reverse(url_name_for(row.kind), args=[token]))
    return None


def calendar_response(body: bytes, *, filename: str) -> HttpResponse:
    """Return an iCalendar body as a subscribable answer: text/calendar, private, never indexed or referred."""
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = f"private, max-age={FEED_CACHE_SECONDS}"
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response
