"""The rounds' documents, made by the worker like the board report (``pdf.documents``): the card
to print with the customer link's QR code, and a respondent's personal result as a PDF. Each is
read as it stands (a GET) or asked for (a POST: ``request_*``); the jobs are in ``rounds.jobs``.

The personal result stays the respondent's own. Its row is found from the invitation in the
browser session that holds the result key; the worker gets that key sealed under the server's
key for as long as it needs it; the PDF is sealed with the respondent's key, so that only their
session opens it; and it goes with the result (``privacy.retention``, an erasure)."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
import sqlalchemy as sa

from ..extensions import db
from ..pdf import documents
from ..pdf.documents import Wanted
from ..tasks import enqueue
from ..tenancy.models import Organisation
from . import links
from .jobs import render_customer_card, render_personal_result
from .models import CustomerCard, Invitation, PersonalResultPdf, Round

# The customer card -----------------------------------------------------------------------------


def _organisation(org: Organisation) -> list:
    """The organisation as a card shows it: every plain column (its name, its word for its
    customers, ...), so that a change to any of them makes a new card."""
    return [(column.key, str(getattr(org, column.key))) for column in Organisation.__table__.columns
            if not isinstance(column.type, sa.LargeBinary)]


def card_key(round_: Round, link: str, language: str) -> str:
    org = db.session.get(Organisation, round_.organisation_id)
    return documents.key_of(["customer-card", round_.id, link, language, str(round_.closes_on), _organisation(org)])


def _card_row(round_id: int, language: str) -> CustomerCard | None:
    return db.session.scalar(sa.select(CustomerCard).where(CustomerCard.round_id == round_id,
                                                           CustomerCard.language == language))


def card(round_: Round, link: str, language: str) -> Wanted:
    """The card with ``link`` (the customer link as the round's page shows it), read only."""
    return documents.wanted(_card_row(round_.id, language), card_key(round_, link, language))


def request_card(round_: Round, link: str, language: str) -> Wanted:
    """A POST asks for the card (``documents.ask``): made by the worker unless ready or being made."""
    key = card_key(round_, link, language)
    row = _card_row(round_.id, language)
    if row is None:
        row = CustomerCard(round_id=round_.id, language=language, link=link, key=key)
        db.session.add(row)
    if documents.ask(row, key):
        row.link = link
        try:
            db.session.flush()
        except sa.exc.IntegrityError:  # a second request for the same card won the race
            db.session.rollback()
            return documents.wanted(_card_row(round_.id, language), key)
        enqueue(render_customer_card, row.id, key)
    return documents.wanted(row, key)


# The personal result ---------------------------------------------------------------------------


def personal_key(invitation, language: str) -> str:
    """What the PDF is made from: the sealed result (as a digest: what it holds is not known
    here), the language, and what else it shows. ``invitation``: the respondent's, with its
    ``round`` and ``org`` (``respond.HeldInvitation``)."""
    return documents.key_of([
        "personal-result", invitation.id, hashlib.sha256(invitation.sealed_result or b"").hexdigest(), language,
        invitation.org.name, invitation.org.customer_word, invitation.round.title, invitation.round.instrument_version,
        str(invitation.submitted_at)])


def _personal_row(invitation_id: int) -> PersonalResultPdf | None:
    return db.session.scalar(sa.select(PersonalResultPdf).where(PersonalResultPdf.invitation_id == invitation_id))


def personal_pdf(invitation, language: str) -> Wanted:
    """The respondent's PDF in ``language``, read only."""
    return documents.wanted(_personal_row(invitation.id), personal_key(invitation, language))


def request_personal_pdf(invitation, result_key: str, language: str) -> Wanted:
    """A POST from the respondent's own session asks for their PDF: the worker gets their result
    key sealed under the server's key, until it has made the PDF."""
    key = personal_key(invitation, language)
    row = _personal_row(invitation.id)
    if row is None:
        row = PersonalResultPdf(invitation_id=invitation.id, language=language, key=key)
        db.session.add(row)
    if documents.ask(row, key):
        row.language, row.sealed_key = language, links.seal_result_key(result_key)
        try:
            db.session.flush()
        except sa.exc.IntegrityError:  # the same respondent asked twice at once
            db.session.rollback()
            return documents.wanted(_personal_row(invitation.id), key)
        enqueue(render_personal_result, row.id, key)
    return documents.wanted(row, key)


def personal_pdf_file(wanted: Wanted, result_key: str | None) -> bytes | None:
    """The ready PDF, opened with the session's result key (None: not this session's)."""
    return links.unseal_result_pdf(result_key, wanted.row.sealed_pdf) if wanted.ready else None


#: A result key the worker has not emptied after this long (its job was lost and nobody asked
#: again) is emptied by the nightly purge.
RESULT_KEY_KEPT = timedelta(hours=1)


def forget_personal_pdfs(now: datetime, organisation_ids=None) -> int:
    """The personal PDFs whose result is gone (the retention period passed, an erasure) go with
    it, and a result key left behind by a lost job is emptied (of ``organisation_ids``, a list or
    a subquery, or everywhere). Returns how many PDFs went."""
    invitations = sa.select(Invitation.id)
    if organisation_ids is not None:
        invitations = invitations.where(Invitation.organisation_id.in_(organisation_ids))
    gone = db.session.execute(sa.delete(PersonalResultPdf).where(PersonalResultPdf.invitation_id.in_(
        invitations.where(Invitation.sealed_result.is_(None))))).rowcount
    db.session.execute(sa.update(PersonalResultPdf).where(
        PersonalResultPdf.sealed_key.is_not(None), PersonalResultPdf.requested_at < now - RESULT_KEY_KEPT)
        .values(sealed_key=None).execution_options(synchronize_session=False))
    return gone
