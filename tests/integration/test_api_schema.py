"""The API against its own OpenAPI document: the document validates, and schemathesis fuzzes
every operation from it (no 5xx; every response, errors included, matches the document: status
codes, content types, bodies, headers). Path ids are drawn from the fuzzer and from real objects
(organisations, a published round with its plan, people), so the happy paths are walked too."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate

from maturity import create_app
from maturity.api import keys
from maturity.extensions import db as _db
from maturity.tenancy.models import OrganisationMembership
from maturity.plans.services import generate_plan, plan_for
from maturity.results.services import round_results
from tests.helpers import filled_round

ALL = ["results:read", "people:manage", "rounds:manage", "actions:manage"]

#: The ids of real objects for the current test, by path parameter.
KNOWN: dict[str, list[int]] = {}


def test_the_openapi_document_is_valid_openapi_3_1(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json
    assert document["openapi"] == "3.1.0"
    validate(document)
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            assert operation.get("summary"), (method, path)
            assert "default" in operation["responses"], (method, path)


def test_the_documentation_page_loads_swagger_ui_from_our_own_files(client):
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    assert b"swagger-ui-bundle.js" in page.data and b"//cdn" not in page.data
    script = client.get("/api/v1/docs/static/swagger-ui-bundle.js")
    assert script.status_code == 200 and script.mimetype == "text/javascript"
    script.close()


@pytest.fixture
def fuzzed_app(app, db, world):
    """The test app, with a published round and its plan among the data the fuzzer reaches."""
    round_ = filled_round(app, world, {"Verkoop": 6}, customers=5)
    with app.test_request_context():
        plan = plan_for(round_) or generate_plan(round_, round_results(round_))
    _db.session.commit()
    KNOWN.clear()
    KNOWN.update(org_id=[world.ours.org.id, world.theirs.org.id], round_id=[round_.id],
                 action_id=[i.id for i in plan.items][:3] or [1], person_id=_memberships(world))
    return app


def _memberships(world) -> list[int]:
    return list(_db.session.scalars(sa.select(OrganisationMembership.id).where(
        OrganisationMembership.organisation_id.in_([world.ours.org.id, world.theirs.org.id]))))


#: One key for every test of this module (each makes it anew: its database is rolled back), so
#: that schemathesis' auth provider, which caches what it gets, always has the right one.
FUZZ_KEY = keys.PREFIX + "fuzz-" + "k" * 40


@pytest.fixture
def api_key(world):
    key, _plain = keys.create_key(world.ours.consultancy, "fuzz", ALL, 30, by=world.ours.consultant)
    key.key_hash = keys.hash_key(FUZZ_KEY)
    _db.session.commit()  # in the tests: a savepoint released, so a refused call's rollback keeps it
    return FUZZ_KEY


#: The document is read once, at collection, from an app of its own (the routes, not the data):
#: schemathesis' lazy fixture loader does not work with this pytest. Calls go to the test app.
#: A request the document allows may still be refused for what JSON Schema cannot say (a round
#: closing before it opens, a segment group the round does not show, a date beyond 2100): 422,
#: with the page's message, is then the right answer; everything else schemathesis checks as it is.
CONFIG = schemathesis.config.SchemathesisConfig.from_dict({"checks": {"positive_data_acceptance": {
    "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "422", "429"]}}})
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", create_app({
    "TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "spec-only-" + "x" * 40,
    "SERVER_NAME": "klantspiegel.local", "TASK_QUEUE_URL": "immediate", "RATELIMIT_STORAGE_URI": "memory://"}),
    config=CONFIG)



@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """Half the time a real object's id instead of the fuzzer's number, where the fuzzer drew a
    valid one (a case that tests an invalid id keeps it)."""
    real = {name: st.sampled_from(KNOWN[name]) for name in path_parameters or () if KNOWN.get(name)}
    valid = all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 2**31 for v in (path_parameters or {}).values())
    if not real or not valid:
        return st.just(path_parameters)
    return st.one_of(st.just(path_parameters), st.fixed_dictionaries({**{k: st.just(v) for k, v in path_parameters.items()}, **real}))


@schema.auth()
class ApiKeyAuth:
    """The key as a client sends it; left out where schemathesis tests a call without one."""

    def get(self, case, context):
        return FUZZ_KEY

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@schema.parametrize()
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_the_api_keeps_the_promises_of_its_document(case, fuzzed_app, api_key):
    case.call_and_validate(app=fuzzed_app)
