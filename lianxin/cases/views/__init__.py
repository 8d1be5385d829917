"""Pages of the case spine, split by sub-domain: the inbox and case page, the cart, requests, referrals.

Every view parses its input, calls one selector or service, and renders. Writes
answer with a redirect (post/redirect/get); a service's ValidationError or Conflict
comes back as a message naming the problem, never as a server error. Scope is the
selectors' job: a case outside the user's scope is a 404 here too.
"""

from lianxin.cases.views.cart import cart_contact, cart_intake, cart_stop_begin, cart_stop_finish
from lianxin.cases.views.intake import staff_intake
from lianxin.cases.views.map import station_map
from lianxin.cases.views.referrals import referral_list, referral_reply_submit
from lianxin.cases.views.requests import request_list, request_new, request_track
from lianxin.cases.views.spine import (
    case_assign_submit,
    case_detail,
    case_list,
    case_note_submit,
    case_rate_submit,
    case_reveal,
    case_transition_submit,
)

__all__ = [
    "cart_contact",
    "cart_intake",
    "cart_stop_begin",
    "cart_stop_finish",
    "case_assign_submit",
    "case_detail",
    "case_list",
    "case_note_submit",
    "case_rate_submit",
    "case_reveal",
    "case_transition_submit",
    "referral_list",
    "referral_reply_submit",
    "request_list",
    "request_new",
    "request_track",
    "staff_intake",
    "station_map",
]
