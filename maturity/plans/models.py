"""The action plan of a round: generated proposals the director can edit, plus own items."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import force_locale
from flask_babel import gettext as _

from ..extensions import db
from ..models_base import UTCDateTime, created_at_column, enum_type, utcnow


class ItemStatus(str, enum.Enum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"

    @property
    def label(self) -> str:

        return {"open": _("To do"), "in_progress": _("In progress"), "done": _("Done")}[self.value]

    def label_in(self, lang: str) -> str:
        """The label in a given language (for generated texts that keep both)."""
        with force_locale(lang):
            return self.label


class ActionPlan(db.Model):
    __tablename__ = "action_plan"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    round_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("assessment_round.id", ondelete="CASCADE"), unique=True)
    organisation_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    #: Published plans are visible, read-only, to the organisation's employees.
    is_published: so.Mapped[bool] = so.mapped_column(default=False)
    generated_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    #: The consultant's own words for the board, in the report's summary.
    commentary: so.Mapped[str | None] = so.mapped_column(sa.Text)
    #: The language it was written in ("nl", "en"): a report in the other language says so.
    commentary_language: so.Mapped[str | None] = so.mapped_column(sa.String(5))
    #: When the plan was first published to employees: every invitee of the round was mailed
    #: the link to the shared results (``plans.sharing``), which expires some time after this.
    shared_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    #: Part of that link's signature (the link names the round and nothing else, so it is the
    #: same for everyone); a new nonce revokes it.
    share_nonce: so.Mapped[str | None] = so.mapped_column(sa.String(32))
    created_at: so.Mapped[datetime] = created_at_column()
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    items: so.Mapped[list[ActionItem]] = so.relationship(
        back_populates="plan", order_by="ActionItem.position", cascade="all, delete-orphan"
    )


class ActionItem(db.Model):
    __tablename__ = "action_item"
    __table_args__ = (sa.UniqueConstraint("plan_id", "rule_key"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    plan_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("action_plan.id", ondelete="CASCADE"), index=True)
    organisation_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    #: The rule that proposed it (None for items the director added).
    rule_key: so.Mapped[str | None] = so.mapped_column(sa.String(80))
    #: The rule's texts in every language: {"title": {"nl": …, "en": …}, "description": …, "finding": …}.
    generated: so.Mapped[dict | None] = so.mapped_column(sa.JSON)
    #: The director's own words; when set they replace the generated text in every language.
    title: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    description: so.Mapped[str | None] = so.mapped_column(sa.Text)
    finding: so.Mapped[str | None] = so.mapped_column(sa.Text)
    owner: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    due_on: so.Mapped[date | None]
    status: so.Mapped[ItemStatus] = so.mapped_column(enum_type(ItemStatus, "item_status"), default=ItemStatus.OPEN)
    position: so.Mapped[int] = so.mapped_column(default=0)
    #: An item the director removed: kept in its place, so that the removal can be undone and
    #: regenerating does not bring a suggestion back.
    is_removed: so.Mapped[bool] = so.mapped_column(default=False)
    #: Not continued in the next round's plan, and why: the director's recorded decision.
    stop_reason: so.Mapped[str | None] = so.mapped_column(sa.String(300))
    created_at: so.Mapped[datetime] = created_at_column()
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    plan: so.Mapped[ActionPlan] = so.relationship(back_populates="items")

    @property
    def is_generated(self) -> bool:
        return self.rule_key is not None

    @property
    def is_edited(self) -> bool:
        """A suggestion whose text the director rewrote (their words replace it in every language)."""
        return self.is_generated and (self.title is not None or self.description is not None)

    @property
    def origin(self) -> str:
        """Where the action stands, as the plan says it: "own" (the director's own action),
        "continued" (an unfinished action of the previous round, taken into this plan),
        "edited" (a suggestion whose text, owner or due date the director has set) or
        "suggested" (as generated)."""
        if not self.is_generated:
            return "continued" if (self.generated or {}).get("adopted_from") else "own"
        return "edited" if self.is_edited or self.owner or self.due_on else "suggested"

    @property
    def origin_label(self) -> str:

        return {"own": _("own action"), "continued": _("continued"), "edited": _("edited"),
                "suggested": _("suggested")}[self.origin]

    def suggestion(self, field: str, lang: str) -> str:
        """A generated suggestion without a column of its own: the owner role, the target."""
        value = (self.generated or {}).get(field)
        return (value.get(lang) or value.get("nl") or "") if isinstance(value, dict) else ""

    @property
    def starts_later(self) -> bool:
        """Proposed for after the first focus areas (not everything at once), until the director
        starts it or gives it a date of their own."""
        return bool((self.generated or {}).get("later")) and self.status is ItemStatus.OPEN and self.due_on is None

    @property
    def suggested_due(self) -> date | None:
        value = (self.generated or {}).get("due")
        try:
            return date.fromisoformat(value) if value else None
        except (TypeError, ValueError):
            return None

    def text(self, field: str, lang: str) -> str:
        own = getattr(self, field)
        if own:
            return own
        generated = (self.generated or {}).get(field) or {}
        return generated.get(lang) or generated.get("nl") or ""
