"""Labelled lots of money: the bookkeeping that `trace` and `refund` share.

A lot is `[label, fen]`: `label` is the index of the seed (victim's transfer) whose money it
is, or CLEAN for money that is no victim's. FIFO books are a deque of lots, LIFO books a
list of lots, haircut books a dict label -> fen. Amounts are integer fen; no operation here
creates or loses a fen.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, MutableSequence
from typing import Protocol

CLEAN = -1  # lot label of money that is not any victim's

Lot = list[int]  # [label, fen]; mutable so a partly spent lot shrinks in place


class LotBooks(Protocol):
    """What `held_by_seed` reads of a traced account's books."""

    fifo: deque[Lot]
    lifo: list[Lot]
    hc: dict[int, int]


def take_lots(lots: MutableSequence[Lot], amount: int, from_front: bool) -> list[Lot]:
    """Remove `amount` fen from a lot queue (front = FIFO, back = LIFO); return the lots taken.

    Takes less when the queue holds less; the caller books the excess.
    """
    taken = []
    while amount > 0 and lots:
        lot = lots[0] if from_front else lots[-1]
        part = min(amount, lot[1])
        taken.append([lot[0], part])
        lot[1] -= part
        amount -= part
        if lot[1] == 0:
            if from_front:
                del lots[0]  # FIFO books are deques: O(1), as popleft
            else:
                lots.pop()
    return taken


def take_haircut(hc: dict[int, int], bal: int, amount: int) -> dict[int, int]:
    """Remove `amount` (<= bal) fen proportionally from labelled shares, largest remainder first."""
    if amount <= 0 or bal <= 0:
        return {}
    shares = {label: held for label, held in hc.items() if held > 0}
    if len(shares) == 1 and sum(shares.values()) == bal:  # one owner: it pays all, no remainders
        for label in shares:
            hc[label] -= amount
            shares[label] = amount
        return shares
    if amount == bal == sum(shares.values()):  # all of it leaves: whole shares, no remainders
        for label in shares:
            hc[label] = 0
        return shares
    rests = []
    for label, held in shares.items():
        q, r = divmod(held * amount, bal)
        shares[label] = q
        rests.append((-r, label))
    left = amount - sum(shares.values())
    if left:
        rests.sort()
        for _, label in rests[:left]:
            shares[label] += 1
    for label, part in shares.items():
        hc[label] -= part
    return shares


def append_lots(lots: MutableSequence[Lot], new: Iterable[Lot]) -> None:
    """Append lots, merging with the last lot of the same label (order within a label is moot)."""
    for lab, v in new:
        if not v:
            continue
        if lots and lots[-1][0] == lab:
            lots[-1][1] += v
        else:
            lots.append([lab, v])


def tainted(lots: Iterable[Lot]) -> int:
    """Return the fen of victim money (any label but CLEAN) in `lots`."""
    total = 0
    for label, amount in lots:
        if label != CLEAN:
            total += amount
    return total


def held_by_seed(st: LotBooks, pol: str) -> dict[int, int]:
    """Return the tainted money held now per seed label under `pol` (fifo, lifo or haircut)."""
    if pol == "haircut":
        return {lab: v for lab, v in st.hc.items() if lab != CLEAN and v}
    out: dict[int, int] = {}
    for lab, v in st.fifo if pol == "fifo" else st.lifo:
        if lab != CLEAN and v:
            out[lab] = out.get(lab, 0) + v
    return out
