"""Recording and reading the audit trail. ``record`` adds the entry to the current
transaction, so it is stored exactly when the action it describes is."""

from __future__ import annotations

import sqlalchemy as sa
from flask import has_request_context
from flask_login import current_user

from ..extensions import db
from ..tenancy.models import Organisation
from .models import AuditEntry

#: What is audited, with a label for the log page (translated there).
ACTIONS = (
    "login", "login_failed", "logout", "account_deactivated", "account_reactivated",
    "member_added", "member_changed", "member_removed", "consultant_added", "consultant_removed",
    "round_created", "round_settings_changed", "round_opened", "round_closed",
    "results_viewed", "export_csv", "export_xlsx", "report_downloaded", "deck_downloaded", "data_exported", "person_erased",
    "second_factor_enabled", "second_factor_disabled", "second_factor_reset", "recovery_codes_renewed",
    "second_factor_policy_changed", "retention_changed", "retention_purge",
    "plan_published", "plan_unpublished",
    "scim_token_created", "scim_token_revoked", "scim_write", "scim_person_provisioned", "scim_person_left",
    "scim_mapping_changed",
    "sso_verified", "sso_refused", "sso_password_refused", "sso_settings_changed",
    "customer_word_changed", "mail_sender_changed", "consultancy_host_changed",
    "webhook_created", "webhook_changed", "webhook_secret_rolled", "webhook_deleted", "webhook_test_sent",
    "webhook_redelivered",
    "api_key_created", "api_key_revoked", "api_call", "member_left",
    "round_deleted",
)


def record(action: str, *, organisation_id: int | None = None, consultancy_id: int | None = None,
           obj=None, actor=None, **detail) -> AuditEntry:
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    if actor is None and has_request_context() and current_user and current_user.is_authenticated:
        actor = current_user
    if organisation_id is not None and consultancy_id is None:

        consultancy_id = db.session.scalar(sa.select(Organisation.consultancy_id).where(Organisation.id == organisation_id))
    entry = AuditEntry(action=action, organisation_id=organisation_id, consultancy_id=consultancy_id,
                       actor_id=getattr(actor, "id", None), actor_email=getattr(actor, "email", None),
                       object_type=type(obj).__name__ if obj is not None else None,
                       object_id=getattr(obj, "id", None), detail=detail or None)
    db.session.add(entry)
    return entry


def entries(*, organisation_id: int | None = None, consultancy_id: int | None = None, action: str | None = None):
    """The trail a viewer may see, newest first: an organisation's, a consultancy's (its clients'
    included), or everything (admins)."""
    query = sa.select(AuditEntry).order_by(AuditEntry.id.desc())
    if organisation_id is not None:
        query = query.where(AuditEntry.organisation_id == organisation_id)
    elif consultancy_id is not None:
        query = query.where(AuditEntry.consultancy_id == consultancy_id)
    if action in ACTIONS:
        query = query.where(AuditEntry.action == action)
    return query
