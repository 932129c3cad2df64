"""The organisations a key reaches."""

from __future__ import annotations

from flask import g

from ..tenancy.access import key_organisation, key_select
from ..tenancy.models import Organisation
from .auth import blueprint, page
from .schemas import OrganisationPage, OrganisationSchema, PageArgs

blp = blueprint("organisations", "Client organisations: all of a consultancy's for its key, one for an organisation's.")


@blp.get("/organisations")
@blp.arguments(PageArgs, location="query")
@blp.response(200, OrganisationPage)
def list_organisations(args):
    """The organisations this key reaches, oldest first."""
    items, cursor = page(key_select(g.api_key, Organisation), Organisation.id, args)
    return {"items": items, "next_cursor": cursor}


@blp.get("/organisations/<int:org_id>")
@blp.response(200, OrganisationSchema)
def get_organisation(org_id: int):
    """One organisation."""
    return key_organisation(g.api_key, org_id)
