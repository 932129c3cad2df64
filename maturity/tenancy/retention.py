"""How long data is kept: the periods each consultancy chooses (stored on ``Consultancy``), the
limits it chooses within, and the platform's own; the reasons are in docs/privacy.md. The
nightly purge that enforces them is ``privacy.retention``."""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta

import sqlalchemy as sa

from ..extensions import db
from .models import ConsultantMembership, Consultancy, Organisation, OrganisationMembership

#: (lowest, highest) a consultancy may choose, per setting.
LIMITS = {
    "retain_answers_months": (3, 120),
    "retain_personal_results_days": (7, 730),
    "retain_mail_days": (7, 365),
    "retain_sessions_days": (1, 90),
    # A security log is needed for a while: at least half a year.
    "retain_audit_months": (6, 120),
}
PLATFORM_AUDIT_MONTHS = 24
PLATFORM_MAIL_DAYS = 30
#: How long a login of someone in no consultancy (a platform admin) lasts at most.
PLATFORM_SESSION_DAYS = 30


def login_lifetime(user_id: int) -> timedelta:
    """How long a login of this person lasts at most, however active: the shortest period of
    the consultancies they belong to (as a consultant, or through a client organisation)."""

    theirs = sa.union(
        sa.select(ConsultantMembership.consultancy_id).where(ConsultantMembership.user_id == user_id),
        sa.select(Organisation.consultancy_id).join(OrganisationMembership,
                                                    OrganisationMembership.organisation_id == Organisation.id)
        .where(OrganisationMembership.user_id == user_id),
    ).subquery()
    days = db.session.scalar(sa.select(sa.func.min(Consultancy.retain_sessions_days))
                             .where(Consultancy.id.in_(sa.select(theirs.c[0]))))
    return timedelta(days=days or PLATFORM_SESSION_DAYS)


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months earlier (the last day of a shorter month)."""
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)
