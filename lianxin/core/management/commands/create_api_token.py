"""Create an API token for a user and print its key once (only a digest is stored)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from lianxin.core.models import User
from lianxin.core.services import api_token_create


class Command(BaseCommand):
    help = "Create an API token for USERNAME named NAME and print its key (shown only this once)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("name", help="What the token is for, e.g. the integrating system.")

    def handle(self, *args, username: str, name: str, **options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user named {username!r}.")
        try:
            token, key = api_token_create(user=user, name=name)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stderr.write(f"Token {token.name!r} for {user.username} created; store the key now, it is not kept:")
        self.stdout.write(key)
