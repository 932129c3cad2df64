"""The accounts' job: help with a forgotten password, in the worker (the request that asks
does the same work, and takes the same time, whether or not the account exists)."""

from __future__ import annotations

from flask import current_app

from ..extensions import db
from ..tasks import app_task
from . import services, sign_in_policy


@app_task()
def password_help(email: str, base_url: str) -> None:
    """A reset link for an account with a password; the invitation again for one without."""
    user = services.find_user_by_email(email)
    if user is None or not user.is_active:
        return
    if sign_in_policy.password_barred(user) is not None:
        # Their organisation signs them in with its own provider: a reset link would be a way round it.
        return
    with current_app.test_request_context("/", base_url=base_url):
        if user.has_password:
            services.send_password_reset(user)
        else:  # invited but never activated: the invitation is what they need, naming what it is for
            context, sender, organisation_id = services.invitation_context(user)
            services.send_invitation(user, context=context, sender=sender, organisation_id=organisation_id)
        db.session.commit()
