"""A round's life: created, its settings changed, copied, opened, asked to close (the close
itself publishes: ``results.publication``); who it is for and how many answered."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from blinker import Namespace
from flask_babel import gettext as _

from ..audit import services as audit
from ..collation import sorted_by_name
from ..core import suppress
from ..extensions import db
from ..instrument import LATEST
from ..models_base import utcnow
from ..tenancy.models import Department, Organisation, OrganisationMembership, OrgRole
from . import populations
from .models import Invitation, Round, RoundStatus
from .populations import PopulationConflict  # noqa: F401  (raised by open and invite)

log = logging.getLogger(__name__)


class RoundStateError(Exception):
    """The action does not fit the round's state (e.g. editing the minimum of an open round)."""


@dataclass(frozen=True)
class RoundSettings:
    title: str
    opens_on: date
    closes_on: date
    min_group_size: int = 5
    min_comment_group_size: int = 10
    min_customer_group_size: int | None = None  # None: the round's minimum group size
    department_ids: tuple[int, ...] = ()


def today() -> date:
    return utcnow().date()


def create_round(org: Organisation, settings: RoundSettings, *, instrument_version: str = LATEST) -> Round:
    round_ = Round(organisation_id=org.id, instrument_version=instrument_version, status=RoundStatus.DRAFT)
    _apply(round_, settings)
    db.session.add(round_)
    db.session.flush()
    audit.record("round_created", organisation_id=org.id, obj=round_, **_minimums(round_))
    log.info("round created id=%s org=%s", round_.id, org.id)
    return round_


def update_round(round_: Round, settings: RoundSettings) -> None:
    if round_.is_closed:
        raise RoundStateError("closed")
    if not round_.is_draft and (
        settings.min_group_size != round_.min_group_size
        or settings.min_comment_group_size != round_.min_comment_group_size
        or _customer_minimum(settings) != round_.min_customer_group_size
    ):
        # Changing the minimum after responses arrive could expose a small group.
        raise RoundStateError("minimum fixed")
    _apply(round_, settings)
    audit.record("round_settings_changed", organisation_id=round_.organisation_id, obj=round_, **_minimums(round_))
    log.info("round updated id=%s", round_.id)


def _minimums(round_: Round) -> dict:
    return {"min_group_size": round_.min_group_size, "min_customer_group_size": round_.min_customer_group_size,
            "min_comment_group_size": round_.min_comment_group_size}


def _apply(round_: Round, s: RoundSettings) -> None:
    round_.title = s.title.strip()
    round_.opens_on, round_.closes_on = s.opens_on, s.closes_on
    round_.min_group_size, round_.min_comment_group_size = s.min_group_size, s.min_comment_group_size
    round_.min_customer_group_size = _customer_minimum(s)
    round_.department_ids = sorted(set(s.department_ids))


def _customer_minimum(s: RoundSettings) -> int:
    # Customers invited by name are protected like employees: never below the round's minimum.
    return max(s.min_customer_group_size or s.min_group_size, s.min_group_size)


def copy_round(source: Round) -> Round:
    """A new draft 'like the previous one': same minimums and departments, and new dates: from
    today, and never on or before the source's opening day (a copy made the day a round opened
    would otherwise share its dates)."""
    start = max(today(), source.opens_on + timedelta(days=1))
    length = min(max((source.closes_on - source.opens_on).days, 7), 366)
    settings = RoundSettings(
        title=_("%(title)s (copy)", title=source.title)[:120], opens_on=start, closes_on=start + timedelta(days=length),
        min_group_size=source.min_group_size, min_comment_group_size=source.min_comment_group_size,
        min_customer_group_size=source.min_customer_group_size,
        department_ids=tuple(source.department_ids or ()),
    )
    org = db.session.get(Organisation, source.organisation_id)
    return create_round(org, settings)


#: Sent in the transaction that opens a round, with the round. A signal, so that rounds need not
#: know who listens (the webhooks).
round_opened = Namespace().signal("round-opened")


def delete_draft(round_: Round) -> None:
    """Throw a draft away: it was never open, so no one was invited and nothing was answered."""
    if not round_.is_draft:
        raise RoundStateError("not draft")
    audit.record("round_deleted", organisation_id=round_.organisation_id, obj=round_, title=round_.title)
    db.session.delete(round_)
    db.session.flush()
    log.info("draft round deleted id=%s", round_.id)


def open_round(round_: Round) -> None:
    if not round_.is_draft:
        raise RoundStateError("not draft")
    # Everyone eligible is invited next: the population it will have must not single anyone out.
    populations.check(round_, {(m.user_id, m.department_id) for m in db.session.scalars(eligible_members(round_))},
                      today())
    round_.status = RoundStatus.OPEN
    audit.record("round_opened", organisation_id=round_.organisation_id, obj=round_, **_minimums(round_))
    round_.opened_at = utcnow()
    round_opened.send(round_)  # e.g. the webhooks that asked for it (maturity.webhooks)
    log.info("round opened id=%s", round_.id)


def request_close(round_: Round) -> None:
    """Ask the worker to close (and so publish) the round: releasing every ballot of a large
    round takes longer than a web request may. The round keeps accepting answers until then."""
    if not round_.is_open:
        raise RoundStateError("not open")
    round_.close_requested_at = utcnow()
    round_.close_problem = None


def lock_round(round_id: int, *, for_update: bool = False) -> RoundStatus:
    """Lock the round's row (PostgreSQL; SQLite serialises writers anyway). Submissions take
    a shared lock and closing an exclusive one, so a ballot is either in the box when the
    round closes, or refused because it is closed: never left behind after publication."""
    return db.session.execute(
        sa.select(Round.status).where(Round.id == round_id).with_for_update(read=not for_update)
    ).scalar_one()


@dataclass(frozen=True)
class DepartmentRate:
    name: str | None
    invited: int
    submitted: int
    #: The departments with fewer than the minimum invited, together (``name`` is None).
    is_combined: bool = False

    @property
    def rate(self) -> float:
        return self.submitted / self.invited if self.invited else 0.0

    @property
    def is_low(self) -> bool:
        return self.invited > 0 and self.rate < 0.6


def response_rates(round_: Round) -> list[DepartmentRate]:
    """Invited and submitted per department: counts only, one grouped query.

    A department is shown on its own only when at least the round's minimum were invited
    (with complementary suppression, as for results); the others are counted together in one
    row, so nobody can watch whether one person in a small team has responded."""
    rows = db.session.execute(
        sa.select(Department.name, sa.func.count(Invitation.id), sa.func.count(Invitation.submitted_at))
        .select_from(Invitation)
        .outerjoin(Department, Invitation.department_id == Department.id)
        .where(Invitation.round_id == round_.id)
        .group_by(Department.name)
        .order_by(Department.name)
    ).all()
    counts = {(name or ""): (invited, submitted) for name, invited, submitted in rows}
    named = {name: invited for name, (invited, _) in counts.items() if name}
    decision = suppress(named, round_.min_group_size, total=sum(i for i, _ in counts.values()))
    rates = [DepartmentRate(name, *counts[name]) for name in sorted_by_name(decision.visible)]
    rest = [counts[name] for name in counts if name not in decision.visible]
    if rest:
        rates.append(DepartmentRate(None, sum(i for i, _ in rest), sum(s for _, s in rest), is_combined=True))
    return rates


def eligible_members(round_: Round):
    """The employees of the organisation in the round's departments. Directors answer only
    when they choose to (``invite_self``): they are not counted as respondents by default, and
    a director who answers knows one of the answers behind every figure."""
    query = sa.select(OrganisationMembership).where(
        OrganisationMembership.organisation_id == round_.organisation_id,
        OrganisationMembership.role == OrgRole.EMPLOYEE,
    )
    if round_.department_ids:
        query = query.where(OrganisationMembership.department_id.in_(round_.department_ids))
    return query
