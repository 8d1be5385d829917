"""Template filters of the anti-fraud pages: money in yuan from integer fen, a dict's value by key."""

from django import template

register = template.Library()

FEN_PER_YUAN = 100


@register.filter
def yuan(fen) -> str:
    """Format integer fen as yuan with thousands separators (4900000 → 49,000.00); empty for no value."""
    if fen is None or fen == "":
        return ""
    try:
        value = int(fen)
    except (TypeError, ValueError):
        return ""
    sign = "-" if value < 0 else ""
    whole, cents = divmod(abs(value), FEN_PER_YUAN)
    return f"{sign}{whole:,}.{cents:02d}"


@register.filter
def get(mapping, key):
    """Return mapping[key] (None when absent): for dicts that came from an engine's JSON."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None
