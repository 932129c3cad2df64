from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from ..models_base import created_at_column, enum_type

if TYPE_CHECKING:  # the tenants are below the accounts in the house; the relationship is by name
    from ..accounts.models import User


class Consultancy(db.Model):
    __tablename__ = "consultancy"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    #: The tenant key in URLs (/c/<slug>/…); never reused.
    slug: so.Mapped[str] = so.mapped_column(sa.String(80), unique=True)
    #: Its own host name (e.g. spiegel.koersenklant.nl), set by a platform admin once DNS and TLS
    #: are in place: the app answers on it for this consultancy only, in its name, and the links in
    #: its clients' mails and on its QR cards use it (``tenancy.hosts``).
    host: so.Mapped[str | None] = so.mapped_column(sa.String(253), unique=True)
    #: House colour for the PDF cover, as #rrggbb.
    primary_color: so.Mapped[str] = so.mapped_column(sa.String(7), default="#00695c", server_default="#00695c")
    #: PNG or JPEG, at most 300 KB, checked by its first bytes (never SVG: it could carry script).
    logo: so.Mapped[bytes | None] = so.mapped_column(sa.LargeBinary, deferred=True)
    logo_mimetype: so.Mapped[str | None] = so.mapped_column(sa.String(32))
    #: Its own sender address for mail (``mail.branding``); None: the platform's
    #: (MAIL_DEFAULT_SENDER). Only once its domain lets the platform send for it (SPF/DKIM,
    #: docs/deploy.md), or the mail lands in spam.
    mail_sender: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    #: Directors of this consultancy's clients must sign in with a second factor too
    #: (consultants and platform admins always must).
    requires_director_second_factor: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    # Retention (``tenancy.retention``, enforced by ``privacy.retention``): how long each kind of data about this consultancy's
    # clients is kept; the nightly purge removes what is older. Defaults in docs/privacy.md.
    #: Raw answers (employees' and customers', with the customers' comments) after a round closes;
    #: the round's aggregates stay, so its results, report and progress keep working.
    retain_answers_months: so.Mapped[int] = so.mapped_column(default=24, server_default="24")
    #: The respondents' own results (and unsent drafts) after a round closes.
    retain_personal_results_days: so.Mapped[int] = so.mapped_column(default=90, server_default="90")
    #: Addresses and texts of sent mail.
    retain_mail_days: so.Mapped[int] = so.mapped_column(default=30, server_default="30")
    #: A login session, however active, ends after this many days.
    retain_sessions_days: so.Mapped[int] = so.mapped_column(default=30, server_default="30")
    #: Entries of the audit trail.
    retain_audit_months: so.Mapped[int] = so.mapped_column(default=24, server_default="24")
    created_at: so.Mapped[datetime] = created_at_column()

    organisations: so.WriteOnlyMapped[Organisation] = so.relationship(back_populates="consultancy")

    @property
    def has_logo(self) -> bool:
        return self.logo_mimetype is not None


class ConsultantMembership(db.Model):
    """A consultant sees every client organisation of the consultancy."""

    __tablename__ = "consultant_membership"
    __table_args__ = (sa.UniqueConstraint("consultancy_id", "user_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    consultancy_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("consultancy.id", ondelete="CASCADE"), index=True
    )
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    #: The name as the inviter typed it; shown instead of the account's own name, so that
    #: inviting an address never reveals how another tenant knows that person.
    name: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    created_at: so.Mapped[datetime] = created_at_column()

    consultancy: so.Mapped[Consultancy] = so.relationship()
    user: so.Mapped["User"] = so.relationship("User")

    @property
    def display_name(self) -> str:
        return self.name or self.user.name

    @property
    def is_pending(self) -> bool:
        """Not logged in since being added (per membership, so other tenants' use is not revealed)."""
        return self.user.last_login_at is None or self.user.last_login_at < self.created_at


class Organisation(db.Model):
    __tablename__ = "organisation"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    consultancy_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("consultancy.id", ondelete="RESTRICT"), index=True
    )
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    #: The tenant key in URLs (/o/<slug>/…); never reused.
    slug: so.Mapped[str] = so.mapped_column(sa.String(80), unique=True)
    sector: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    #: The organisation's own names for who owns which kind of action ("board", "managers",
    #: "teams", "hr", "service" -> e.g. "MT", "P&O"); the plan suggests owners only from these.
    owner_roles: so.Mapped[dict | None] = so.mapped_column(sa.JSON)
    #: The client's own logo, beside the consultancy's on the report's cover (PNG or JPEG).
    logo: so.Mapped[bytes | None] = so.mapped_column(sa.LargeBinary, deferred=True)
    logo_mimetype: so.Mapped[str | None] = so.mapped_column(sa.String(32))
    #: Its word for its customers (``i18n.CUSTOMER_WORDS``: klant, inwoner, huurder, …): every
    #: page, question, mail and report about its customers speaks of them so
    #: (``i18n.customer_gettext``, the catalogue's message contexts).
    customer_word: so.Mapped[str] = so.mapped_column(sa.String(16), default="klant", server_default="klant")
    created_at: so.Mapped[datetime] = created_at_column()

    consultancy: so.Mapped[Consultancy] = so.relationship(back_populates="organisations")

    @property
    def has_logo(self) -> bool:
        return self.logo_mimetype is not None


class Department(db.Model):
    __tablename__ = "department"
    __table_args__ = (sa.UniqueConstraint("organisation_id", "name"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    organisation_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    name: so.Mapped[str] = so.mapped_column(sa.String(80))


class OrgRole(str, enum.Enum):
    DIRECTOR = "director"
    EMPLOYEE = "employee"


class OrganisationMembership(db.Model):
    __tablename__ = "organisation_membership"
    __table_args__ = (sa.UniqueConstraint("organisation_id", "user_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    organisation_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    role: so.Mapped[OrgRole] = so.mapped_column(enum_type(OrgRole, "org_role"))
    department_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("department.id", ondelete="SET NULL"), index=True
    )
    #: See ConsultantMembership.name.
    name: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    created_at: so.Mapped[datetime] = created_at_column()

    organisation: so.Mapped[Organisation] = so.relationship()
    user: so.Mapped["User"] = so.relationship("User")
    department: so.Mapped[Department | None] = so.relationship()

    @property
    def is_director(self) -> bool:
        return self.role is OrgRole.DIRECTOR

    display_name = ConsultantMembership.display_name
    is_pending = ConsultantMembership.is_pending
