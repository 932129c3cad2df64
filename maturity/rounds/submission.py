"""The respondent's answers: a sealed draft saved section by section, the segments and the
open question, then the ballot (``submit_response``); and the respondent's opt-out of reminders."""

from __future__ import annotations

import logging

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from ..instrument import load_instrument
from ..models_base import utcnow
from . import ballots, links, segment_answers
from .models import Invitation, RoundStatus
from .questionnaire import COMMENT_KEY, clean_comment, missing
from .services import lock_round

log = logging.getLogger(__name__)


class AlreadySubmitted(Exception):
    pass


class Incomplete(Exception):
    def __init__(self, gaps):
        super().__init__("incomplete")
        self.gaps = gaps


#: The respondent's requests write their invitation with plain statements on the table: no
#: unit of work for one row (``respond.py`` loads it as plain values, tests and the demo as
#: an ORM object; ``_stored`` tells either what was written). The statements are built once:
#: SQLAlchemy then finds their compiled form without working out a cache key per request.
_INVITATION = Invitation.__table__


_NOW = sa.bindparam("now", type_=_INVITATION.c.started_at.type)


_UNSUBMITTED = sa.and_(_INVITATION.c.id == sa.bindparam("invitation_id"), _INVITATION.c.submitted_at.is_(None))


_SAVE_DRAFT = sa.update(_INVITATION).where(_UNSUBMITTED).values(
    sealed_draft=sa.bindparam("draft"), started_at=sa.func.coalesce(_INVITATION.c.started_at, _NOW))


_MARK_SUBMITTED = sa.update(_INVITATION).where(_UNSUBMITTED).values(
    submitted_at=_NOW, sealed_draft=None, sealed_result=sa.bindparam("result"))


def _stored(invitation, **values) -> None:
    """Tell the in-memory invitation what a statement just stored (an ORM object as committed
    state, so that no second UPDATE follows)."""
    is_orm = sa.inspect(invitation, raiseerr=False) is not None
    for name, value in values.items():
        if is_orm:
            so.attributes.set_committed_value(invitation, name, value)
        else:
            setattr(invitation, name, value)


def load_answers(invitation: Invitation, token: str) -> dict[str, str]:
    """The draft: the answers so far, and the answer to the open question under
    ``COMMENT_KEY`` once one was given."""
    return links.unseal(token, invitation.sealed_draft)


def save_answers(invitation, token: str, new_answers: dict[str, str]) -> dict[str, str]:
    """Merge answers into the sealed draft; returns all answers so far. Never after submitting:
    the update is conditional, so a draft saved in a second tab cannot reappear."""
    if invitation.is_submitted:
        raise AlreadySubmitted()
    answers = load_answers(invitation, token)
    answers.update(new_answers)
    return _save_draft(invitation, token, answers)


def save_segments(invitation, token: str, chosen: dict[int, str]) -> dict[str, str]:
    """Keep the respondent's answers about their segments in the sealed draft (segment id ->
    value id as typed; only the organisation's asked segments and their own values are kept)."""
    if invitation.is_submitted:
        raise AlreadySubmitted()
    answers = load_answers(invitation, token)
    for segment in segment_answers.asked_segments(invitation.id):
        key = f"{segment_answers.ASKED_PREFIX}{segment.id}"
        answers.pop(key, None)
        value = chosen.get(segment.id, "")
        if any(str(v.id) == value for v in segment.values):
            answers[key] = value
    return _save_draft(invitation, token, answers)


def save_comment(invitation, token: str, comment: str | None) -> dict[str, str]:
    """Keep the answer to the open question in the sealed draft (cleaned and cut to its
    maximum; an empty one removes it); returns the draft."""
    if invitation.is_submitted:
        raise AlreadySubmitted()
    answers = load_answers(invitation, token)
    answers.pop(COMMENT_KEY, None)
    cleaned = clean_comment(comment)
    if cleaned:
        answers[COMMENT_KEY] = cleaned
    return _save_draft(invitation, token, answers)


def _save_draft(invitation, token: str, answers: dict[str, str]) -> dict[str, str]:
    draft, now = links.seal(token, answers), utcnow()
    saved = db.session.execute(_SAVE_DRAFT, {"invitation_id": invitation.id, "draft": draft, "now": now}).rowcount
    if saved != 1:
        raise AlreadySubmitted()
    _stored(invitation, sealed_draft=draft, started_at=invitation.started_at or now)
    return answers


class RoundNotAccepting(Exception):
    pass


def submit_response(invitation, token: str) -> str:
    """Seal the draft into the ballot box; returns the key of the respondent's own result,
    which only their browser session keeps.

    Exactly once per invitation: the invitation is marked submitted with a conditional update,
    so of a double click, a second tab or parallel retries exactly one gets through and the
    others end in AlreadySubmitted."""
    if invitation.is_submitted:
        raise AlreadySubmitted()
    if lock_round(invitation.round_id) is not RoundStatus.OPEN:
        raise RoundNotAccepting()
    instrument = load_instrument(invitation.round.instrument_version)
    answers = load_answers(invitation, token)
    # The open question's answer travels beside the answers, never among them (it is not scored).
    comment = clean_comment(answers.pop(COMMENT_KEY, None))
    # So do the segments the respondent was asked about (only in the ballot, never on a record).
    asked = {key: answers.pop(key) for key in [k for k in answers if k.startswith(segment_answers.ASKED_PREFIX)]}
    gaps = missing(instrument, answers)
    if gaps:
        raise Incomplete(gaps)
    now = utcnow()
    result_key = links.new_result_key()
    sealed_result = links.seal_result(result_key, {"answers": answers, "comment": comment})
    # One conditional update marks it submitted and stores the own result: of two parallel
    # submits exactly one matches.
    marked = db.session.execute(
        _MARK_SUBMITTED, {"invitation_id": invitation.id, "now": now, "result": sealed_result}).rowcount
    if marked != 1:
        raise AlreadySubmitted()
    _stored(invitation, submitted_at=now, sealed_draft=None, sealed_result=sealed_result)
    # Like the answers, the comment says nothing about who wrote it once released: the ballot
    # holds no person, and the response no time, link or invitation.
    ballots.cast(invitation.round_id, ballots.EMPLOYEE,
                 {"department_id": invitation.department_id, "answers": answers, "comment": comment,
                  "segments": segment_answers.ballot_values(invitation.id, asked)},
                 batch_size=invitation.round.min_group_size)
    log.info("response submitted round=%s", invitation.round_id)  # never who
    return result_key


def opt_out_of_reminders(invitation) -> None:
    db.session.execute(sa.update(_INVITATION).where(_INVITATION.c.id == invitation.id)
                       .values(has_opted_out_of_reminders=True))
    _stored(invitation, has_opted_out_of_reminders=True)
