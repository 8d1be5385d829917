"""Writes of the care app, by sub-domain; import from here (`from lianxin.care.services import checkin_record`)."""

from lianxin.care.services.alarms import (
    alarm_answer,
    alarm_escalate,
    alarm_start,
    alarms_escalate,
    checkins_missed,
    ladder_for,
    may_answer,
    rung_minutes,
)
from lianxin.care.services.common import LIVE_KIND, care_category, may_care, require_carer
from lianxin.care.services.devices import (
    DeviceRefused,
    device_add,
    device_disable,
    device_key,
    device_message_receive,
    devices_offline,
    message_signature,
    topic_for,
)
from lianxin.care.services.enrolment import (
    CheckinVia,
    ContactIn,
    away_set,
    care_delete_for_station,
    checkin_record,
    enrolment_create,
    enrolment_withdraw,
    plan_open,
)
from lianxin.care.services.visits import may_schedule_visits, visit_complete, visit_record, visit_schedule

__all__ = [
    "LIVE_KIND",
    "rung_minutes",
    "CheckinVia",
    "ContactIn",
    "DeviceRefused",
    "alarm_answer",
    "alarm_escalate",
    "alarm_start",
    "alarms_escalate",
    "away_set",
    "care_category",
    "care_delete_for_station",
    "checkin_record",
    "checkins_missed",
    "device_add",
    "device_disable",
    "device_key",
    "device_message_receive",
    "devices_offline",
    "enrolment_create",
    "enrolment_withdraw",
    "ladder_for",
    "may_answer",
    "may_care",
    "message_signature",
    "plan_open",
    "require_carer",
    "topic_for",
    "may_schedule_visits",
    "visit_complete",
    "visit_record",
    "visit_schedule",
]
