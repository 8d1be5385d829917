"""How a screened message is shown: the text cut into plain, suspicious and blacklisted pieces."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Segment:
    text: str
    why: str = ""
    is_cue: bool = False
    is_blacklisted: bool = False


def highlight_segments(text: str, cues: list[dict], hits: list[dict]) -> list[Segment]:
    """Cut text at every cue and blacklist span (engine offsets into the original text); overlaps merge."""
    marks: list[tuple[int, int, str, bool]] = []
    for cue in cues or ():
        start, end = int(cue.get("start", 0)), int(cue.get("end", 0))
        if 0 <= start < end <= len(text):
            marks.append((start, end, str(cue.get("why", "")), False))
    for hit in hits or ():
        hit_start, hit_end = hit.get("start"), hit.get("end")
        if isinstance(hit_start, int) and isinstance(hit_end, int) and 0 <= hit_start < hit_end <= len(text):
            marks.append((hit_start, hit_end, str(hit.get("reason", "")), True))
    if not marks:
        return [Segment(text)]
    bounds = sorted({0, len(text), *(m[0] for m in marks), *(m[1] for m in marks)})
    out: list[Segment] = []
    for left, right in zip(bounds, bounds[1:]):
        covering = [m for m in marks if m[0] <= left and right <= m[1]]
        piece = text[left:right]
        if not covering:
            out.append(Segment(piece))
            continue
        why = "；".join(dict.fromkeys(m[2] for m in covering if m[2]))
        out.append(
            Segment(
                piece,
                why=why,
                is_cue=any(not m[3] for m in covering),
                is_blacklisted=any(m[3] for m in covering),
            )
        )
    return out


def panel_state(warnings) -> str:
    """A short digest of what the warning panel shows, so a live refresh that changes nothing leaves
    the page alone (a responder typing an outcome keeps the very field they type in)."""
    shown = [
        (w.pk, w.status, w.outcome, w.amount_protected_fen, w.responder_id, w.risk, w.amount_at_stake_fen, w.grid_id)
        + (w.received_at.isoformat(), w.who, w.resident.address if w.resident else "", w.case.number)
        for w in warnings
    ]
    return hashlib.blake2b(repr(shown).encode(), digest_size=8).hexdigest()


def yuan(fen: int | None) -> str:
    if fen is None:
        return ""
    return f"{fen / 100:,.2f}".rstrip("0").rstrip(".") if fen % 100 else f"{fen // 100:,}"


# --- the police–bank channel ------------------------------------------------------------------------------


def yuan_exact(fen) -> str:
    """Format integer fen as yuan to the fen, with thousands separators (4900000 → 49,000.00); empty for none."""
    if fen is None or fen == "":
        return ""
    try:
        value = int(fen)
    except (TypeError, ValueError):
        return ""
    sign = "-" if value < 0 else ""
    whole, cents = divmod(abs(value), 100)
    return f"{sign}{whole:,}.{cents:02d}"


SECONDS_PER_MINUTE = 60
# Problem kinds the engine reports → the ledger column each one is about.
PROBLEM_FIELDS = {
    "missing txn_id": "txn_id",
    "missing account": "from_account / to_account",
    "unparsable amount": "amount",
    "negative amount": "amount",
    "unparsable time": "timestamp",
    "time without zone": "timestamp",
}
MINUTES_PER_HOUR = 60
HOURS_PER_DAY = 24


def duration_words(seconds: float | None) -> str:
    """A duration as a person says it: 3 d 4 h, 1 h 12 min, 8 min (no sign; the caller says left or over)."""
    from django.utils.translation import gettext as _

    if seconds is None:
        return ""
    minutes = int(abs(seconds) // SECONDS_PER_MINUTE)
    hours, mins = divmod(minutes, MINUTES_PER_HOUR)
    days, hours = divmod(hours, HOURS_PER_DAY)
    if days:
        return _("%(d)d d %(h)d h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": mins}
    return _("%(m)d min") % {"m": mins}


def problem_rows(problems: dict) -> list[dict]:
    """The engine's bad rows by kind as rows for the page: the field, the kind, how many, the first lines."""
    counts = (problems or {}).get("counts") or {}
    lines = (problems or {}).get("first_lines") or {}
    return [
        {
            "kind": kind,
            "field": PROBLEM_FIELDS.get(kind, "txn_id" if "txn_id" in kind else ""),
            "count": count,
            "lines": lines.get(kind, []),
            "more": count > len(lines.get(kind, [])),
        }
        for kind, count in counts.items()
    ]


def account_masked(account: str) -> str:
    """A victim's account as lists and exports show it: 6222 **** **** 1234."""
    from lianxin.core import pii

    return pii.mask(pii.KIND_ACCOUNT, pii.normalise(pii.KIND_ACCOUNT, account or ""))


def victim_accounts_masked(result: dict) -> dict:
    """The trace's result with every victim's own account masked (seeds, refund plan, graph edges).

    The engine's result keeps them whole (it matches them against the ledger); pages, exports and
    the API show them masked. The receiving accounts, what is stopped, stay as they are.
    """
    import copy

    out = copy.deepcopy(result)
    victims = {seed["victim_account"] for seed in out.get("seeds", ()) if seed.get("victim_account")}
    plan = out.get("refund_plan") or {}
    victims.update(v["victim_account"] for v in plan.get("victims", ()) if v.get("victim_account"))
    shown: dict[str, str] = {}
    for account in sorted(victims):
        masked = account_masked(account)
        while masked in shown.values():  # two victims alike at both ends still stay two
            masked += "′"
        shown[account] = masked

    def fix(row: dict, key: str) -> None:
        if row.get(key) in shown:
            row[key] = shown[row[key]]

    for seed in out.get("seeds", ()):
        fix(seed, "victim_account")
    for victim in plan.get("victims", ()):
        fix(victim, "victim_account")
    for row in plan.get("accounts", ()):
        for share in row.get("shares", ()):
            fix(share, "victim_account")
    for edge in out.get("edges", ()):
        fix(edge, "from")
        fix(edge, "to")
    return out


def trace_graph(result: dict) -> dict:
    """The trace's accounts and transfers as graph nodes and links, values as the engine gave them.

    Nodes: the victims' accounts, the traced accounts (by level) and the sinks; a link per
    transfer the engine listed, with its amount and the victim money it carried (per policy).
    """
    nodes: dict[str, dict] = {}
    for seed in result.get("seeds", ()):
        nodes.setdefault(seed["victim_account"], {"id": seed["victim_account"], "kind": "victim", "level": 0})
    for row in result.get("accounts", ()):
        nodes[row["account"]] = {
            "id": row["account"],
            "kind": "account",
            "level": row.get("level", 0),
            "holder": row.get("holder_name") or "",
            "bank": row.get("bank") or "",
            "held_fen": row.get("tainted_held_now_fen", {}),
            "action": row.get("recommended_action", ""),
        }
    for sink in result.get("sinks", ()):
        nodes.setdefault(sink["account"], {"id": sink["account"], "kind": "sink", "sink": sink.get("kind", "")})
    links = []
    for edge in result.get("edges", ()):
        for end in (edge["from"], edge["to"]):
            nodes.setdefault(end, {"id": end, "kind": "other"})
        links.append(
            {
                "source": edge["from"],
                "target": edge["to"],
                "amount_fen": edge.get("amount_fen", 0),
                "attributed_fen": edge.get("attributed_fen", {}),
                "at": edge.get("at", ""),
            }
        )
    return {"nodes": list(nodes.values()), "links": links}


def plan_cases_per_account(plan: dict) -> dict[str, list[str]]:
    """For each holding account of a grouped refund plan (refund_plan_by_victim), the victims' case numbers
    whose money the engine's plan returns from it, in the plan's order."""
    return {
        row["account"]: [share["case_number"] for share in row.get("shares", ()) if share.get("case_number")]
        for row in plan.get("accounts", ())
    }


def trace_workbook(
    *, result: dict, plan: dict, case_number: str, bank_name: str, officer_name: str, legal_basis: str
) -> bytes:
    """The trace's accounts as an XLSX file for the bank and the case file (amounts in yuan, as the engine gave them).

    `plan` is the engine's refund plan grouped per victim (refund_plan_by_victim): each account row
    names the victims' cases the plan returns money to from it, and a second sheet lists the plan
    victim by victim. Raises ValueError when the trace found no account (an empty export helps nobody).
    """
    import io

    from django.utils.translation import gettext as _
    from openpyxl import Workbook

    accounts = result.get("accounts") or []
    if not accounts:
        raise ValueError("empty trace")
    policies = list(result.get("policies") or [])
    book = Workbook()
    sheet = book.active
    sheet.title = "trace"
    sheet.append([_("Case"), case_number])
    sheet.append([_("Ledger of"), bank_name])
    sheet.append([_("As of"), result.get("as_of", "")])
    sheet.append([_("Legal basis"), legal_basis])
    sheet.append([_("Officer"), officer_name])
    sheet.append([_("Engine"), result.get("engine_version", "")])
    sheet.append([])
    sheet.append(
        [_("Level"), _("Account"), _("Holder"), _("Bank")]
        + [_("Held now, %(policy)s (yuan)") % {"policy": p} for p in policies]
        + [_("Mule score"), _("Recommended"), _("until"), _("Returns to (cases)")]
    )
    cases_of = plan_cases_per_account(plan)
    for row in accounts:
        held = row.get("tainted_held_now_fen") or {}
        sheet.append(
            [row.get("level"), row["account"], row.get("holder_name", ""), row.get("bank", "")]
            + [held.get(p, 0) / 100 for p in policies]
            + [row.get("mule_score"), row.get("recommended_action", ""), row.get("stop_deadline") or ""]
            + ["; ".join(cases_of.get(row["account"], ()))]
        )
    victims = book.create_sheet("refund plan")
    victims.append([_("Refund plan (art. 8), per victim"), plan.get("rule", "")])
    victims.append([])
    victims.append(
        [_("Case"), _("Victim's account"), _("Lost (traced transfers)"), _("The plan returns")]
        + [_("Holding account"), _("Returns (yuan)"), _("Method")]
    )
    for v in plan.get("victims", ()):
        head = [v["case_number"], ", ".join(v["accounts"]), v["loss_fen"] / 100, v["refund_fen"] / 100]
        if not v["rows"]:
            victims.append(head)
        for i, r in enumerate(v["rows"]):
            victims.append(
                (head if i == 0 else [v["case_number"], "", None, None])
                + [r["account"], r["amount_fen"] / 100, str(r["method"])]
            )
    victims.append([])
    victims.append([_("Unallocated (held but no victim's to return)"), plan.get("unallocated_fen", 0) / 100])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


REFUND_METHODS = {"trace": _("FIFO tracing"), "pro_rata": _("Pro rata by loss")}


def refund_plan_by_victim(result: dict, seed_losses: dict[str, int], losses: dict, recorded: set[str]) -> dict:
    """The engine's refund plan (from a masked result) grouped per victim's loss; amounts are the engine's, added up.

    `seed_losses` maps a seed's txn id to its loss id, `losses` loss id → FraudLoss (with its case),
    `recorded` the plan's holding accounts whose returns are already recorded. Nothing of the split
    is recomputed: each victim's figures are the sums of the engine's per-seed figures.
    """
    plan = result.get("refund_plan") or {}
    victims: dict[int, dict] = {}

    def victim(loss_id: int) -> dict:
        if loss_id not in victims:
            loss = losses.get(loss_id)
            victims[loss_id] = {
                "loss": loss,
                "case_number": loss.case.number if loss is not None else "",
                "accounts": [],
                "loss_fen": 0,
                "refund_fen": 0,
                "rows": [],
            }
        return victims[loss_id]

    for seed in plan.get("victims", ()):
        v = victim(seed_losses.get(seed["seed_txn_id"], -1))
        v["loss_fen"] += int(seed["loss_fen"])
        v["refund_fen"] += int(seed["refund_fen"])
        if seed.get("victim_account") and seed["victim_account"] not in v["accounts"]:
            v["accounts"].append(seed["victim_account"])
    accounts = []
    for row in plan.get("accounts", ()):
        per_loss: dict[int, int] = {}
        for share in row.get("shares", ()):
            loss_id = seed_losses.get(share["seed_txn_id"], -1)
            per_loss[loss_id] = per_loss.get(loss_id, 0) + int(share["amount_fen"])
        method = REFUND_METHODS.get(row.get("method", ""), row.get("method", ""))
        for loss_id, amount in per_loss.items():
            victim(loss_id)["rows"].append(
                {"account": row["account"], "amount_fen": amount, "method": method, "reason": row.get("reason", "")}
            )
        accounts.append(
            {
                "account": row["account"],
                "held_fen": row.get("held_fen", 0),
                "method": method,
                "reason": row.get("reason", ""),
                "shares": [
                    {"case_number": victim(k)["case_number"], "amount_fen": v} for k, v in sorted(per_loss.items())
                ],
                "is_recorded": row["account"] in recorded,
            }
        )
    order = {loss_id: i for i, loss_id in enumerate(losses)}
    return {
        "victims": sorted(victims.values(), key=lambda v: order.get(v["loss"].pk if v["loss"] else -1, len(order))),
        "accounts": accounts,
        "unallocated_fen": int(plan.get("unallocated_fen", 0)),
        "rule": plan.get("rule", ""),
    }
