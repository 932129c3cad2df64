from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from ..models_base import created_at_column


class IdentityProvider(db.Model):
    """A tenant's own OpenID provider (Entra ID, Okta, ...): one per consultancy (for its
    consultants) or per client organisation (for its directors and employees). docs/security.md,
    "Signing in with the organisation's account"."""

    __tablename__ = "identity_provider"
    __table_args__ = (
        sa.CheckConstraint("(consultancy_id IS NULL) <> (organisation_id IS NULL)", name="one_tenant"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    consultancy_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("consultancy.id", ondelete="CASCADE"), unique=True)
    organisation_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), unique=True)
    #: What the button says: "Inloggen met <name>".
    name: so.Mapped[str] = so.mapped_column(sa.String(80))
    #: The issuer as the provider names itself (its discovery document and every ID token).
    issuer: so.Mapped[str] = so.mapped_column(sa.String(300))
    client_id: so.Mapped[str] = so.mapped_column(sa.String(200))
    #: The client secret, sealed under the server key (``sealing``, purpose ``sso-client-secret``).
    client_secret_sealed: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary)
    #: Lower-cased e-mail domains, one per line; each belongs to at most one provider.
    allowed_domains: so.Mapped[str] = so.mapped_column(sa.Text)
    #: A person from an allowed domain with no account yet gets one (organisations only: as an employee).
    create_accounts: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    #: The tenant's people from the allowed domains must sign in here: no password sign-in, no reset link.
    required: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    created_at: so.Mapped[datetime] = created_at_column()

    @property
    def domains(self) -> list[str]:
        return [d for d in self.allowed_domains.split() if d]
