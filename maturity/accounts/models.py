from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from ..models_base import UTCDateTime, created_at_column, utcnow


class User(db.Model):
    __tablename__ = "user"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    #: Stored lower-cased; the unique key that identifies a person across tenants.
    email: so.Mapped[str] = so.mapped_column(sa.String(254), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    #: None until the person accepts their invitation and chooses a password.
    password_hash: so.Mapped[str | None] = so.mapped_column(sa.String(255))
    locale: so.Mapped[str | None] = so.mapped_column(sa.String(5))
    is_platform_admin: so.Mapped[bool] = so.mapped_column(default=False)
    is_deactivated: so.Mapped[bool] = so.mapped_column(default=False)
    created_at: so.Mapped[datetime] = created_at_column()
    last_login_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    #: The TOTP secret of two-step sign-in, sealed under the server key (``accounts.second_factor``).
    totp_secret_sealed: so.Mapped[bytes | None] = so.mapped_column(sa.LargeBinary)
    totp_enabled_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    #: The last time step a code was accepted for: a code is accepted once (no replay).
    totp_last_step: so.Mapped[int | None] = so.mapped_column(sa.BigInteger)

    sessions: so.WriteOnlyMapped[UserSession] = so.relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    #: The raw token of the login session this object was loaded for (not persisted).
    current_session_token = None

    # Flask-Login protocol. get_id returns the per-login session token, never the user id,
    # so that deleting the session row ends that login everywhere the cookie was copied.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return not self.is_deactivated

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str | None:
        return self.current_session_token

    @property
    def has_password(self) -> bool:
        return self.password_hash is not None

    @property
    def has_second_factor(self) -> bool:
        return self.totp_secret_sealed is not None

    def __repr__(self) -> str:
        return f"<User {self.id}>"


class UserSession(db.Model):
    """One login on one device. Logout, password change and deactivation delete rows."""

    __tablename__ = "user_session"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    #: SHA-256 of the token in the cookie: a copy of the database yields no usable cookie.
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: so.Mapped[datetime] = created_at_column()
    last_seen_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    #: When the login ends however active it is: the start plus the shortest "a login ends
    #: after" of the person's consultancies (checked on every request; the nightly retention
    #: applies a period shortened later). None for logins from before this column.
    expires_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())

    user: so.Mapped[User] = so.relationship(back_populates="sessions")


class RecoveryCode(db.Model):
    """A single-use code for signing in without the authenticator app; only its hash is kept."""

    __tablename__ = "recovery_code"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    code_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    used_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
