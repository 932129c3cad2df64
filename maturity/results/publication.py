"""Closing a round publishes it: every ballot is opened into an anonymous response in one
transaction (``close``), the aggregates every results surface reads are stored as they are
added up (``tally``, ``segment_tally``), and the features above are told (``published``). The
worker runs it (``close_by_worker``: ``results.jobs``) when a director asks (``rounds.services.request_close``)
or the round's end date has passed."""

from __future__ import annotations

import logging
from datetime import datetime

import sqlalchemy as sa
from blinker import Namespace

from ..audit import services as audit
from ..core import DONT_KNOW, score_customer_response, score_quiz, score_response, suppress
from ..extensions import db
from ..instrument import load_instrument
from ..mail.models import OutboxMessage
from ..models_base import utcnow
from ..rounds import ballots
from ..rounds.ballots import BallotUnreadable
from ..rounds.models import CustomerAnswer, CustomerInvitation, CustomerResponse, Response, ResponseAnswer, Round, RoundStatus
from ..rounds.questionnaire import clean_comment
from ..rounds.services import RoundStateError, lock_round
from ..tenancy.models import Department
from ..utils import chunks, random_id
from . import segment_tally, tally

log = logging.getLogger(__name__)

#: Sent in the closing transaction, after the results are stored (receivers write in it too).
published = Namespace().signal("round-published")


def close(round_: Round, *, at: datetime | None = None) -> None:
    """Close the round and publish it: every ballot is released in this one transaction, and
    the consultancy's benchmark moves on if enough clients have new results. ``at``: the
    moment of publication (now; the demo's history sets its own). After the commit, the caller
    removes the released ballots physically (``ballots.scrub``)."""
    if not round_.is_open:
        raise RoundStateError("not open")
    # Decided on the locked row, not on what this request loaded earlier: a second close that
    # waited for the first (a double click, a retry, the schedule) finds it closed and stops.
    if lock_round(round_.id, for_update=True) is not RoundStatus.OPEN:
        raise RoundStateError("not open")
    round_.status = RoundStatus.CLOSED
    round_.closed_at = at or utcnow()
    released = release_ballots(round_)
    audit.record("round_closed", organisation_id=round_.organisation_id, obj=round_, released=released)
    # Customers' addresses were needed only to send their links.
    db.session.execute(sa.update(CustomerInvitation).where(CustomerInvitation.round_id == round_.id).values(email=None))
    # Nor does the outbox keep them; a link not yet delivered would lead to a closed round.
    customer_mail = (OutboxMessage.round_id == round_.id, OutboxMessage.kind == "customer-invitation")
    db.session.execute(sa.update(OutboxMessage).where(*customer_mail, OutboxMessage.status == "pending")
                       .values(status="failed", error="The round closed before the message was delivered."))
    db.session.execute(sa.update(OutboxMessage).where(*customer_mail)
                       .values(recipient=None, body_text=None, body_sealed=None, html_sealed=None))
    published.send(round_)  # e.g. the consultancy's benchmark moves on (progress.benchmark)
    log.info("round closed id=%s released=%s", round_.id, released)


def close_by_worker(round_id: int) -> str:
    """In the worker: close the round if it is still open. Returns "closed", "not_open", or
    "ballots_unreadable" (nothing is lost; the round stays open and says why)."""
    round_ = db.session.get(Round, round_id)
    if round_ is None or not round_.is_open:
        return "not_open"
    try:
        close(round_)
        round_.close_requested_at = None
        db.session.commit()
        ballots.scrub()
        return "closed"
    except RoundStateError:
        db.session.rollback()
        return "not_open"
    except BallotUnreadable:
        db.session.rollback()
        round_ = db.session.get(Round, round_id)
        round_.close_requested_at, round_.close_problem = None, "ballots_unreadable"
        db.session.commit()
        log.error("round %s not closed: its ballots need an earlier SECRET_KEY (SECRET_KEY_FALLBACKS)", round_id)
        return "ballots_unreadable"


def release_ballots(round_: Round) -> int:
    """Open every ballot of the round and store it as an anonymous response (an employee's) or
    customer response, then delete the ballots; returns the number of employee responses. Runs
    inside the closing transaction, never a submitting one, in an order drawn from the
    operating system's random source (``ballots.opened``), so neither row order nor transaction
    ids say who submitted when.

    The ballots are read twice: first only to count the departments (which names may be kept is
    decided on all of them), then to store them."""
    instrument = load_instrument(round_.instrument_version)
    names = dict(db.session.execute(
        sa.select(Department.id, Department.name).where(Department.organisation_id == round_.organisation_id)).all())
    # A department name is kept only where at least the minimum responded (with complementary
    # suppression): otherwise the stored name, next to who was invited from where and who
    # submitted, would point at a few people even for someone who reads only the database.
    sizes: dict[str, int] = {}
    total = 0
    for kind, content in ballots.opened(round_.id):
        if kind != ballots.EMPLOYEE:
            continue
        total += 1
        department = names.get(content.get("department_id"))
        if department is not None:
            sizes[department] = sizes.get(department, 0) + 1
    kept = suppress(sizes, round_.min_group_size, total=total).visible
    builder = tally.TallyBuilder(instrument)
    # The figures per segment (and per service's customers): only added up here, decided and
    # stored at the end, never kept with a response.
    by_segment = segment_tally.SegmentTallyBuilder(round_.organisation_id)
    released = _Released()
    for kind, content in ballots.opened(round_.id):
        if kind == ballots.CUSTOMER:
            score, answers = released.customer(round_, instrument, content)
            by_segment.customer(content.get("service"), score, answers)
            continue
        department = names.get(content.get("department_id"))
        shown_department = department if department in kept else None
        response, stored = _response_rows(round_, instrument, shown_department, content["answers"],
                                          comment=content.get("comment"))
        released.employee(response, stored)
        # The aggregates every results surface reads, added up as the responses are stored.
        builder.employee(shown_department, response["band"], response, stored)
        atom = segment_tally.department_atom(content.get("department_id") if shown_department else None)
        by_segment.employee(by_segment.employee_cell(atom, content.get("segments", ())), response["band"], response,
                            stored, response.get("comment"))
    released.flush()
    ballots.empty(round_.id)
    db.session.flush()
    tally.publish(round_, builder)
    by_segment.store(round_.id, round_.min_group_size, max(round_.min_customer_group_size, round_.min_group_size),
                     {segment_tally.department_atom(i): name for i, name in names.items() if name in kept},
                     min_comments=max(round_.min_comment_group_size, round_.min_group_size))
    return total


class _Released:
    """Rows of released ballots, written in bulk (executemany: one statement per batch, not per
    row) in the order they come. With render_nulls every row has the same columns, so a batch
    stays one batch ("weet ik niet" and quiz choices would otherwise split it into many)."""

    def __init__(self) -> None:
        self.rows: dict[type, list[dict]] = {Response: [], ResponseAnswer: [], CustomerResponse: [], CustomerAnswer: []}
        self.count = 0

    def employee(self, response: dict, stored: dict) -> None:
        self.rows[Response].append(response)
        self.rows[ResponseAnswer].extend({"response_id": response["id"], "item_key": key, "choice": choice,
                                          "value": value} for key, (choice, value) in stored.items())
        self._added()

    def customer(self, round_: Round, instrument, content: dict) -> tuple[float | None, dict[str, int | None]]:
        answers = content["answers"]
        scores = score_customer_response(instrument, answers)
        response_id = random_id()
        self.rows[CustomerResponse].append(dict(
            id=response_id, round_id=round_.id, organisation_id=round_.organisation_id, language=content["language"],
            source=content["source"], mirror_customer=scores.mirror_customer, comment=content["comment"]))
        stored = {key: None if value == DONT_KNOW else int(value) for key, value in answers.items()}
        self.rows[CustomerAnswer].extend({"customer_response_id": response_id, "item_key": key, "value": value}
                                         for key, value in stored.items())
        self._added()
        return scores.mirror_customer, stored

    def _added(self) -> None:
        self.count += 1
        if self.count % RELEASE_BATCH == 0:
            self.flush()

    def flush(self) -> None:
        for model, rows in self.rows.items():
            for batch in chunks(rows, RELEASE_BATCH * 10):
                db.session.execute(sa.insert(model).execution_options(render_nulls=True), batch)
            rows.clear()


RELEASE_BATCH = ballots.RELEASE_BATCH


def _response_rows(round_: Round, instrument, department: str | None, answers: dict[str, str], *,
                   comment: str | None = None) -> tuple[dict, dict[str, tuple[str | None, int | None]]]:
    """One released response as a row (with the answer to the open question, if any), and its
    answers as stored (item -> (quiz option or None, value or None for "weet ik niet"))."""
    scores = score_response(instrument, answers)
    quiz = score_quiz(instrument, answers)
    response = dict(
        id=random_id(), round_id=round_.id, organisation_id=round_.organisation_id, department=department,
        quiz_total=scores.quiz_total, band=quiz.band_key, skills=scores.skills, leadership=scores.leadership,
        culture=scores.culture, mirror_self=scores.mirror_self, mirror_estimate=scores.mirror_estimate,
        comment=clean_comment(comment),
    )
    stored = {}
    for key, value in answers.items():
        if key.startswith("quiz."):
            stored[key] = (value, instrument.question(key).option(value).score)
        else:
            stored[key] = (None, None if value == DONT_KNOW else int(value))
    return response, stored
