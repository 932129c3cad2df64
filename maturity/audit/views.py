"""The audit trail, for those who answer for it: a director sees the organisation's, a
consultant the consultancy's (its clients' included), a platform admin everything."""

from __future__ import annotations

import csv
import io
import json

from flask import Response as HttpResponse
from flask import g, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..i18n import lazy_customer_gettext
from ..utils import neutralise
from ..tenancy.access import CONSULTANT, DIRECTOR, consultancy_blueprint, organisation_blueprint, roles_required
from ..forms_common import page_number
from .services import ACTIONS, entries

org_bp = organisation_blueprint("audit_org", __name__, "/audit")
consultancy_bp = consultancy_blueprint("audit_consultancy", __name__, "/audit")

PAGE_SIZE = 100
CSV_LIMIT = 100_000

LABELS = {
    "login": _l("Signed in"), "login_failed": _l("Failed sign-in"), "logout": _l("Signed out"),
    "account_deactivated": _l("Account deactivated"), "account_reactivated": _l("Account reactivated"),
    "member_added": _l("Person added"), "member_changed": _l("Person changed"), "member_removed": _l("Person removed"),
    "consultant_added": _l("Consultant added"), "consultant_removed": _l("Consultant removed"),
    "round_created": _l("Round created"), "round_settings_changed": _l("Round settings changed"),
    "round_opened": _l("Round opened"), "round_closed": _l("Round closed and published"),
    "results_viewed": _l("Results viewed"), "export_csv": _l("Results downloaded (CSV)"),
    "export_xlsx": _l("Results downloaded (Excel)"), "report_downloaded": _l("Report downloaded (PDF)"),
    "deck_downloaded": _l("Board deck downloaded (PowerPoint)"),
    "data_exported": _l("Own data downloaded"),
    "person_erased": _l("Person erased"),
    "second_factor_enabled": _l("Two-step sign-in turned on"), "second_factor_disabled": _l("Two-step sign-in turned off"),
    "second_factor_reset": _l("Two-step sign-in reset by an administrator"),
    "recovery_codes_renewed": _l("New recovery codes made"),
    "second_factor_policy_changed": _l("Two-step sign-in policy for directors changed"),
    "retention_changed": _l("Retention periods changed"), "retention_purge": _l("Data removed at the end of its retention period"),
    "plan_published": _l("Action plan published to employees"), "plan_unpublished": _l("Action plan hidden from employees"),
    "scim_token_created": _l("Directory token made"), "scim_token_revoked": _l("Directory token revoked"),
    "scim_write": _l("Changed by the directory (SCIM)"), "scim_person_provisioned": _l("Person added by the directory"),
    "scim_person_left": _l("Person left (according to the directory)"),
    "scim_mapping_changed": _l("Segments from the directory changed"),
    "sso_verified": _l("Signed in at the organisation's provider (second step follows)"),
    "sso_refused": _l("Sign-in with the organisation's account refused"),
    "sso_password_refused": _l("Password refused: the organisation's account is required"),
    "sso_settings_changed": _l("Sign-in with the organisation's account changed"),
    "customer_word_changed": _l("Word for customers changed"), "mail_sender_changed": _l("Sender address for mail changed"),
    "consultancy_host_changed": _l("Own host name of the consultancy changed"),
    "api_key_created": _l("API key made"), "api_key_revoked": _l("API key revoked"), "api_call": _l("API call"),
    "member_left": _l("Person left (according to the API)"),
    "round_deleted": _l("Draft round deleted"),
    "webhook_created": _l("Webhook added"), "webhook_changed": _l("Webhook paused or resumed"),
    "webhook_secret_rolled": _l("Webhook given a new secret"), "webhook_deleted": _l("Webhook removed"),
    "webhook_test_sent": _l("Webhook test event sent"), "webhook_redelivered": _l("Webhook event sent again"),
}


#: What the Details column calls objects and facts (the CSV keeps the raw keys).
OBJECTS = {
    "Round": _l("Round"), "User": _l("Person"), "OrganisationMembership": _l("Membership"),
    "ConsultantMembership": _l("Consultant"), "Consultancy": _l("Consultancy"), "Organisation": _l("Organisation"),
}
DETAILS = {
    "min_group_size": _l("minimum group"), "min_customer_group_size": lazy_customer_gettext("minimum customers"),
    "min_comment_group_size": _l("minimum for comments"), "released": _l("responses published"),
    "role": _l("role"), "imported": _l("people imported"), "second_factor": _l("second step"),
    "directors_required": _l("required for directors"), "scope": _l("scope"), "via": _l("via"),
    "retain_answers_months": _l("raw answers (months)"), "retain_personal_results_days": _l("personal results (days)"),
    "retain_mail_days": _l("mail (days)"), "retain_sessions_days": _l("logins (days)"),
    "retain_audit_months": _l("audit trail (months)"), "rounds": _l("rounds"), "responses": _l("responses"),
    "personal_results": _l("personal results"), "mail": _l("messages"), "sessions": _l("logins"),
    "audit_entries": _l("trail entries"), "version": _l("report version"),
    "mailed": _l("people e-mailed the results link"),
}
VALUES = {True: _l("yes"), False: _l("no"), "app": _l("authenticator app"), "recovery_code": _l("recovery code"),
          "account": _l("the account"), "password_reset": _l("password reset")}

#: Signing in with the organisation's account (``maturity.sso``): its facts and reasons.
DETAILS.update({
    "reason": _l("reason"), "provider": _l("provider"), "domain": _l("e-mail domain"), "domains": _l("e-mail domains"),
    "required": _l("required"), "create_accounts": _l("accounts made at sign-in"), "created": _l("account made"),
    "removed": _l("removed"),
})
VALUES.update({
    "sso": _l("the organisation's account"), "provider": _l("the organisation's provider"), "invitation": _l("invitation"),
    "login": _l("sign-in"), "email_unverified": _l("e-mail address not verified"), "domain": _l("e-mail domain not allowed"),
    "no_email": _l("no e-mail address sent"), "no_account": _l("no account"), "other_tenant": _l("account belongs elsewhere too"),
    "deactivated": _l("account deactivated"), "state": _l("state did not match"), "nonce": _l("nonce did not match"),
    "no_flow": _l("no sign-in under way"), "id_token": _l("ID token refused"), "token": _l("code refused by the provider"),
    "provider_error": _l("the provider refused"), "issuer_mismatch": _l("another issuer"),
    "provider_unreachable": _l("provider unreachable"), "not_https": _l("provider not on https"),
    "discovery_incomplete": _l("discovery document incomplete"),
})

#: Webhooks (``maturity.webhooks``): the receiver's host (never its full address, which may hold a token).
DETAILS.update({
    "host": _l("host"), "events": _l("events"), "active": _l("active"), "event": _l("event"),
    "delivery": _l("delivery"), "original": _l("sent before as delivery"),
})
OBJECTS.update({"Webhook": _l("Webhook")})


#: The JSON API (``maturity.api``): a call's method, path and answer; a key's name and scopes.
DETAILS.update({
    "key": _l("API key"), "method": _l("method"), "path": _l("path"), "status": _l("answer"), "label": _l("name"),
    "scopes": _l("scopes"), "expires": _l("expires"), "directory_records": _l("directory records"),
    "title": _l("title"),
})
OBJECTS.update({"ApiKey": _l("API key")})
#: Written as the API keys page numbers its keys ("#3" beside the name), so an entry names its key.
NUMBERED_OBJECTS, NUMBERED_DETAILS = {"ApiKey"}, {"key"}


def describe_entry(entry) -> str:
    """The Details column: the object and the facts of an entry, in the reader's language."""
    parts = []
    if entry.object_type:
        number = f"#{entry.object_id}" if entry.object_type in NUMBERED_OBJECTS and entry.object_id else entry.object_id
        parts.append(f"{OBJECTS.get(entry.object_type, entry.object_type)} {number or ''}".strip())
    for key, value in sorted((entry.detail or {}).items()):
        shown = VALUES.get(value, value) if isinstance(value, (bool, str)) else value
        if key in NUMBERED_DETAILS and isinstance(value, int):
            shown = f"#{value}"
        parts.append(f"{DETAILS.get(key, key)}: {shown}")
    return " · ".join(str(p) for p in parts)


@org_bp.route("/")
@roles_required(DIRECTOR, CONSULTANT)
def org_log():
    return log_page(entries(organisation_id=g.org.id, action=chosen_action()), title=g.org.name,
                    csv_url=url_for("audit_org.org_csv", action=chosen_action()))


@org_bp.route("/export.csv")
@roles_required(DIRECTOR, CONSULTANT)
def org_csv():
    return log_csv(entries(organisation_id=g.org.id, action=chosen_action()), f"audit-{g.org.slug}")


@consultancy_bp.route("/")
def consultancy_log():
    return log_page(entries(consultancy_id=g.consultancy.id, action=chosen_action()), title=g.consultancy.name,
                    csv_url=url_for("audit_consultancy.consultancy_csv", action=chosen_action()))


@consultancy_bp.route("/export.csv")
def consultancy_csv():
    return log_csv(entries(consultancy_id=g.consultancy.id, action=chosen_action()), f"audit-{g.consultancy.slug}")


def chosen_action() -> str | None:
    action = request.args.get("action")
    return action if action in ACTIONS else None


def log_page(query, *, title: str, csv_url: str):
    page = page_number()
    pagination = db.paginate(query, page=page, per_page=PAGE_SIZE, error_out=False)
    return render_template("audit/log.html", pagination=pagination, title=title, csv_url=csv_url,
                           labels=LABELS, action=chosen_action(), actions=ACTIONS, describe=describe_entry)


def log_csv(query, name: str):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(["time (UTC)", "actor", "action", "object", "object id", "organisation id", "detail"])
    for entry in db.session.scalars(query.limit(CSV_LIMIT)):
        writer.writerow([neutralise(v) for v in (
            entry.at.isoformat(timespec="seconds"), entry.actor_email or "", entry.action, entry.object_type or "",
            entry.object_id or "", entry.organisation_id or "", json.dumps(entry.detail, sort_keys=True) if entry.detail else "")])
    return HttpResponse("\ufeff" + buffer.getvalue(), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"', "Cache-Control": "no-store"})
