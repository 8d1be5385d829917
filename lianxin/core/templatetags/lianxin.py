"""Template filters of Lianxin's pages."""

from django import template
from django.utils.translation import gettext_lazy as _

from lianxin.core import textmask

register = template.Library()

RATING_MAX = 5
# How the audit log names what happened, what to and which field; unknown codes show as they are.
AUDIT_WORDS = {
    "pii_reveal": _("Viewed a whole number"),
    "case": _("Case"),
    "resident": _("Resident"),
    "user": _("User"),
    "contact_phone": _("Contact mobile"),
    "phone": _("Mobile number"),
    "id_number": _("ID number"),
    "bulk_reveal_alert": _("Bulk reveal alert"),
    "unlock": _("Unlocked a sign-in"),
    "login": _("Sign-in"),
    "pii": _("Personal data"),
    "retention_delete": _("Deleted by retention"),
    "retention_clear": _("Cleared by retention"),
    "auditentry": _("Audit entry"),
}


@register.filter
def stars(rating) -> str:
    """Return a 1–5 rating as filled and empty stars (★★★☆☆); empty for no rating."""
    try:
        n = int(rating)
    except (TypeError, ValueError):
        return ""
    n = max(0, min(RATING_MAX, n))
    return "★" * n + "☆" * (RATING_MAX - n)


@register.filter
def mask_numbers(text: str) -> str:
    """Mask mobile, ID and bank card numbers inside free text (for what the public and reporters read)."""
    return textmask.mask_numbers(str(text)) if text else text


@register.filter
def audit_word(code: str) -> str:
    """Return the readable name of an audit action, record type or field code."""
    return str(AUDIT_WORDS.get(code, code))
