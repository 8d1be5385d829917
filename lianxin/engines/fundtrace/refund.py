"""Split frozen money among victims by art. 8 of the 2016 rules (冻结资金返还).

Per holding account: where timestamps decide whose money it is (each tainted credit into the
account carried one victim's money and no two victims' credits share a timestamp), the money
held is returned by tracing, first in first out. Otherwise it is returned pro rata by each
victim's loss (haircut), among the victims whose money reached the account. No victim gets
back more than they lost; what cannot be placed is reported as unallocated.
"""

from __future__ import annotations

from .lots import CLEAN, held_by_seed


def _pro_rata(total: int, weights: dict[int, int]) -> dict[int, int]:
    """Split `total` fen by integer weights, largest remainder first (ties by label)."""
    wsum = sum(weights.values())
    if wsum <= 0 or total <= 0:
        return {}
    parts, rests = {}, []
    for label, w in sorted(weights.items()):
        q, r = divmod(total * w, wsum)
        parts[label] = q
        rests.append((-r, label))
    rests.sort()
    for _, label in rests[: total - sum(parts.values())]:
        parts[label] += 1
    return parts


def refund_plan(state: dict, seeds: list[dict], ledger, name=None) -> dict:
    """Return the refund plan for the traced accounts' FIFO-held victim money.

    `name(code)` gives an account's id (the trace's decoded names; default: read the ledger).
    """
    name = name or (lambda code: ledger.accounts[code])

    loss = {k: s["amount_fen"] for k, s in enumerate(seeds)}
    refunded = dict.fromkeys(loss, 0)
    rows, unallocated = [], 0
    for a, st in sorted(state.items(), key=lambda kv: name(kv[0])):
        by_fifo = held_by_seed(st, "fifo")
        held = sum(by_fifo.values())
        if held <= 0:
            continue
        mixed_transfer = any(len(labels) > 1 for _, labels in st.credits)
        seen: dict[int, set] = {}
        for at, labels in st.credits:
            seen.setdefault(at, set()).update(labels)
        same_time = any(len(v) > 1 for v in seen.values())
        if not mixed_transfer and not same_time:
            method = "trace"
            reason = "timestamps decide: each victim's money arrived in its own transfers (FIFO)"
            shares = dict(by_fifo)
        else:
            method = "pro_rata"
            reason = (
                "victims' money arrived in one transfer"
                if mixed_transfer
                else "victims' money arrived at the same time"
            ) + ": split by each victim's loss"
            present = {lab for lab, v in st.hc.items() if lab != CLEAN and v} | set(by_fifo)
            shares = _pro_rata(held, {k: loss[k] for k in present})
        placed = {}
        for k, v in shares.items():
            room = loss[k] - refunded[k]
            give = min(v, room)
            if give > 0:
                placed[k] = give
                refunded[k] += give
            unallocated += v - max(give, 0)
        rows.append(
            {
                "account": name(a),
                "held_fen": held,
                "method": method,
                "reason": reason,
                "shares": [
                    {"seed_txn_id": seeds[k]["txn_id"], "victim_account": seeds[k]["victim_account"], "amount_fen": v}
                    for k, v in sorted(placed.items())
                ],
            }
        )
    victims = [
        {
            "seed_txn_id": s["txn_id"],
            "victim_account": s["victim_account"],
            "loss_fen": loss[k],
            "refund_fen": refunded[k],
            "share_of_loss": round(refunded[k] / loss[k], 4) if loss[k] else 0.0,
        }
        for k, s in enumerate(seeds)
    ]
    return {
        "rule": "art. 8, 2016 rules on frozen funds: trace (FIFO) where timestamps decide, else pro rata by loss",
        "accounts": rows,
        "victims": victims,
        "unallocated_fen": unallocated,
    }
