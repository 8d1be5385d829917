"""Personal data: validation, masking, encryption at rest, digest search, audited reveal."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from hypothesis import given
from hypothesis import strategies as st

from lianxin.core import pii
from lianxin.core.models import AuditEntry
from lianxin.core.services import personal_data_display, personal_data_reveal
from lianxin.people.models import Resident

digits = st.text(alphabet="0123456789", min_size=17, max_size=17)


@given(
    first17=st.from_regex(r"[1-9][0-9]{5}(19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8])[0-9]{3}", fullmatch=True)
)
def test_an_id_with_its_computed_check_char_validates(first17):
    number = first17 + pii.id_card_check_char(first17)
    assert pii.validate(pii.KIND_ID_CARD, number) == number


@given(
    first17=st.from_regex(r"[1-9][0-9]{5}(19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8])[0-9]{3}", fullmatch=True),
    wrong=st.sampled_from("0123456789X"),
)
def test_an_id_with_any_other_check_char_is_rejected(first17, wrong):
    if wrong == pii.id_card_check_char(first17):
        return
    with pytest.raises(ValidationError) as exc:
        pii.validate(pii.KIND_ID_CARD, first17 + wrong)
    assert exc.value.code == "invalid_id_card_checksum"


@given(st.text(max_size=30))
def test_validators_never_crash_on_any_text(text):
    for kind in pii.KINDS:
        try:
            value = pii.validate(kind, text)
        except ValidationError:
            continue
        assert pii.validate(kind, value) == value  # normalised values are fixed points


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_mobile_numbers_validate_with_spaces_prefix_and_fullwidth(number):
    spaced = f"+86 {number[:3]} {number[3:7]}-{number[7:]}"
    fullwidth = number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert pii.validate(pii.KIND_PHONE, spaced) == number
    assert pii.validate(pii.KIND_PHONE, fullwidth) == number
    assert pii.mask(pii.KIND_PHONE, number) == number[:3] + "****" + number[-4:]


@pytest.mark.parametrize("bad", ["12345678901", "1381234567", "138123456789", "abc", "23812345678"])
def test_bad_mobile_numbers_are_rejected(bad):
    with pytest.raises(ValidationError):
        pii.validate(pii.KIND_PHONE, bad)


def test_masks_match_the_documented_forms():
    assert pii.mask(pii.KIND_PHONE, "13812345678") == "138****5678"
    assert pii.mask(pii.KIND_ID_CARD, "210102199001011234") == "2101**********1234"


def test_values_are_encrypted_at_rest_and_found_by_digest(world):
    resident = world.resident
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone, id_number FROM people_resident WHERE id = %s", [resident.pk])
        raw_phone, raw_id = cursor.fetchone()
    assert "13812345678" not in raw_phone and raw_phone.startswith("v2:k1:")
    assert "11010519491231002X" not in raw_id
    found = Resident.objects.get(station=world.station, phone_digest=pii.digest(pii.KIND_PHONE, "138-1234-5678"))
    assert found.pk == resident.pk
    assert found.phone.reveal() == "13812345678"
    assert str(found.phone) == "138****5678" and "13812345678" not in repr(found.phone)


def test_saving_an_invalid_number_is_refused_before_writing(world):
    resident = Resident(station=world.station, name="李四", phone="12345")
    with pytest.raises(ValidationError), transaction.atomic():
        resident.save()
    assert not Resident.objects.filter(name="李四").exists()


def test_tampered_ciphertext_is_detected():
    token = pii.encrypt("13812345678")
    broken = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(pii.UndecryptableError):  # a ValueError
        pii.decrypt(broken)
    assert pii.decrypt(token) == "13812345678"


def test_whole_view_is_audited_and_limited_by_role(world):
    assert (
        personal_data_reveal(actor=world.registry, target=world.resident, field="id_number", reason="call_back")
        == "11010519491231002X"
    )
    entry = AuditEntry.objects.get(action="pii_reveal")
    assert (entry.actor, entry.field, entry.target_id) == (world.registry, "id_number", str(world.resident.pk))
    with pytest.raises(PermissionDenied):
        personal_data_reveal(actor=world.volunteer, target=world.resident, field="id_number", reason="call_back")
    with pytest.raises(PermissionDenied):
        personal_data_reveal(actor=world.auxiliary, target=world.resident, field="id_number", reason="call_back")
    assert AuditEntry.objects.count() == 1


def test_volunteer_never_sees_an_id_number_even_masked(world):
    assert personal_data_display(viewer=world.volunteer, value=world.resident.id_number) == ""
    assert personal_data_display(viewer=world.grid_member, value=world.resident.id_number) == "1101**********002X"
    assert personal_data_display(viewer=world.resident_user, value=world.resident.phone) == ""


# --- key ids, rotation, a lost key ------------------------------------------------------------------------------


def _raw_phone(resident_pk: int) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM people_resident WHERE id = %s", [resident_pk])
        return cursor.fetchone()[0]


def test_a_new_key_first_keeps_old_rows_readable_and_rotate_moves_them(world, settings):
    from django.core.management import call_command

    from lianxin.people.models import Resident
    from lianxin.people.selectors import resident_list_for

    old = settings.LIANXIN_PII_KEYS
    assert _raw_phone(world.resident.pk).startswith("v2:k1:")
    settings.LIANXIN_PII_KEYS = (("k2", "a-new-key-of-this-station"), *old)
    resident = Resident.objects.get(pk=world.resident.pk)
    assert resident.phone.reveal() == "13812345678"
    # Found by phone although its digest is still under the old key.
    assert world.resident in list(resident_list_for(user=world.officer, q="13812345678"))
    out = __import__("io").StringIO()
    call_command("pii", "rotate", "--batch", "2", stdout=out)
    assert "people.Resident=" in out.getvalue()
    assert _raw_phone(world.resident.pk).startswith("v2:k2:")
    call_command("pii", "rotate", stdout=out)  # again: nothing left to do, nothing broken
    settings.LIANXIN_PII_KEYS = (("k2", "a-new-key-of-this-station"),)  # the old key retired
    assert Resident.objects.get(pk=world.resident.pk).phone.reveal() == "13812345678"
    assert world.resident in list(resident_list_for(user=world.officer, q="13812345678"))


def test_a_lost_key_shows_unavailable_and_never_500s(world, settings, client_for, caplog):
    from lianxin.people.models import Resident

    before = _raw_phone(world.resident.pk)
    settings.LIANXIN_PII_KEYS = (("k9", "some-other-key"),)
    resident = Resident.objects.get(pk=world.resident.pk)
    assert isinstance(resident.phone, pii.UnavailablePersonalData)
    assert str(resident.phone) == str(pii.UNAVAILABLE_TEXT)
    assert "cannot be decrypted" in caplog.text
    resident.name = "王秀兰改"
    resident.save()  # a full save keeps the ciphertext it could not read
    assert _raw_phone(world.resident.pk) == before
    assert client_for(world.officer).get("/cases/").status_code == 200
    page = client_for(world.chief).get(f"/api/v1/people/{world.resident.pk}")
    assert page.status_code == 200 and page.json()["phone"] == str(pii.UNAVAILABLE_TEXT)


def test_a_legacy_v1_ciphertext_is_still_read():
    import base64
    import os as _os

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    enc_key, _digest_key = pii._keys(pii.configured_keys()[0][1])
    nonce = _os.urandom(pii.AES_NONCE_BYTES)
    token = "v1:" + base64.b64encode(nonce + AESGCM(enc_key).encrypt(nonce, b"13812345678", None)).decode()
    assert pii.decrypt(token) == "13812345678"
    with pytest.raises(pii.UndecryptableError):
        pii.decrypt("v2:k1:not-base64!!")
