"""An AMLSim output uploaded as a .zip (web and bank API): checked without extracting, extracted in the task into
a private temporary folder, indexed as the engine reads an AMLSim folder, the folder removed; bad zips are
refused naming the `file` field, nothing written."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from lianxin.antifraud.models import BankLedger, LedgerStatus, TraceStatus
from lianxin.antifraud.services import ledger_upload
from lianxin.core.services import api_token_create
from lianxin.engines.fundtrace import Ledger
from tests.antifraud.ledger_files import FARMER, FIRST, SPLIT, VICTIM
from tests.antifraud.test_bank import NOW, STARTED, _send, bank_world  # noqa: F401
from tests.shared_data import SHARED_DATA

AMLSIM_SAMPLE = SHARED_DATA / "aml" / "amlsim_fanin200"
SECONDS_PER_STEP = 86_400  # the engine's AMLSim step: one day


def amlsim_files(*, noise: int = 30) -> dict[str, bytes]:
    """A tiny AMLSim output: the victim's 49,000 on the day of the loss (step = days since the epoch), on to the
    card farmer and another account, beside unrelated accounts; nodes.csv with balances and labels."""
    step = int(STARTED.timestamp()) // SECONDS_PER_STEP
    transactions = ["sourceNodeId,targetNodeId,value,time"]
    transactions += [f"{VICTIM},{FIRST},49000.00,{step}", f"{FIRST},{FARMER},30000.00,{step}"]
    transactions += [f"{FIRST},{SPLIT},18500.00,{step}"]
    transactions += [f"N{i:03d},N{i + 1:03d},{100 + i}.25,{step - 1 - i % 3}" for i in range(noise)]
    accounts = [VICTIM, FIRST, FARMER, SPLIT, *(f"N{i:03d}" for i in range(noise + 1))]
    nodes = ["nodeid,isFraud,init_balance,fraudStep"]
    nodes += [f"{a},{int(a in (FIRST, FARMER))},{60000 if a == VICTIM else 500}.00,-1" for a in accounts]
    return {
        "transactions.csv": ("\n".join(transactions) + "\n").encode(),
        "nodes.csv": ("\n".join(nodes) + "\n").encode(),
        "metadata.txt": b"nodes: tiny\n",
    }


def zip_bytes(files: dict[str, bytes], folder: str = "") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(f"{folder}{name}", data)
    return out.getvalue()


def ledger_folder_files(tmp_path: Path) -> list[Path]:
    return [p for p in (tmp_path / "ledgers").rglob("*")] if (tmp_path / "ledgers").exists() else []


def test_a_zipped_amlsim_output_is_uploaded_on_the_web_indexed_and_traced(
    bank_world,  # noqa: F811
    client_for,
    tmp_path,
    django_capture_on_commit_callbacks,
):
    w = bank_world
    request = _send(w)
    files = amlsim_files()
    upload = SimpleUploadedFile("AMLSim输出.zip", zip_bytes(files, folder="amlsim_out/"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(w.bank_liaison).post(
            f"/fraud/bank/requests/{request.pk}/", {"action": "ledger", "file": upload}
        )
    ledger = BankLedger.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/fraud/ledgers/{ledger.pk}/"
    assert (ledger.status, ledger.file_format, ledger.file_name) == (LedgerStatus.READY, "amlsim", "AMLSim输出.zip")
    # Indexed as the engine reads the same AMLSim folder itself.
    plain = tmp_path / "plain"
    plain.mkdir()
    for name, data in files.items():
        (plain / name).write_bytes(data)
    engine = Ledger.open(plain, utc_offset_minutes=480)
    assert (ledger.rows_read, ledger.accounts) == (engine.n_transfers, engine.n_accounts) == (33, 35)
    assert ledger.problems["total"] == 0
    trace = ledger.traces.get()
    assert trace.status == TraceStatus.DONE, trace.error
    assert {FIRST, FARMER, SPLIT} <= {row["account"] for row in trace.result["accounts"]}
    # The extraction folder is gone; the zip as the bank sent it and the index stay.
    folder = Path(ledger.path)
    assert sorted(p.name for p in folder.iterdir()) == ["amlsim.zip", "index"]
    page = client_for(w.officer).get(f"/fraud/ledgers/{ledger.pk}/").content.decode()
    assert 'id="rows-read"' in page and ">33<" in page


def test_a_banks_system_uploads_a_zipped_amlsim_output_through_the_api(bank_world, django_capture_on_commit_callbacks):  # noqa: F811
    w = bank_world
    request = _send(w)
    _token, key = api_token_create(user=w.bank_liaison, name="bank system")
    upload = SimpleUploadedFile("amlsim.zip", zip_bytes(amlsim_files()))
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(
            f"/api/v1/bank/requests/{request.pk}/ledger", {"file": upload}, headers={"Authorization": f"Bearer {key}"}
        )
    assert response.status_code == 202, response.content
    ledger = BankLedger.objects.get(pk=response.json()["id"])
    assert (ledger.status, ledger.rows_read) == (LedgerStatus.READY, 33)
    assert ledger.traces.get().status == TraceStatus.DONE


def _bomb() -> bytes:
    """A 20 MB transactions.csv of one repeated row, deflated to a few tens of kB."""
    body = b"sourceNodeId,targetNodeId,value,time\n" + b"1,2,3.00,1\n" * 2_000_000
    return zip_bytes({"transactions.csv": body, "nodes.csv": b"nodeid,isFraud,init_balance,fraudStep\n"})


def _escaping() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in amlsim_files().items():
            archive.writestr(name, data)
        archive.writestr("../../outside.txt", b"x")
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"PK\x03\x04 not really a zip", "not a zip"),
        (zip_bytes({"transactions.csv": amlsim_files()["transactions.csv"]}), "no nodes.csv"),
        (zip_bytes({"readme.txt": b"hello"}), "no transactions.csv"),
        (zip_bytes({**amlsim_files(), "transactions.csv": b"from,to,amount,time\n1,2,3,4\n"}), "sourceNodeId"),
        (_escaping(), "outside its folder"),
        (_bomb(), "uncompressed"),
        (zip_bytes({**amlsim_files(), **{f"extra{i}.txt": b"" for i in range(10)}}), "members"),
        (
            zip_bytes(amlsim_files(), folder="a/"),
            None,  # control: the same files in one folder are accepted
        ),
    ],
)
def test_a_bad_zip_is_refused_naming_the_file_field_and_nothing_is_written(
    bank_world,  # noqa: F811
    settings,
    tmp_path,
    data,
    words,
):
    w = bank_world
    settings.ANTIFRAUD_LEDGER_ZIP_MAX_BYTES = 10 * 1024 * 1024
    settings.ANTIFRAUD_LEDGER_ZIP_MAX_MEMBERS = 8
    request = _send(w)
    upload = SimpleUploadedFile("ledger.zip", data)
    if words is None:
        ledger_upload(loss=w.loss, actor=w.bank_liaison, request=request, upload=upload, now=NOW)
        assert BankLedger.objects.count() == 1
        return
    with pytest.raises(ValidationError) as exc, translation.override("en"):
        ledger_upload(loss=w.loss, actor=w.bank_liaison, request=request, upload=upload, now=NOW)
    assert list(exc.value.message_dict) == ["file"]
    assert any(words in m for m in exc.value.message_dict["file"]), exc.value.message_dict
    assert BankLedger.objects.count() == 0 and not [p for p in ledger_folder_files(tmp_path) if p.is_file()]
    assert not (tmp_path / "outside.txt").exists()


def test_a_bad_zip_through_the_api_is_a_422_on_file(bank_world):  # noqa: F811
    w = bank_world
    request = _send(w)
    _token, key = api_token_create(user=w.bank_liaison, name="bank system")
    upload = SimpleUploadedFile("amlsim.zip", zip_bytes({"transactions.csv": amlsim_files()["transactions.csv"]}))
    response = Client().post(
        f"/api/v1/bank/requests/{request.pk}/ledger", {"file": upload}, headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == 422, response.content
    assert [e["field"] for e in response.json()["detail"]] == ["file"]
    assert "nodes.csv" in response.json()["detail"][0]["message"]  # in the default language: 该 zip 中没有 nodes.csv
    assert BankLedger.objects.count() == 0


def test_the_published_amlsim_sample_uploads_as_a_zip(bank_world, django_capture_on_commit_callbacks):  # noqa: F811
    if not (AMLSIM_SAMPLE / "transactions.csv").exists():
        pytest.skip(f"the shared AMLSim sample is not at {AMLSIM_SAMPLE}")
    w = bank_world
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(AMLSIM_SAMPLE.iterdir()):
            archive.write(path, f"amlsim_fanin200/{path.name}")
    upload = SimpleUploadedFile("20K_fanin200.zip", out.getvalue())
    with django_capture_on_commit_callbacks(execute=True):
        ledger = ledger_upload(loss=w.loss, actor=w.officer, bank=w.bank, upload=upload, now=NOW)
    ledger.refresh_from_db()
    assert (ledger.status, ledger.rows_read, ledger.problems["total"]) == (LedgerStatus.READY, 118_250, 0), ledger.error
    assert sorted(p.name for p in Path(ledger.path).iterdir()) == ["amlsim.zip", "index"]
