"""How a screened message is shown: the text cut into plain, suspicious and blacklisted pieces."""

from __future__ import annotations

from dataclasses import dataclass


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
        start, end = hit.get("start"), hit.get("end")
        if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text):
            marks.append((start, end, str(hit.get("reason", "")), True))
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


def yuan(fen: int | None) -> str:
    if fen is None:
        return ""
    return f"{fen / 100:,.2f}".rstrip("0").rstrip(".") if fen % 100 else f"{fen // 100:,}"
