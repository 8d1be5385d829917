"""Fixtures of the demo tests."""

import pytest


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Hash test passwords cheaply: the personas and demo users would otherwise cost seconds each run."""
    # The default hasher stays second: the module-scoped demo seed hashes before this fixture runs.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
