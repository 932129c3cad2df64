"""The rounds' jobs: daily reminders (``send_due_reminders`` is also run by ``flask remind``), and
the customer card and a respondent's personal result made into PDFs (``rounds.documents`` asks
for them; ``pdf.documents`` says how). Closing a round is the results' job (``results.jobs``):
closing publishes."""

from __future__ import annotations

import base64
import io

import segno
import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from huey import crontab

from ..extensions import db
from ..i18n import speaking_of
from ..instrument import load_instrument
from ..models_base import utcnow
from ..pdf import documents
from ..tasks import app_periodic_task, app_task, exclusive, huey
from ..tenancy.models import Organisation
from . import links, personal_result
from .inviting import send_reminders
from .models import CustomerCard, Invitation, PersonalResultPdf, Round, RoundStatus

huey.lock_task("reminders")  # registered, so that a starting worker (SQLite) can clear it


@app_periodic_task(crontab(hour="8", minute="0"))
def reminders_job() -> None:
    """Daily at 08:00 UTC (09:00 or 10:00 in the Netherlands)."""
    exclusive("reminders", 3600, send_due_reminders)


def send_due_reminders() -> int:
    """Reminders for every open round; links use BASE_URL."""
    base_url = current_app.config["BASE_URL"] or "http://127.0.0.1:5000"
    total = 0
    with current_app.test_request_context("/", base_url=base_url):
        for round_id in db.session.scalars(sa.select(Round.id).where(Round.status == RoundStatus.OPEN)).all():
            total += send_reminders(db.session.get(Round, round_id))
            db.session.commit()  # per round: the outbox enqueues delivery after each commit
    return total


@app_task()
def render_customer_card(card_id: int, key: str) -> None:
    """The card with the row's link and its QR code, in the row's language."""

    def html() -> str:
        row = db.session.get(CustomerCard, card_id)
        round_ = db.session.get(Round, row.round_id)
        org = db.session.get(Organisation, round_.organisation_id)
        png = io.BytesIO()
        segno.make(row.link, error="m").save(png, kind="png", scale=12, border=2)
        with force_locale(row.language):
            return render_template(
                "pdf/customer_card.html", title=_("How do you experience us?"), org_name=org.name, link=row.link,
                qr="data:image/png;base64," + base64.b64encode(png.getvalue()).decode(),
                closes_on=format_date(round_.closes_on, "long"), lang=row.language, color=None,
                customer_word=org.customer_word)

    documents.make(CustomerCard, card_id, key,
                   lambda beat: {"pdf": documents.pdf_of(html, beat), "created_at": utcnow()})


@app_task()
def render_personal_result(pdf_id: int, key: str) -> None:
    """A respondent's result, opened with their key (sealed on the row for this job, emptied
    whatever happens) and sealed again with it once it is a PDF."""

    def build(beat) -> dict:
        row = db.session.get(PersonalResultPdf, pdf_id)
        if row.sealed_key is None:
            raise LookupError("no result key: ask again")
        result_key = links.unseal_result_key(row.sealed_key)
        invitation = db.session.get(Invitation, row.invitation_id)
        opened = links.unseal_result(result_key, invitation.sealed_result)
        if not opened.get("answers"):
            raise LookupError("the result is no longer there")
        round_ = db.session.get(Round, invitation.round_id)
        org = db.session.get(Organisation, round_.organisation_id)

        def html() -> str:  # in the organisation's word for its customers, as on the respondent's page
            with force_locale(row.language), speaking_of(org.customer_word):
                return render_template("pdf/personal_result.html", **personal_result.pdf_context(
                    load_instrument(round_.instrument_version), opened, row.language, org_name=org.name,
                    round_title=round_.title, submitted_at=invitation.submitted_at))

        return {"sealed_pdf": links.seal_result_pdf(result_key, documents.pdf_of(html, beat)), "created_at": utcnow()}

    documents.make(PersonalResultPdf, pdf_id, key, build, cleared=("sealed_key",))
