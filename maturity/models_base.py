"""Small shared column helpers."""

from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
import sqlalchemy.orm as so


#: The largest id an integer column holds on every backend (PostgreSQL's INTEGER); a larger
#: number in a URL or a link names nothing (``edge.IdConverter``, ``rounds.links``).
MAX_ID = 2**31 - 1


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(sa.types.TypeDecorator):
    """A timezone-aware UTC timestamp on every backend (SQLite drops tzinfo otherwise)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given to a UTC column")
            value = value.astimezone(timezone.utc)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


def created_at_column() -> so.Mapped[datetime]:
    return so.mapped_column(UTCDateTime(), default=utcnow, nullable=False)


def enum_type(enum_class, name: str) -> sa.Enum:
    """A str-Enum stored as its values in a VARCHAR with a CHECK constraint (same on every backend)."""
    return sa.Enum(enum_class, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e],
                   validate_strings=True, create_constraint=True, name=name)
