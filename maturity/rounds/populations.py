"""Two rounds of one organisation in the same period must not differ by a few people.

Two rounds that run at (about) the same time measure the same opinions. If the people invited
to one are everyone invited to the other but one, the difference of their published figures is
that one person's answers: a director who wants to know what a colleague answered only needs to
run a second round without her. So whenever a round's invited people would change (opening it,
inviting more, a director answering too), its population is compared with every other round of
the organisation in the same period — overall and per department — and the change is refused
unless the two are the same people or differ by at least the rounds' minimum.

"The same period": the rounds overlap, or one starts less than ``SAME_PERIOD`` after the other
ended. Rounds further apart measure opinions that have had time to change, and people come and
go between them; what remains is stated in docs/privacy.md.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from ..extensions import db
from ..tenancy.models import Department
from .models import Invitation, Round, RoundStatus

SAME_PERIOD = timedelta(days=30)

#: A person in a round: (user id, department id). An erased person's invitation has no user;
#: it stands for someone nobody can name, unique to its round.
Person = tuple[object, int | None]


@dataclass
class PopulationConflict(Exception):
    """The round's invited people would differ from ``other``'s by 1 to ``minimum`` − 1."""

    other_title: str
    difference: int
    minimum: int
    department: str | None  # None: the round as a whole
    free_from: date  # the first day a round may start with a different population


def period(round_: Round, today: date) -> tuple[date, date]:
    """When the round actually runs — when its people can answer: from its start date, or from
    the day it was opened if that was later (a round not open yet: from today, if later), to
    closed (or closes). Opening a round early for a later start does not move its start: the
    check that let it open is the check its invitations meet."""
    start = max(round_.opens_on, round_.opened_at.date() if round_.opened_at else today)
    end = round_.closed_at.date() if round_.closed_at else round_.closes_on
    return min(start, end), end


def same_period(a: tuple[date, date], b: tuple[date, date]) -> bool:
    return a[0] <= b[1] + SAME_PERIOD and b[0] <= a[1] + SAME_PERIOD


def invited(round_id: int) -> set[Person]:
    return {(user_id if user_id is not None else ("erased", invitation_id), department_id)
            for invitation_id, user_id, department_id in db.session.execute(
                sa.select(Invitation.id, Invitation.user_id, Invitation.department_id)
                .where(Invitation.round_id == round_id))}


def check(round_: Round, population: set[Person], today: date) -> None:
    """Raise ``PopulationConflict`` if ``population`` (what the round's invited people would
    become) differs by 1 to minimum − 1 people from a round of the same period, overall or in
    one department."""
    mine = period(round_, today)
    others = db.session.scalars(sa.select(Round).where(
        Round.organisation_id == round_.organisation_id, Round.id != round_.id, Round.status != RoundStatus.DRAFT))
    for other in others:
        theirs = period(other, today)
        if not same_period(mine, theirs):
            continue
        minimum = max(round_.min_group_size, other.min_group_size)
        free_from = theirs[1] + SAME_PERIOD + timedelta(days=1)
        conflict = _conflict(population, invited(other.id), minimum)
        if conflict is not None:
            department_id, difference = conflict
            name = None if department_id is _WHOLE else _department_name(department_id)
            raise PopulationConflict(other.title, difference, minimum, name, free_from)


_WHOLE = object()


def _conflict(a: set[Person], b: set[Person], minimum: int) -> tuple[object, int] | None:
    """(the whole round, or a department id; how many differ), for the first group whose
    members differ by 1 to minimum − 1; None when every group is the same or far enough apart."""
    groups: dict[object, tuple[set, set]] = defaultdict(lambda: (set(), set()))
    for person in a:
        groups[person[1]][0].add(person[0])
    for person in b:
        groups[person[1]][1].add(person[0])
    candidates = [(_WHOLE, ({p[0] for p in a}, {p[0] for p in b}))] + sorted(
        groups.items(), key=lambda item: (item[0] is None, item[0] or 0))
    for group, (mine, theirs) in candidates:
        difference = len(mine ^ theirs)
        if 0 < difference < minimum:
            return group, difference
    return None


def _department_name(department_id: int | None) -> str:
    if department_id is None:
        return ""
    return db.session.scalar(sa.select(Department.name).where(Department.id == department_id)) or ""
