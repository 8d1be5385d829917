"""Bank ledgers (调单 results) and traces: upload (CSV, XLSX, Parquet or a zipped AMLSim output), indexing and
tracing in background tasks, and stop requests straight from a trace.

A ledger is checked for its columns in the request (a missing column is named at once); the
engine reads its rows in a task and reports bad rows by kind and line (the spreadsheet's row
number for XLSX, the file's line for CSV; the header is line 1), keeping the good ones. The
file and its index live under DATA_DIR, never in the web root.

An AMLSim output is a folder (transactions.csv and nodes.csv), so it comes as a .zip. The zip is
checked in the request without extracting anything: at most ANTIFRAUD_LEDGER_ZIP_MAX_MEMBERS
members, at most ANTIFRAUD_LEDGER_ZIP_MAX_BYTES uncompressed in all (a zip bomb is refused before
it is opened), no member path that would leave the folder, no encrypted member, and the two files
with AMLSim's columns. The task extracts only those two members, by their sizes and under fixed
names, into a private temporary folder (0700) beside the upload, indexes it and removes it.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import shutil
import tempfile
import uuid
import zipfile
import zoneinfo
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_tasks import task

from lianxin.antifraud import adapters
from lianxin.antifraud.models import (
    BankLedger,
    BankRequest,
    FraudLoss,
    FundTrace,
    LedgerStatus,
    LossStatus,
    LossTransfer,
    Refund,
    RequestKind,
    RequestStatus,
    RequestStepKind,
    TraceStatus,
)
from lianxin.antifraud.roles import BANK_ANSWER_ROLES, BANK_DESK_ROLES
from lianxin.antifraud.services.bank import _note, _step, bank_request_send, refund_record, yuan
from lianxin.antifraud.services.common import now_or
from lianxin.core.models import Partner, PartnerKind, User
from lianxin.core.roles import has_role

LEDGER_DIR = "ledgers"
LEDGER_CSV = "ledger.csv"
LEDGER_PARQUET = "ledger.parquet"
LEDGER_MAX_BYTES = 1024 * 1024 * 1024  # 1 GiB: about ten million transfers as CSV
XLSX_MAX_ROWS = 1_048_576  # Excel's own limit
LEDGER_AMLSIM_ZIP = "amlsim.zip"
DEFAULT_LEDGER_ZIP_MAX_BYTES = 2 * 1024 * 1024 * 1024  # 2 GiB uncompressed: AMLSim's 1M-account outputs fit
DEFAULT_LEDGER_ZIP_MAX_MEMBERS = 64  # an AMLSim output folder holds about ten files
# The files of an AMLSim output the engine reads (engines.fundtrace.ingest), with the columns it needs.
AMLSIM_FILES = {
    "transactions.csv": ("sourceNodeId", "targetNodeId", "value", "time"),
    "nodes.csv": ("nodeid", "isFraud", "init_balance"),
}
ZIP_HEADER_PEEK_BYTES = 4096
COPY_CHUNK_BYTES = 1 << 20
# Column names in Chinese bank exports → the engine's names.
HEADER_ALIASES = {
    "交易流水号": "txn_id",
    "流水号": "txn_id",
    "付款账号": "from_account",
    "转出账号": "from_account",
    "收款账号": "to_account",
    "转入账号": "to_account",
    "交易金额": "amount",
    "金额": "amount",
    "交易时间": "timestamp",
    "付款户名": "from_name",
    "收款户名": "to_name",
    "付款行": "from_bank",
    "收款行": "to_bank",
    "交易渠道": "channel",
}
COLUMN_WORDS = {
    "txn_id": "交易流水号",
    "from_account": "付款账号",
    "to_account": "收款账号",
    "timestamp": "交易时间",
    "amount": "交易金额",
}


def ledger_zip_max_bytes() -> int:
    """Bytes an uploaded AMLSim zip may hold uncompressed, all members together (ANTIFRAUD_LEDGER_ZIP_MAX_BYTES)."""
    return int(getattr(settings, "ANTIFRAUD_LEDGER_ZIP_MAX_BYTES", DEFAULT_LEDGER_ZIP_MAX_BYTES))


def ledger_zip_max_members() -> int:
    """Members (files and folders) an uploaded AMLSim zip may have (ANTIFRAUD_LEDGER_ZIP_MAX_MEMBERS)."""
    return int(getattr(settings, "ANTIFRAUD_LEDGER_ZIP_MAX_MEMBERS", DEFAULT_LEDGER_ZIP_MAX_MEMBERS))


def _ledger_root() -> Path:
    return Path(settings.DATA_DIR) / LEDGER_DIR


def utc_offset_minutes(now: dt.datetime) -> int:
    """The station's offset east of UTC at `now` (Asia/Shanghai: 480 all year)."""
    offset = now.astimezone(zoneinfo.ZoneInfo(settings.STATION_TIME_ZONE)).utcoffset() or dt.timedelta(0)
    return int(offset.total_seconds() // 60)


def _check_header(names: list[str]) -> list[str]:
    """Return the header in the engine's names; raise ValidationError on `file` naming each missing column."""
    mapped = [HEADER_ALIASES.get(n.strip().lstrip("\ufeff"), n.strip().lstrip("\ufeff")) for n in names]
    missing = [c for c in adapters.LEDGER_REQUIRED_COLUMNS if c not in mapped]
    if not any(c in mapped for c in adapters.LEDGER_AMOUNT_COLUMNS):
        missing.append("amount")
    if missing:
        raise ValidationError(
            {
                "file": [
                    _("The ledger has no column %(c)s (%(w)s).") % {"c": c, "w": COLUMN_WORDS.get(c, c)}
                    for c in missing
                ]
            }
        )
    duplicated = sorted({c for c in mapped if c and mapped.count(c) > 1})
    if duplicated:
        raise ValidationError({"file": [_("The column %(c)s appears twice.") % {"c": c} for c in duplicated]})
    return mapped


def _csv_copy(raw_path: Path, out_path: Path) -> None:
    """Copy a CSV ledger to UTF-8 with the engine's column names (GBK/GB18030 exports are converted)."""
    with raw_path.open("rb") as raw:
        head = raw.readline()
        encoding = "utf-8-sig"
        try:
            header_text = head.decode(encoding)
        except UnicodeDecodeError:
            encoding = "gb18030"
            try:
                header_text = head.decode(encoding)
            except UnicodeDecodeError:
                raise ValidationError({"file": [_("The file is neither UTF-8 nor GBK text.")]}) from None
        if not header_text.strip():
            raise ValidationError({"file": [_("The file is empty.")]})
        names = next(csv.reader([header_text]))
        mapped = _check_header(names)
        with out_path.open("wb") as out:
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\n").writerow(mapped)
            out.write(buffer.getvalue().encode("utf-8"))
            if encoding == "utf-8-sig":
                shutil.copyfileobj(raw, out, COPY_CHUNK_BYTES)
            else:
                reader = codecs.getreader(encoding)(raw, "strict")
                try:
                    while chunk := reader.read(COPY_CHUNK_BYTES):
                        out.write(chunk.encode("utf-8"))
                except UnicodeDecodeError as exc:
                    raise ValidationError(
                        {"file": [_("The file is not readable as GBK text: %(e)s") % {"e": exc}]}
                    ) from None


def _parquet_check(raw_path: Path) -> None:
    """Check a Parquet ledger's columns (engine names; typed columns are read as they are)."""
    import polars as pl

    try:
        names = list(pl.read_parquet_schema(raw_path))
    except Exception:  # noqa: BLE001 - polars raises several kinds for a file that is not Parquet
        raise ValidationError({"file": [_("This file is not a Parquet table.")]}) from None
    mapped = _check_header(names)
    if mapped != [n.strip() for n in names]:
        raise ValidationError({"file": [_("A Parquet ledger must use the column names txn_id, from_account, ….")]})


def _zip_member_is_unsafe(name: str) -> bool:
    """A member name that would land outside the extraction folder (absolute, a drive, `..`, a backslash path)."""
    if not name or name.startswith(("/", "\\")) or "\\" in name or "\x00" in name:
        return True
    parts = PurePosixPath(name).parts
    return ".." in parts or (bool(parts) and parts[0].endswith(":"))


def _amlsim_members(raw_path: Path) -> dict[str, zipfile.ZipInfo]:
    """Check an uploaded AMLSim zip without extracting it; return the members the engine reads, by file name.

    Raises ValidationError on `file` naming what is wrong: not a zip, too many members, too large
    uncompressed, a path leaving the folder, an encrypted member, a missing AMLSim file or column.
    The two files may sit at the top of the zip or in one folder (a zipped output directory).
    """
    try:
        archive = zipfile.ZipFile(raw_path)
    except (zipfile.BadZipFile, OSError):
        raise ValidationError({"file": [_("This file is not a zip archive.")]}) from None
    with archive:
        infos = archive.infolist()
        if len(infos) > ledger_zip_max_members():
            raise ValidationError(
                {
                    "file": [
                        _("The zip has %(n)d members; at most %(m)d are accepted.")
                        % {"n": len(infos), "m": ledger_zip_max_members()}
                    ]
                }
            )
        unsafe = [i.filename for i in infos if _zip_member_is_unsafe(i.filename)]
        if unsafe:
            raise ValidationError(
                {"file": [_("The zip has a path outside its folder: %(p)s") % {"p": unsafe[0][:100]}]}
            )
        total = sum(i.file_size for i in infos)
        if total > ledger_zip_max_bytes():
            raise ValidationError(
                {
                    "file": [
                        _("The zip holds %(n)s MB uncompressed; at most %(m)s MB are accepted.")
                        % {"n": f"{total / 1e6:,.0f}", "m": f"{ledger_zip_max_bytes() / 1e6:,.0f}"}
                    ]
                }
            )
        if any(i.flag_bits & 0x1 for i in infos):
            raise ValidationError({"file": [_("The zip is encrypted; send it without a password.")]})
        found: dict[str, list[zipfile.ZipInfo]] = {}
        for info in infos:
            path = PurePosixPath(info.filename)
            if not info.is_dir() and path.name in AMLSIM_FILES and len(path.parts) <= 2:
                found.setdefault(path.name, []).append(info)
        missing = [name for name in AMLSIM_FILES if name not in found]
        if missing:
            raise ValidationError(
                {
                    "file": [
                        _("The zip has no %(f)s: an AMLSim output holds transactions.csv and nodes.csv.") % {"f": name}
                        for name in missing
                    ]
                }
            )
        members = {}
        for name, copies in found.items():
            if len(copies) > 1:
                raise ValidationError(
                    {"file": [_("The zip has %(f)s more than once; zip one AMLSim output.") % {"f": name}]}
                )
            members[name] = copies[0]
        if len({PurePosixPath(m.filename).parent for m in members.values()}) > 1:
            raise ValidationError(
                {"file": [_("transactions.csv and nodes.csv must be in the same folder of the zip.")]}
            )
        for name, columns in AMLSIM_FILES.items():
            try:
                with archive.open(members[name]) as member:
                    head = member.readline(ZIP_HEADER_PEEK_BYTES).decode("utf-8-sig")
            except (zipfile.BadZipFile, UnicodeDecodeError, OSError, NotImplementedError):
                raise ValidationError({"file": [_("%(f)s in the zip cannot be read.") % {"f": name}]}) from None
            header = [c.strip() for c in next(csv.reader([head]), [])]
            absent = [c for c in columns if c not in header]
            if absent:
                raise ValidationError(
                    {
                        "file": [
                            _("%(f)s in the zip has no column %(c)s (AMLSim's columns are %(all)s).")
                            % {"f": name, "c": c, "all": ", ".join(columns)}
                            for c in absent
                        ]
                    }
                )
    return members


def _amlsim_extract(zip_path: Path, into: Path) -> None:
    """Extract the AMLSim files of a checked zip into `into`, under their own fixed names (never the member's path).

    Bytes are counted as they are written: more than the member's stated size, or than the zip
    limit in all, stops with LedgerUnreadable (a lying header is not trusted).
    """
    budget = ledger_zip_max_bytes()
    try:
        members = _amlsim_members(zip_path)
    except ValidationError as exc:
        raise adapters.LedgerUnreadable("; ".join(exc.messages)) from None
    try:
        with zipfile.ZipFile(zip_path) as archive:
            for name, info in members.items():
                written = 0
                with archive.open(info) as member, (into / name).open("wb") as out:
                    while chunk := member.read(COPY_CHUNK_BYTES):
                        written += len(chunk)
                        budget -= len(chunk)
                        if written > info.file_size or budget < 0:
                            raise adapters.LedgerUnreadable(f"{name}: larger than the zip says")
                        out.write(chunk)
    except (zipfile.BadZipFile, OSError) as exc:
        raise adapters.LedgerUnreadable(f"the zip cannot be extracted: {exc}") from None


def _cell_text(value, zone: zoneinfo.ZoneInfo) -> str:
    """A spreadsheet cell as the engine reads text: times as ISO 8601 (a cell's time without zone is the
    station's local time), numbers without float noise, empty as empty."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=zone)).isoformat()
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(), tzinfo=zone).isoformat()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return repr(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _xlsx_copy(raw_path: Path, out_path: Path) -> None:
    """Write the first sheet of an XLSX ledger as CSV, one line per spreadsheet row (row numbers stay)."""
    from openpyxl import load_workbook

    zone = zoneinfo.ZoneInfo(settings.STATION_TIME_ZONE)
    try:
        book = load_workbook(raw_path, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a file that is not a workbook
        raise ValidationError({"file": [_("This file is not an Excel workbook (.xlsx).")]}) from None
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if not header:
            raise ValidationError({"file": [_("The file is empty.")]})
        mapped = _check_header(["" if v is None else str(v) for v in header])
        width = len(mapped)
        with out_path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(mapped)
            for number, row in enumerate(rows, start=2):
                if number > XLSX_MAX_ROWS:
                    break
                cells = [_cell_text(v, zone) for v in row[:width]]
                writer.writerow(cells + [""] * (width - len(cells)))
    finally:
        book.close()


def _may_upload(actor: User, loss: FraudLoss, request: BankRequest | None, bank: Partner) -> bool:
    if has_role(actor, BANK_ANSWER_ROLES):
        return request is not None and actor.partner_id == request.bank_id == bank.pk
    return has_role(actor, BANK_DESK_ROLES) and actor.station_id == loss.station_id


def ledger_upload(
    *,
    loss: FraudLoss,
    actor: User,
    upload,
    request: BankRequest | None = None,
    bank: Partner | None = None,
    now: dt.datetime | None = None,
) -> BankLedger:
    """Store a bank's ledger extract (CSV, XLSX, Parquet or a zipped AMLSim output) for a loss and queue its
    indexing; nothing is kept on error.

    A bank's liaison uploads against a request to their bank; the desk may upload one a bank
    sent by other means (naming the bank). Columns (and a zip's members) are checked here; rows in the task.
    """
    now = now_or(now)
    bank = request.bank if request is not None else bank
    if request is not None and request.loss_id != loss.pk:
        raise ValidationError({"request": [_("That request belongs to another case.")]})
    if bank is None or bank.station_id != loss.station_id or bank.kind != PartnerKind.BANK:
        raise ValidationError({"bank": [_("Choose one of the station's partner banks.")]})
    if not _may_upload(actor, loss, request, bank):
        raise PermissionDenied(_("You may not upload a ledger for this case."))
    if upload is None:
        raise ValidationError({"file": [_("Choose the ledger file to upload.")]})
    name = Path(getattr(upload, "name", "") or "ledger").name[:200]
    suffix = Path(name).suffix.lower()
    if suffix not in (".csv", ".xlsx", ".parquet", ".zip"):
        raise ValidationError(
            {"file": [_("Upload the ledger as CSV, Excel (.xlsx), Parquet or an AMLSim output as .zip.")]}
        )
    size = int(getattr(upload, "size", 0) or 0)
    if size == 0:
        raise ValidationError({"file": [_("The file is empty.")]})
    if size > LEDGER_MAX_BYTES:
        raise ValidationError({"file": [_("The file is too large (at most 1 GB).")]})
    folder = _ledger_root() / str(loss.station_id) / uuid.uuid4().hex
    folder.mkdir(parents=True, exist_ok=True)
    try:
        raw_path = folder / f"upload{suffix}"
        with raw_path.open("wb") as out:
            for chunk in upload.chunks() if hasattr(upload, "chunks") else [upload.read()]:
                out.write(chunk)
        if suffix == ".parquet":
            _parquet_check(raw_path)
            raw_path.rename(folder / LEDGER_PARQUET)
        elif suffix == ".zip":
            _amlsim_members(raw_path)
            raw_path.rename(folder / LEDGER_AMLSIM_ZIP)
        else:
            csv_path = folder / LEDGER_CSV
            if suffix == ".xlsx":
                _xlsx_copy(raw_path, csv_path)
            else:
                _csv_copy(raw_path, csv_path)
            raw_path.unlink()
        with transaction.atomic():
            ledger = BankLedger.objects.create(
                station=loss.station,
                loss=loss,
                request=request,
                bank=bank,
                file_name=name,
                file_format="amlsim" if suffix == ".zip" else suffix.lstrip("."),
                path=str(folder),
                size_bytes=size,
                uploaded_by=actor,
                uploaded_at=now,
            )
            if request is not None:
                _step(request, RequestStepKind.LEDGER, now=now, actor=actor, ledger=ledger.pk, file=name)
            transaction.on_commit(lambda: _enqueue_index(ledger.pk))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return ledger


def _enqueue_index(pk: int) -> None:
    ledger_index.enqueue(pk)


def _enqueue_trace(pk: int) -> None:
    fund_trace.enqueue(pk)


def ledger_index_run(*, ledger_id: int, now: dt.datetime | None = None) -> BankLedger | None:
    """Index one queued ledger with the engine (the task's work), then queue a trace of the loss on it.

    Claimed with a conditional update (queued → indexing), so a repeated task does nothing. A
    ledger without the account its request named is refused as another bank's or account's.
    """
    now = now_or(now)
    if not BankLedger.objects.filter(pk=ledger_id, status=LedgerStatus.QUEUED).update(
        status=LedgerStatus.INDEXING, started_at=now
    ):
        return BankLedger.objects.filter(pk=ledger_id).first()
    ledger = BankLedger.objects.select_related("request", "loss").get(pk=ledger_id)
    folder = Path(ledger.path)
    offset = utc_offset_minutes(now)
    error = ""
    unpacked: Path | None = None
    try:
        if ledger.file_format == "amlsim":
            unpacked = Path(tempfile.mkdtemp(prefix="amlsim-", dir=folder))  # 0700: this process's only
            _amlsim_extract(folder / LEDGER_AMLSIM_ZIP, unpacked)
            source, fmt = str(unpacked), "amlsim"
        elif ledger.file_format == "parquet":
            source, fmt = str(folder / LEDGER_PARQUET), "parquet"
        else:
            source, fmt = str(folder / LEDGER_CSV), "csv"
        result = adapters.ledger_index(
            source=source, index_dir=str(folder / "index"), utc_offset_minutes=offset, fmt=fmt
        )
        ledger.rows_read, ledger.accounts = result.n_transfers, result.n_accounts
        ledger.problems, ledger.engine_version, ledger.seconds = result.problems, result.engine_version, result.seconds
        if ledger.request is not None:
            present = adapters.ledger_accounts_present(
                index_dir=str(folder / "index"), utc_offset_minutes=offset, accounts=[ledger.request.account]
            )
            if not present[ledger.request.account]:
                error = _(
                    "This ledger has no transfer of account %(a)s that the request named: is it the right bank's ledger?"
                ) % {"a": ledger.request.account}
    except adapters.LedgerUnreadable as exc:
        error = _("The ledger could not be read: %(e)s") % {"e": exc}
    finally:
        if unpacked is not None:
            shutil.rmtree(unpacked, ignore_errors=True)
    ledger.status = LedgerStatus.FAILED if error else LedgerStatus.READY
    ledger.error = error[:500]
    ledger.finished_at = now_or(None) if now is None else now
    ledger.save(
        update_fields=[
            "status",
            "error",
            "rows_read",
            "accounts",
            "problems",
            "engine_version",
            "seconds",
            "finished_at",
        ]
    )
    if error:
        shutil.rmtree(folder / "index", ignore_errors=True)
    else:
        fundtrace_start(ledger=ledger, actor=None, now=now)
    return ledger


def fundtrace_start(
    *,
    ledger: BankLedger,
    actor: User | None,
    other_losses: list[FraudLoss] | None = None,
    now: dt.datetime | None = None,
) -> FundTrace:
    """Queue a trace of the loss's transfers through a read ledger, with other victims of the same ring.

    `other_losses` are open losses of the ledger's station whose transfers are traced together
    with the ledger's own loss, so the engine's refund plan splits held money among all victims.
    """
    now = now_or(now)
    if actor is not None and not (has_role(actor, BANK_DESK_ROLES) and actor.station_id == ledger.station_id):
        raise PermissionDenied(_("Your role may not run a trace."))
    if ledger.status != LedgerStatus.READY:
        raise ValidationError({"ledger": [_("The ledger is not read yet.")]})
    others = list({o.pk: o for o in other_losses or () if o.pk != ledger.loss_id}.values())
    errors = []
    for other in others:
        if other.station_id != ledger.station_id:
            errors.append(
                _("Other victims of the same ring: a chosen loss is another station's; choose this station's.")
            )
        elif other.status != LossStatus.OPEN:
            errors.append(
                _("Other victims of the same ring: case %(c)s is closed; choose open losses.")
                % {"c": other.case.number}
            )
    if errors:
        raise ValidationError({"other_losses": errors})
    with transaction.atomic():
        trace = FundTrace.objects.create(
            station_id=ledger.station_id, loss_id=ledger.loss_id, ledger=ledger, requested_by=actor, created_at=now
        )
        if others:
            trace.other_losses.set(others)
        transaction.on_commit(lambda: _enqueue_trace(trace.pk))
    return trace


def fundtrace_run(*, trace_id: int, now: dt.datetime | None = None) -> FundTrace | None:
    """Run one queued trace (the task's work): seeds from the transfers of the loss and of the other victims
    traced with it (each seed's loss kept aligned in `seed_losses`), stops already placed, as of now."""
    now = now_or(now)
    if not FundTrace.objects.filter(pk=trace_id, status=TraceStatus.QUEUED).update(status=TraceStatus.RUNNING):
        return FundTrace.objects.filter(pk=trace_id).first()
    trace = FundTrace.objects.select_related("ledger", "loss").get(pk=trace_id)
    index_dir = str(Path(trace.ledger.path) / "index")
    offset = utc_offset_minutes(now)
    losses = [trace.loss, *trace.other_losses.order_by("pk")]
    transfers = list(LossTransfer.objects.filter(loss_id=trace.loss_id)) + [
        t for other in losses[1:] for t in LossTransfer.objects.filter(loss_id=other.pk)
    ]
    hints = [
        adapters.SeedHint(
            txn_ref=t.txn_ref, to_account=t.to_account, amount_fen=t.amount_fen, at_epoch=int(t.at.timestamp())
        )
        for t in transfers
    ]
    error = ""
    try:
        found = adapters.ledger_find_seeds(index_dir=index_dir, utc_offset_minutes=offset, hints=hints)
        seed_loss: dict[str, int] = {}  # a ledger transfer found for two losses' records seeds the first one
        for txn, transfer in zip(found, transfers, strict=True):
            if txn and txn not in seed_loss:
                seed_loss[txn] = transfer.loss_id
        seeds = list(seed_loss)
        if not transfers:
            error = _("Record the victim's transfers first: they are where the trace starts.")
        elif not seeds:
            error = _("None of the case's transfers is in this ledger (by serial number, or account and amount).")
        else:
            prior: dict[str, int] = {}
            for account in BankRequest.objects.filter(
                loss__in=losses,
                kind=RequestKind.STOP,
                status__in=(RequestStatus.HELD, RequestStatus.LAPSED, RequestStatus.RENEWED),
            ).values_list("account", flat=True):
                prior[account] = prior.get(account, 0) + 1
            trace.result = adapters.ledger_trace(
                index_dir=index_dir,
                utc_offset_minutes=offset,
                seeds=seeds,
                as_of_epoch=int(now.timestamp()),
                prior_stops=prior,
            )
            trace.seeds = seeds
            trace.seed_losses = [seed_loss[s] for s in seeds]
            trace.engine_version = str(trace.result.get("engine_version", ""))
    except adapters.LedgerUnreadable as exc:
        error = _("The trace could not run: %(e)s") % {"e": exc}
    trace.status = TraceStatus.FAILED if error else TraceStatus.DONE
    trace.error = error[:500]
    trace.finished_at = now
    trace.save(update_fields=["status", "error", "result", "seeds", "seed_losses", "engine_version", "finished_at"])
    return trace


def bank_for_name(*, station_id: int, name: str) -> Partner | None:
    """The station's partner bank whose name contains the ledger's bank name (工商银行 → 中国工商银行丹东分行)."""
    name = (name or "").strip()
    if not name:
        return None
    banks = list(Partner.objects.filter(station_id=station_id, kind=PartnerKind.BANK))
    return next((b for b in banks if name in b.name or b.name in name), None)


# Amounts an account holds, by the engine's conserving policies, in the order the station uses them.
HELD_POLICY_ORDER = ("fifo", "haircut", "lifo", "poison")


def account_hold_amount(row: dict) -> int:
    """The amount to ask a bank to hold for a traced account: the engine's FIFO figure (else the next policy's)."""
    held = row.get("tainted_held_now_fen") or {}
    return next((int(held[p]) for p in HELD_POLICY_ORDER if held.get(p)), 0)


@transaction.atomic
def trace_stop_requests(
    *, trace: FundTrace, actor: User, accounts: list[str], now: dt.datetime | None = None
) -> list[BankRequest]:
    """One click from a trace: a request to each chosen account's bank, of the kind the engine recommends."""
    now = now_or(now)
    if trace.status != TraceStatus.DONE:
        raise ValidationError({"accounts": [_("The trace has not finished.")]})
    rows = {row["account"]: row for row in trace.result.get("accounts", ())}
    errors: list[str] = []
    plan = []
    for account in dict.fromkeys(accounts):
        row = rows.get(account)
        if row is None:
            errors.append(_("Account %(a)s is not in this trace.") % {"a": account})
            continue
        bank = bank_for_name(station_id=trace.station_id, name=row.get("bank") or "")
        amount = account_hold_amount(row)
        if bank is None:
            errors.append(
                _("Account %(a)s is at %(b)s, which is not a partner bank of the station.")
                % {"a": account, "b": row.get("bank") or "-"}
            )
        elif amount <= 0:
            errors.append(_("Account %(a)s holds none of the victim's money now.") % {"a": account})
        else:
            kind = RequestKind.FREEZE if row.get("recommended_action") == "冻结" else RequestKind.STOP
            plan.append((account, bank, kind, amount, row.get("holder_name") or ""))
    if not accounts:
        errors.append(_("Choose the accounts to stop."))
    if errors:
        raise ValidationError({"accounts": errors})
    sent = []
    for account, bank, kind, amount, holder in plan:
        try:
            sent.append(
                bank_request_send(
                    loss=trace.loss,
                    actor=actor,
                    bank=bank,
                    kind=kind,
                    account=account,
                    amount_fen=amount,
                    holder_name=holder,
                    now=now,
                )
            )
        except ValidationError as exc:
            raise ValidationError({"accounts": [f"{account}: {m}" for m in exc.messages]}) from None
    _note(
        trace.loss,
        actor,
        _("From the trace: %(n)d requests sent, %(y)s yuan to hold.")
        % {"n": len(sent), "y": yuan(sum(r.amount_fen for r in sent))},
        now,
    )
    return sent


def trace_seed_losses(trace: FundTrace) -> dict[str, int]:
    """The loss each of the trace's seeds came from, by the seed's ledger txn id (older traces: the trace's loss)."""
    losses = trace.seed_losses if len(trace.seed_losses or ()) == len(trace.seeds or ()) else []
    return {seed: (losses[i] if losses else trace.loss_id) for i, seed in enumerate(trace.seeds or ())}


def refund_plan_row_shares(trace: FundTrace, account: str) -> tuple[dict, dict[int, int]]:
    """The engine's refund plan row for a holding account and each victim's share of it, by loss id.

    Shares are the engine's per-seed amounts added up per loss; nothing is recomputed.
    """
    plan = (trace.result or {}).get("refund_plan") or {}
    row = next((r for r in plan.get("accounts", ()) if r.get("account") == account), None)
    if row is None:
        raise ValidationError(
            {"account": [_("Account %(a)s has no row in this trace's refund plan.") % {"a": account}]}
        )
    by_seed = trace_seed_losses(trace)
    shares: dict[int, int] = {}
    for share in row.get("shares", ()):
        loss_id = by_seed.get(share["seed_txn_id"], trace.loss_id)
        shares[loss_id] = shares.get(loss_id, 0) + int(share["amount_fen"])
    return row, shares


@transaction.atomic
def trace_refunds_record(
    *, trace: FundTrace, actor: User, account: str, now: dt.datetime | None = None
) -> list[Refund]:
    """The bank returned a holding account's money: record each victim's share of the plan row as a Refund.

    All or nothing (one transaction); each loss settles the usual way when its total is back. A
    plan row already recorded is refused.
    """
    now = now_or(now)
    if not (has_role(actor, BANK_DESK_ROLES) and actor.station_id == trace.station_id):
        raise PermissionDenied(_("Your role may not record money returned."))
    trace = FundTrace.objects.select_for_update().get(pk=trace.pk)
    if trace.status != TraceStatus.DONE:
        raise ValidationError({"account": [_("The trace has not finished.")]})
    row, shares = refund_plan_row_shares(trace, account)
    if Refund.objects.filter(trace=trace, plan_account=account).exists():
        raise ValidationError(
            {"account": [_("The returns from account %(a)s by this plan are already recorded.") % {"a": account}]}
        )
    if not shares:
        raise ValidationError({"account": [_("The plan returns nothing from account %(a)s.") % {"a": account}]})
    refunds = []
    losses = FraudLoss.objects.select_related("case").in_bulk(list(shares))
    for loss_id, amount in sorted(shares.items()):
        loss = losses[loss_id]
        try:
            refund = refund_record(
                loss=loss,
                actor=actor,
                amount_fen=amount,
                from_account=account,
                note=_("By the refund plan of the trace of %(d)s.") % {"d": trace.created_at.date().isoformat()},
                now=now,
            )
        except ValidationError as exc:
            raise ValidationError({"account": [f"{loss.case.number}: {m}" for m in exc.messages]}) from None
        Refund.objects.filter(pk=refund.pk).update(trace=trace, plan_account=account)
        refund.trace, refund.plan_account = trace, account
        refunds.append(refund)
    return refunds


# The background tasks of this module (django-tasks), beside the services they run, so that
# enqueuing one needs no import back into the services: each task only calls one service.
@task()
def ledger_index(ledger_id: int) -> str:
    """Read one uploaded ledger with the funds tracing engine; returns its status."""
    ledger = ledger_index_run(ledger_id=ledger_id)
    return ledger.status if ledger is not None else "missing"


@task()
def fund_trace(trace_id: int) -> str:
    """Trace a loss's transfers through a read ledger; returns the trace's status."""
    trace = fundtrace_run(trace_id=trace_id)
    return trace.status if trace is not None else "missing"
