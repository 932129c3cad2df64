"""Assessment rounds, invitations and the anonymous responses.

Privacy by design (docs/privacy.md):

- A submitted questionnaire goes into the ballot box (``Ballot``): sealed with a key derived
  from the server's secret, with no department, time or person in the clear. The invitation
  only records *that* it was submitted.
- When the round closes, every ballot is opened and released as a ``Response`` in one
  transaction, in random order, and the ballots are deleted. A ``Response`` has no column that
  points at a person, an invitation, a link or a time, and all responses of a round share one
  transaction, so neither row order nor transaction ids line up with invitations.
- Answers in progress are stored on the invitation encrypted with a key derived from the link
  token; the respondent's own result is encrypted with a key that only their browser session
  holds.
"""

from __future__ import annotations

import enum
import secrets
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from ..models_base import UTCDateTime, created_at_column, enum_type, utcnow
from ..pdf.documents import Document
from ..utils import random_id

#: How long a close may take in the worker before the page offers the button again.
CLOSE_TIMEOUT = timedelta(minutes=30)


class RoundStatus(str, enum.Enum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class Round(db.Model):
    __tablename__ = "assessment_round"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    organisation_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    title: so.Mapped[str] = so.mapped_column(sa.String(120))
    opens_on: so.Mapped[date]
    closes_on: so.Mapped[date]
    #: The instrument version the round was created with; its questions never change under it.
    instrument_version: so.Mapped[str] = so.mapped_column(sa.String(16))
    #: Aggregates resting on fewer responses are suppressed. Fixed once the round opens.
    min_group_size: so.Mapped[int] = so.mapped_column(default=5)
    min_comment_group_size: so.Mapped[int] = so.mapped_column(default=10)
    #: The customer mirror's own minimum: customers invited by name need the same protection as
    #: employees, and a mirror from very few customers decides nothing. At least min_group_size.
    min_customer_group_size: so.Mapped[int] = so.mapped_column(default=5, server_default="5")
    status: so.Mapped[RoundStatus] = so.mapped_column(enum_type(RoundStatus, "round_status"), default=RoundStatus.DRAFT)
    #: Empty means every department takes part.
    department_ids: so.Mapped[list[int]] = so.mapped_column(sa.JSON, default=list)
    #: The public customer-mirror link; anyone with it can answer the customer questions.
    customer_token: so.Mapped[str] = so.mapped_column(
        sa.String(43), unique=True, default=lambda: secrets.token_urlsafe(24)
    )
    customer_cap: so.Mapped[int] = so.mapped_column(default=500)
    #: The director can pause the public customer link (e.g. when answers arrive that do not
    #: look like customers'); a paused link accepts nothing until resumed.
    is_customer_link_paused: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    opened_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    closed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    #: Bumped whenever the round's published aggregates (``RoundTally``) change: at release,
    #: and when a rebuild finds them different. Part of the report's cache key.
    results_version: so.Mapped[int] = so.mapped_column(default=0, server_default="0")
    #: When someone asked to close the round; the worker closes it (a large round takes a while).
    close_requested_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    #: Why the worker could not close it ("ballots_unreadable"), until the next request.
    close_problem: so.Mapped[str | None] = so.mapped_column(sa.String(40))
    #: When the retention period removed the raw answers (the tally, and so the results, stay).
    answers_purged_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    created_at: so.Mapped[datetime] = created_at_column()

    @property
    def is_draft(self) -> bool:
        return self.status is RoundStatus.DRAFT

    @property
    def is_open(self) -> bool:
        return self.status is RoundStatus.OPEN

    @property
    def is_closed(self) -> bool:
        return self.status is RoundStatus.CLOSED

    @property
    def is_closing(self) -> bool:
        """Asked to close, and the worker has not finished it yet (a request older than
        ``CLOSE_TIMEOUT`` is taken as lost with its worker: the button comes back)."""
        return (self.status is RoundStatus.OPEN and self.close_requested_at is not None
                and utcnow() - self.close_requested_at < CLOSE_TIMEOUT)

    @property
    def is_published(self) -> bool:
        """Results are published once, when the round closes (docs/privacy.md)."""
        return self.status is RoundStatus.CLOSED

    def is_accepting(self, today: date) -> bool:
        return self.status is RoundStatus.OPEN and self.opens_on <= today <= self.closes_on

    @property
    def published_order(self) -> tuple[datetime, int]:
        """Published rounds in the order their results came out (a round closed before this
        feature kept no time: its end date stands in). Two rounds may share their dates; they
        never share this."""
        when = self.closed_at.replace(tzinfo=None) if self.closed_at else datetime.combine(self.closes_on, time.max)
        return when, self.id


def in_history_order(rounds: list[Round]) -> list[Round]:
    """An organisation's rounds as they happened: the published ones in the order they were
    published, then the rest (open, being closed) in the order they open."""
    published = sorted((r for r in rounds if r.is_published), key=lambda r: r.published_order)
    rest = sorted((r for r in rounds if not r.is_published), key=lambda r: (r.opens_on, r.id))
    return published + rest


def published_up_to(round_: Round, rounds: list[Round]) -> list[Round]:
    """The published rounds up to and including ``round_``, in order: what a report on
    ``round_`` may compare with. A round published later never appears, whatever its dates, so
    a published report says the same after the next round closes."""
    if not round_.is_published:
        return [r for r in in_history_order(rounds) if r.is_published] + [round_]
    return [r for r in in_history_order(rounds) if r.is_published and r.published_order <= round_.published_order]


def previous_published(round_: Round) -> Round | None:
    """The organisation's latest round published before ``round_`` (for an open round: the
    latest published one)."""
    rounds = list(db.session.scalars(sa.select(Round).where(
        Round.organisation_id == round_.organisation_id, Round.status == RoundStatus.CLOSED, Round.id != round_.id)))
    earlier = [r for r in published_up_to(round_, rounds + [round_]) if r.id != round_.id]
    return earlier[-1] if earlier else None


class Invitation(db.Model):
    """One person's invitation to one round. Knows *whether* they finished, never *what*."""
    __tablename__ = "invitation"
    __table_args__ = (sa.UniqueConstraint("round_id", "user_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    round_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("assessment_round.id", ondelete="CASCADE"), index=True)
    organisation_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    user_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    #: The department at the time of inviting, for response rates per department.
    department_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("department.id", ondelete="SET NULL"))
    #: Part of the link's signature; a new nonce revokes the old link.
    nonce: so.Mapped[str] = so.mapped_column(sa.String(16), default=lambda: secrets.token_hex(8))
    #: Answers in progress, encrypted with a key derived from the link token.
    sealed_draft: so.Mapped[bytes | None] = so.mapped_column(sa.LargeBinary)
    #: The respondent's own answers after submitting, encrypted with a key that only the
    #: submitting browser session holds (not the link).
    sealed_result: so.Mapped[bytes | None] = so.mapped_column(sa.LargeBinary)
    started_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    submitted_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    invited_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    last_reminded_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    reminder_count: so.Mapped[int] = so.mapped_column(default=0)
    has_opted_out_of_reminders: so.Mapped[bool] = so.mapped_column(default=False)
    #: When this person was mailed the link to the round's shared results and plan
    #: (``plans.sharing``): at most once per round, however often the plan is published.
    results_shared_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    created_at: so.Mapped[datetime] = created_at_column()

    round: so.Mapped[Round] = so.relationship()
    user = so.relationship("User")

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class Ballot(db.Model):
    """A submitted questionnaire (an employee's, or a customer's) waiting in the ballot box
    until the round closes (``rounds.ballots``).

    ``sealed`` holds the content, padded to one fixed length and encrypted under a key derived
    from the server's secret; the row has nothing else that could tell whose it is. ``batch``
    is None until the ballot has been mixed: rewritten, with the others of its batch, in a
    random order in one transaction."""
    __tablename__ = "ballot"

    id: so.Mapped[str] = so.mapped_column(sa.String(32), primary_key=True, default=random_id)
    round_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("assessment_round.id", ondelete="CASCADE"), index=True)
    #: "employee" or "customer": counted apart (response rate, the customers' cap).
    kind: so.Mapped[str] = so.mapped_column(sa.String(8), default="employee", server_default="employee")
    batch: so.Mapped[int | None]
    sealed: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary)


class Response(db.Model):
    """One employee's released answers, unlinkable to the person (see module docstring)."""
    __tablename__ = "response"
    #: The results read a round's comments on every view: only the responses that have one.
    __table_args__ = (sa.Index("ix_response_commented", "round_id", "id",
                               postgresql_where=sa.text("comment IS NOT NULL"),
                               sqlite_where=sa.text("comment IS NOT NULL")),)

    id: so.Mapped[str] = so.mapped_column(sa.String(32), primary_key=True, default=random_id)
    round_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("assessment_round.id", ondelete="CASCADE"), index=True)
    organisation_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    #: The department's name when the round was published: renaming, merging or deleting
    #: departments afterwards must not change published figures (that would allow differencing).
    department: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    quiz_total: so.Mapped[int]
    band: so.Mapped[str] = so.mapped_column(sa.String(16))
    skills: so.Mapped[float]
    leadership: so.Mapped[float | None]
    culture: so.Mapped[float | None]
    mirror_self: so.Mapped[float | None]
    mirror_estimate: so.Mapped[float | None]
    #: The answer to the optional open question ("what would you change tomorrow so that customers
    #: notice it?"), as typed; shown only from the round's comment minimum, and deleted with the
    #: raw answers at the end of their retention period.
    comment: so.Mapped[str | None] = so.mapped_column(sa.Text)


class ResponseAnswer(db.Model):
    __tablename__ = "response_answer"

    response_id: so.Mapped[str] = so.mapped_column(sa.ForeignKey("response.id", ondelete="CASCADE"), primary_key=True)
    item_key: so.Mapped[str] = so.mapped_column(sa.String(40), primary_key=True)
    #: Quiz answers keep the chosen option ("a"/"b"/"c") and its score in ``value``.
    choice: so.Mapped[str | None] = so.mapped_column(sa.String(2))
    #: None for "weet ik niet / niet van toepassing".
    value: so.Mapped[int | None]


class CustomerInvitation(db.Model):
    """A customer invited by e-mail with a personal, single-use link to the customer questions.

    The address is needed only to send the link: it is erased when the round closes. The
    response does not point back here (customers stay anonymous); it only records that it came
    through a personal link, so the results can say how many did."""
    __tablename__ = "customer_invitation"
    __table_args__ = (sa.UniqueConstraint("round_id", "email"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    round_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("assessment_round.id", ondelete="CASCADE"), index=True)
    organisation_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    email: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    nonce: so.Mapped[str] = so.mapped_column(sa.String(16), default=lambda: secrets.token_hex(8))
    #: The service the customer dealt with, when the director said so: their answers count for it.
    service_value_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("segment_value.id", ondelete="SET NULL"))
    invited_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    used_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())

    round: so.Mapped[Round] = so.relationship()


class CustomerResponse(db.Model):
    __tablename__ = "customer_response"

    id: so.Mapped[str] = so.mapped_column(sa.String(32), primary_key=True, default=random_id)
    round_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("assessment_round.id", ondelete="CASCADE"), index=True)
    organisation_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    language: so.Mapped[str] = so.mapped_column(sa.String(5))
    #: "public" (the round's open link) or "personal" (a single-use invitation).
    source: so.Mapped[str] = so.mapped_column(sa.String(8), default="public", server_default="public")
    mirror_customer: so.Mapped[float | None]
    comment: so.Mapped[str | None] = so.mapped_column(sa.Text)


class CustomerArrival(db.Model):
    """How many customers answered on a day (counts only), so the director sees when the public
    link was used. Kept apart from the responses: a response carries no date, which together
    with a personal link's use would point at the customer."""
    __tablename__ = "customer_arrival"

    round_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("assessment_round.id", ondelete="CASCADE"), primary_key=True)
    day: so.Mapped[date] = so.mapped_column(primary_key=True)
    n: so.Mapped[int] = so.mapped_column(default=0)


class CustomerAnswer(db.Model):
    __tablename__ = "customer_answer"

    customer_response_id: so.Mapped[str] = so.mapped_column(
        sa.ForeignKey("customer_response.id", ondelete="CASCADE"), primary_key=True
    )
    item_key: so.Mapped[str] = so.mapped_column(sa.String(40), primary_key=True)
    value: so.Mapped[int | None]


class RoundTally(db.Model):
    """The round's published aggregates, written once when the round's responses are released
    (``results.tally``): counts, sums and sums of squares per group and key. Every results
    surface reads these rows, never the answers, so their cost does not depend on the number
    of responses. ``flask rebuild-tallies`` recomputes them from the raw answers."""
    __tablename__ = "round_tally"

    round_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("assessment_round.id", ondelete="CASCADE"), primary_key=True)
    #: "" the whole round; "d:<name>" a department, "d" the responses without one; "c" the
    #: customers; "a:<section>" what Cronbach's alpha of a scale needs.
    grp: so.Mapped[str] = so.mapped_column(sa.String(130), primary_key=True)
    key: so.Mapped[str] = so.mapped_column(sa.String(80), primary_key=True)
    n: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    #: Exact: sums of whole numbers, or correctly rounded sums (``math.fsum``) of scores.
    total: so.Mapped[float] = so.mapped_column(sa.Float(precision=53), default=0.0)
    squares: so.Mapped[float] = so.mapped_column(sa.Float(precision=53), default=0.0)


class CustomerCard(Document, db.Model):
    """The card to print with the customer link's QR code (a PDF) per round and language, made by
    the worker (``pdf.documents``); served while its key (the link, the organisation's name, the
    closing date, the language, the code) is the same."""
    __tablename__ = "customer_card"
    __table_args__ = (sa.UniqueConstraint("round_id", "language"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    round_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("assessment_round.id", ondelete="CASCADE"), index=True)
    language: so.Mapped[str] = so.mapped_column(sa.String(5))
    #: The customer link on the card, as the round's page shows it (the worker has no request
    #: to build it from).
    link: so.Mapped[str] = so.mapped_column(sa.String(500))
    key: so.Mapped[str] = so.mapped_column(sa.String(64))
    pdf: so.Mapped[bytes | None] = so.mapped_column(sa.LargeBinary, deferred=True)
    created_at: so.Mapped[datetime] = created_at_column()


class PersonalResultPdf(Document, db.Model):
    """A respondent's personal result as a PDF, made by the worker and sealed as the result itself
    is: with the respondent's own result key, which only their browser session holds. The worker
    gets that key sealed under the server's key (``sealed_key``) for as long as it needs it:
    emptied when the PDF is made or has failed. Deleted with the result it was made from (the
    nightly purge, an erasure): it is never kept longer than the personal result."""
    __tablename__ = "personal_result_pdf"
    DATA = "sealed_pdf"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    invitation_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("invitation.id", ondelete="CASCADE"), unique=True)
    language: so.Mapped[str] = so.mapped_column(sa.String(5))
    key: so.Mapped[str] = so.mapped_column(sa.String(64))
    sealed_key: so.Mapped[bytes | None] = so.mapped_column(sa.LargeBinary)
    sealed_pdf: so.Mapped[bytes | None] = so.mapped_column(sa.LargeBinary, deferred=True)
    created_at: so.Mapped[datetime] = created_at_column()
