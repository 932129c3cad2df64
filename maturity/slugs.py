from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa

from .extensions import db


def slugify(text: str, max_length: int = 60) -> str:
    normalised = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", normalised.lower()).strip("-")
    return slug[:max_length].strip("-") or "org"


def unique_slug(model, text: str) -> str:
    """A slug for ``text`` not yet used by ``model`` (appends -2, -3, …)."""
    base = slugify(text)
    taken = set(db.session.scalars(sa.select(model.slug).where(model.slug.like(f"{base}%"))))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"
