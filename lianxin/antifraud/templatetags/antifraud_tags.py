"""Template filters of the anti-fraud pages: money in yuan from integer fen, a dict's value by key."""

from django import template

from lianxin.antifraud.present import yuan as yuan_words
from lianxin.antifraud.present import yuan_exact

register = template.Library()


@register.filter
def yuan(fen) -> str:
    """Format integer fen as yuan with thousands separators (4900000 → 49,000.00); empty for no value."""
    return yuan_exact(fen)


@register.filter
def yuan_brief(fen) -> str:
    """Format integer fen as yuan as a person says it, separators and no empty cents (8600000 → 86,000)."""
    return yuan_words(fen)


@register.filter
def get(mapping, key):
    """Return mapping[key] (None when absent): for dicts that came from an engine's JSON."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None
