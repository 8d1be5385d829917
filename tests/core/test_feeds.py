"""Core feed tokens: issue, verify, reset and revoke, for any app's kind of calendar feed."""

from __future__ import annotations

import datetime as dt

import pytest

from lianxin.core import feeds
from lianxin.core.models import FeedToken

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 15, 2, 0, tzinfo=dt.UTC)


def test_only_the_digest_is_stored_and_the_token_verifies(world):
    feed, token = feeds.feed_token_issue(user=world.mediator, kind="mediation.room", target_id=7, now=NOW)
    lookup, _, secret = token.partition(".")
    assert feed.lookup == lookup and len(secret) >= 32
    stored = FeedToken.objects.get(pk=feed.pk)
    assert secret not in {stored.secret_digest, stored.lookup} and stored.secret_digest != feeds.feed_secret_digest(
        lookup
    )
    assert stored.target_id == "7"
    found = feeds.feed_token_verify(token=token, kind="mediation.room", now=NOW)
    assert found == feed and found.user == world.mediator
    assert FeedToken.objects.get(pk=feed.pk).last_used_at == NOW


def test_another_kind_a_wrong_secret_or_a_reset_does_not_verify(world):
    feed, token = feeds.feed_token_issue(user=world.mediator, kind="mediation.room", target_id="7", now=NOW)
    assert feeds.feed_token_verify(token=token, kind="legal.duty") is None
    assert feeds.feed_token_verify(token=token[:-2] + "zz", kind="mediation.room") is None
    assert feeds.feed_token_verify(token="", kind="mediation.room") is None
    _new, new_token = feeds.feed_token_issue(user=world.mediator, kind="mediation.room", target_id="7", now=NOW)
    assert feeds.feed_token_verify(token=token, kind="mediation.room") is None
    assert feeds.feed_token_verify(token=new_token, kind="mediation.room") is not None
    assert FeedToken.objects.get(pk=feed.pk).revoked_at == NOW
    # One active link per (user, kind, target); another target keeps its own.
    feeds.feed_token_issue(user=world.mediator, kind="mediation.room", target_id="8", now=NOW)
    assert FeedToken.objects.filter(user=world.mediator, revoked_at__isnull=True).count() == 2
    assert feeds.feed_token_revoke(user=world.mediator, kind="mediation.room", target_id="7") == 1
    assert feeds.feed_token_verify(token=new_token, kind="mediation.room") is None


def test_an_inactive_user_verifies_nothing(world):
    _feed, token = feeds.feed_token_issue(user=world.mediator, kind="mediation.mine", now=NOW)
    world.mediator.is_active = False
    world.mediator.save(update_fields=["is_active"])
    assert feeds.feed_token_verify(token=token, kind="mediation.mine") is None


def test_last_used_is_stamped_at_most_every_few_minutes(world):
    feed, token = feeds.feed_token_issue(user=world.mediator, kind="mediation.mine", now=NOW)
    feeds.feed_token_verify(token=token, kind="mediation.mine", now=NOW)
    feeds.feed_token_verify(token=token, kind="mediation.mine", now=NOW + dt.timedelta(seconds=60))
    assert FeedToken.objects.get(pk=feed.pk).last_used_at == NOW
    later = NOW + dt.timedelta(seconds=feeds.FEED_STAMP_SECONDS + 1)
    feeds.feed_token_verify(token=token, kind="mediation.mine", now=later)
    assert FeedToken.objects.get(pk=feed.pk).last_used_at == later


def test_a_malformed_kind_is_refused(world):
    with pytest.raises(ValueError):
        feeds.feed_token_issue(user=world.mediator, kind="no kind", now=NOW)
