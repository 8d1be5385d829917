"""Template filters of Lianxin's pages."""

from django import template

register = template.Library()

RATING_MAX = 5


@register.filter
def stars(rating) -> str:
    """Return a 1–5 rating as filled and empty stars (★★★☆☆); empty for no rating."""
    try:
        n = int(rating)
    except (TypeError, ValueError):
        return ""
    n = max(0, min(RATING_MAX, n))
    return "★" * n + "☆" * (RATING_MAX - n)
