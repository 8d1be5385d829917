"""Every change to a case, split by sub-domain: the spine, the service cart, referrals.

Import from here (`from lianxin.cases.services import case_open`); the modules are
events (what every write shares), spine, referrals, cart and intake (staff by channel).
"""

from lianxin.cases.services.cart import cart_contact_record, cart_stop_end, cart_stop_start
from lianxin.cases.services.events import DESCRIPTION_MAX_CHARS, NOTE_MAX_CHARS, case_number_next, station_local_year
from lianxin.cases.services.intake import STAFF_INTAKE_CHANNELS, staff_intake_record
from lianxin.cases.services.referrals import referral_reply
from lianxin.cases.services.spine import (
    CART_PEOPLE_SERVED_MAX,
    MEDIA_URL_VALIDATOR,
    SELF_SERVICE_CHANNELS,
    case_assign,
    case_note,
    case_open,
    case_rate,
    case_system_note,
    case_transition,
    cases_auto_close,
    cases_delete_for_station,
    categories_create,
)

__all__ = [
    "CART_PEOPLE_SERVED_MAX",
    "DESCRIPTION_MAX_CHARS",
    "MEDIA_URL_VALIDATOR",
    "NOTE_MAX_CHARS",
    "SELF_SERVICE_CHANNELS",
    "STAFF_INTAKE_CHANNELS",
    "cart_contact_record",
    "cart_stop_end",
    "cart_stop_start",
    "case_assign",
    "case_note",
    "case_system_note",
    "case_number_next",
    "case_open",
    "case_rate",
    "case_transition",
    "cases_auto_close",
    "cases_delete_for_station",
    "categories_create",
    "referral_reply",
    "staff_intake_record",
    "station_local_year",
]
