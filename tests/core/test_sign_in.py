"""Sign-in: wrong passwords lock an account and an address (django-axes), the chief unlocks; staff who may
see whole numbers pass a second factor (TOTP) where it is required."""

from __future__ import annotations

import pytest
from django.test import Client
from django_otp.oath import totp

from tests.conftest import DEMO_PASSWORD

LOGIN = "/login/"


def _try(client: Client, username: str, password: str):
    return client.post(LOGIN, {"username": username, "password": password})


def test_wrong_passwords_lock_the_account_even_with_the_right_one_after(world, settings):
    settings.AXES_FAILURE_LIMIT = 5
    client = Client()
    for _ in range(5):
        assert _try(client, world.officer.username, "wrong-password").status_code in (200, 429)
    locked = _try(client, world.officer.username, DEMO_PASSWORD)
    assert locked.status_code == 429
    assert "暂停" in locked.content.decode()  # the lockout page, in Chinese
    assert "_auth_user_id" not in client.session


def test_one_address_trying_many_accounts_is_locked_too(world, settings):
    settings.AXES_FAILURE_LIMIT = 3
    client = Client(REMOTE_ADDR="10.9.8.7")
    for user in (world.officer, world.registry, world.auxiliary):
        _try(client, user.username, "wrong-password")
    assert _try(client, world.chief.username, DEMO_PASSWORD).status_code == 429
    assert _try(Client(REMOTE_ADDR="10.9.8.8"), world.chief.username, DEMO_PASSWORD).status_code == 302


def test_the_station_chief_unlocks_and_it_is_audited(world, settings, client_for):
    from lianxin.core.models import AuditEntry

    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        _try(Client(), world.officer.username, "wrong-password")
    chief = client_for(world.chief)
    assert world.officer.username in chief.get("/audit/lockouts/").content.decode()
    assert client_for(world.officer2).get("/audit/lockouts/").status_code == 403
    chief.post("/audit/lockouts/unlock/", {"username": world.officer.username})
    assert AuditEntry.objects.filter(action="unlock", target_id=str(world.officer.pk), actor=world.chief).exists()
    assert _try(Client(), world.officer.username, DEMO_PASSWORD).status_code == 302


def test_the_chief_cannot_unlock_another_stations_account(world, client_for):
    response = client_for(world.chief).post("/audit/lockouts/unlock/", {"username": world.b.officer.username})
    assert response.status_code == 403


@pytest.fixture
def otp_required(settings):
    settings.LIANXIN_REQUIRE_OTP = True


def test_staff_who_may_reveal_set_up_and_pass_a_second_factor(world, otp_required, settings):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # a wrong code otherwise pauses the device for a second

    client = Client()
    assert _try(client, world.officer.username, DEMO_PASSWORD).status_code == 302
    first = client.get("/cases/")
    assert first.status_code == 302 and first["Location"].startswith("/otp/")
    setup = client.get(first["Location"])
    assert "<svg" in setup.content.decode()
    device = TOTPDevice.objects.get(user=world.officer)
    assert not device.confirmed
    wrong = client.post("/otp/", {"otp_token": "000000", "next": "/cases/"})
    assert wrong.status_code == 422 and "0" not in str(client.session.get("otp_device_id", ""))
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    passed = client.post("/otp/", {"otp_token": code, "next": "/cases/"})
    assert passed.status_code == 302 and passed["Location"] == "/cases/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/cases/").status_code == 200


def test_roles_without_whole_numbers_need_no_second_factor(world, otp_required):
    client = Client()
    _try(client, world.volunteer.username, DEMO_PASSWORD)
    assert client.get("/cases/").status_code == 200


def test_the_next_address_of_the_second_factor_stays_on_this_site(world, otp_required):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    _try(client, world.officer.username, DEMO_PASSWORD)
    client.get("/otp/")
    device = TOTPDevice.objects.get(user=world.officer)
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    response = client.post("/otp/", {"otp_token": code, "next": "https://evil.example/"})
    assert response["Location"] == "/"
