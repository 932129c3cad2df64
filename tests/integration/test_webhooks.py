"""Webhooks, tested as a receiver would: a real HTTP listener on 127.0.0.1 receives the signed
events, checks them with ``signing.verify`` and refuses a replay; retries with backoff, a
timeout, the SSRF rule at registration and at delivery, tenant isolation, the page's buttons
and its delivery log."""

from __future__ import annotations

import ipaddress
import json
import re
import socket
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from maturity.audit.models import AuditEntry
from maturity.extensions import db
from maturity.models_base import utcnow
from maturity.plans import services as plans
from maturity.results.services import round_results
from maturity.rounds import services as rounds
from maturity.webhooks import delivery as deliveries
from maturity.webhooks import jobs, services, targets
from maturity.webhooks.models import DeliveryStatus, Webhook, WebhookDelivery
from maturity.webhooks.signing import SignatureError, sign, verify
from tests.conftest import sign_in

from ..helpers import filled_round

SECRET_ON_PAGE = re.compile(r'id="new-secret" type="text" readonly value="([^"]+)"')

#: What every payload holds, and no more: thin and confidential by construction.
ENVELOPE = {"id", "type", "created", "organisation", "data"}


class Receiver:
    """A receiving system: records every request; answers with the next of ``answers`` (200
    when none are left), after ``delay`` seconds."""

    def __init__(self):
        self.requests: list[dict] = []
        self.answers: list[int] = []
        self.delay = 0.0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                if receiver.delay:
                    time.sleep(receiver.delay)
                status = receiver.answers.pop(0) if receiver.answers else 200
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:
                    pass  # the sender gave up waiting (the timeout test)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/klantspiegel?source=test"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def event(self, n: int = -1) -> dict:
        return json.loads(self.requests[n]["body"])


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.stop()


@pytest.fixture
def no_private_targets(app, monkeypatch):
    """Production's rule: private addresses refused (the tests' config allows them)."""
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_PRIVATE_TARGETS", False)


def _register(client, base: str, url: str, events: list[str]):
    return client.submit(f"{base}/webhooks/", {"url": url, "events": events})


def _register_ok(client, base, url, events) -> tuple[Webhook, str]:
    response = _register(client, base, url, events)
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page[-2000:]
    secret = SECRET_ON_PAGE.search(page).group(1)
    hook = db.session.scalars(sa.select(Webhook).order_by(Webhook.id.desc())).first()
    return hook, secret


def _org_hook(world, url, events, org=None) -> tuple[Webhook, str]:
    return services.create_webhook(url=url, event_types=events, organisation_id=(org or world.ours.org).id)


def _deliveries(hook: Webhook) -> list[WebhookDelivery]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(WebhookDelivery).where(WebhookDelivery.webhook_id == hook.id)
                                   .order_by(WebhookDelivery.id)))


def _make_due(delivery: WebhookDelivery) -> None:
    """As if the backoff's wait were over."""
    db.session.execute(sa.update(WebhookDelivery).where(WebhookDelivery.id == delivery.id)
                       .values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    db.session.flush()


# The signed event, as a receiver gets it ----------------------------------------------------


def test_a_published_round_reaches_the_receiver_signed_and_a_replay_is_refused(app, world, make_client, receiver):
    client = make_client()
    sign_in(client, world.ours.director)
    base = f"/o/{world.ours.org.slug}"
    hook, secret = _register_ok(client, base, receiver.url, ["round.published"])
    assert secret.startswith("whsec_") and hook.organisation_id == world.ours.org.id
    assert secret.encode() not in hook.secret_sealed  # sealed at rest
    assert secret not in client.get(f"{base}/webhooks/").get_data(as_text=True)  # shown once

    round_ = filled_round(app, world, {"Wonen": 6}, close=False)
    assert receiver.requests == []  # opening was not asked for
    # The real publication path: the director's button, the worker's close, the signal, the delivery.
    response = client.submit(f"{base}/rounds/{round_.id}/close")
    assert response.status_code == 302
    db.session.expire_all()
    assert round_.is_closed

    assert len(receiver.requests) == 1
    received = receiver.requests[0]
    body, headers = received["body"], received["headers"]
    assert received["path"] == "/hooks/klantspiegel?source=test"
    assert headers["Klantspiegel-Event"] == "round.published"
    assert headers["Content-Type"] == "application/json"
    timestamp = verify(secret, headers["Klantspiegel-Signature"], body)
    assert abs(timestamp - time.time()) < 60

    event = json.loads(body)
    assert set(event) == ENVELOPE
    assert event["type"] == "round.published"
    assert event["organisation"] == {"id": world.ours.org.id, "slug": world.ours.org.slug, "name": world.ours.org.name}
    assert event["data"] == {"object": "round", "id": round_.id, "state": "published",
                             "url": f"http://klantspiegel.local/api/v1/rounds/{round_.id}/results"}
    assert app.url_map.bind("klantspiegel.local").match(f"/api/v1/rounds/{round_.id}/results")[0] == "api_results.get_results"
    (sent,) = _deliveries(hook)
    assert headers["Klantspiegel-Delivery"] == str(sent.id)
    assert (sent.status, sent.attempts, sent.last_status_code, sent.event_id) == (DeliveryStatus.DELIVERED, 1, 200, event["id"])

    # A replay: the same body and header after the tolerance, a changed body, another secret.
    with pytest.raises(SignatureError, match="tolerance"):
        verify(secret, headers["Klantspiegel-Signature"], body, now=timestamp + 301)
    with pytest.raises(SignatureError, match="does not match"):
        verify(secret, headers["Klantspiegel-Signature"], body.replace(b"published", b"opened"))
    with pytest.raises(SignatureError, match="does not match"):
        verify("whsec_another", headers["Klantspiegel-Signature"], body)
    with pytest.raises(SignatureError):
        verify(secret, "v1=" + headers["Klantspiegel-Signature"].split("v1=")[1], body)  # no timestamp
    with pytest.raises(SignatureError):
        verify(secret, f"t={timestamp}", body)  # no signature
    # A timestamp moved into the tolerance, without the secret, cannot be signed anew.
    forged = f"t={timestamp + 200},v1=" + headers["Klantspiegel-Signature"].split("v1=")[1]
    with pytest.raises(SignatureError, match="does not match"):
        verify(secret, forged, body, now=timestamp + 250)

    # Delivered is delivered: the job does not send it again.
    assert jobs.deliver_webhook.call_local(sent.id) == "skipped"
    assert len(receiver.requests) == 1


def test_sign_and_verify_agree_and_accept_any_matching_v1():
    body = b'{"a":1}'
    header = sign("whsec_x", body, timestamp=1_700_000_000)
    assert verify("whsec_x", header, body, now=1_700_000_100) == 1_700_000_000
    assert verify("whsec_x", header + ",v1=" + "0" * 64, body.decode(), now=1_700_000_000) == 1_700_000_000
    with pytest.raises(SignatureError):
        verify("whsec_x", header, body, now=1_700_000_000 - 400)  # from the future, beyond the tolerance
    with pytest.raises(SignatureError):
        verify("whsec_x", None, body)


def test_every_event_is_thin_and_points_at_the_api(app, world, make_client, receiver):
    """round.opened, plan.published and action.changed through their pages, to the consultancy's
    webhook: the envelope, the object's id and state, the API address, and nothing else."""
    hook, secret = services.create_webhook(url=receiver.url, event_types=["round.opened", "plan.published", "action.changed"],
                                           consultancy_id=world.ours.consultancy.id)
    client = make_client()
    sign_in(client, world.ours.consultant)

    draft = rounds.create_round(world.sibling_org, rounds.RoundSettings(
        title="Najaar", opens_on=rounds.today(), closes_on=rounds.today() + timedelta(days=9)))
    db.session.flush()
    assert client.submit(f"/o/{world.sibling_org.slug}/rounds/{draft.id}/open").status_code == 302
    opened = receiver.event()
    assert set(opened) == ENVELOPE and opened["type"] == "round.opened"
    assert opened["organisation"]["slug"] == world.sibling_org.slug
    assert opened["data"] == {"object": "round", "id": draft.id, "state": "open",
                              "url": f"http://klantspiegel.local/api/v1/rounds/{draft.id}"}

    base = f"/o/{world.ours.org.slug}"
    round_ = filled_round(app, world, {"Wonen": 6})
    with app.test_request_context():
        plan = plans.generate_plan(round_, round_results(round_))
    db.session.flush()
    assert client.submit(f"{base}/rounds/{round_.id}/plan/publish").status_code == 302
    published = receiver.event()
    assert published["type"] == "plan.published"
    assert published["data"] == {"object": "plan", "id": plan.id, "round_id": round_.id, "state": "published",
                                 "url": f"http://klantspiegel.local/api/v1/rounds/{round_.id}/plan"}

    item = plan.items[0]
    seen = len(receiver.requests)
    response = client.submit(f"{base}/rounds/{round_.id}/plan/items/{item.id}", {
        "title": item.text("title", "nl"), "description": item.text("description", "nl"), "owner": "Teamleider",
        "due_on": "", "status": "in_progress"})
    assert response.status_code == 302
    assert len(receiver.requests) == seen + 1
    changed = receiver.event()
    assert changed["type"] == "action.changed"
    assert changed["data"] == {"object": "action", "id": item.id, "plan_id": plan.id, "round_id": round_.id,
                               "state": "in_progress", "changes": ["owner", "status"],
                               "url": f"http://klantspiegel.local/api/v1/actions/{item.id}"}
    # Saved again unchanged: nothing happened, nothing is sent.
    client.submit(f"{base}/rounds/{round_.id}/plan/items/{item.id}", {
        "title": item.text("title", "nl"), "description": item.text("description", "nl"), "owner": "Teamleider",
        "due_on": "", "status": "in_progress"})
    assert len(receiver.requests) == seen + 1
    api = app.url_map.bind("klantspiegel.local")
    for request in receiver.requests:
        verify(secret, request["headers"]["Klantspiegel-Signature"], request["body"])
        # The address is one the API serves (a GET with a key).
        endpoint, _args = api.match(urlsplit(json.loads(request["body"])["data"]["url"]).path, method="GET")
        assert endpoint.startswith("api_")
        # No figure, answer or respondent: the only numbers are ids.
        assert not re.search(rb'"(score|mean|responses|answers|respondents|email|comment)', request["body"])


# Retries, timeout ----------------------------------------------------------------------------------


def test_a_failed_delivery_is_retried_with_backoff_then_delivered(app, world, receiver):
    hook, secret = _org_hook(world, receiver.url, ["round.opened"])
    receiver.answers = [500]
    with app.test_request_context():
        services.send_test(hook)
    db.session.commit()  # the request's commit: the worker gets it
    (delivery,) = _deliveries(hook)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (DeliveryStatus.PENDING, 1, 500)
    assert delivery.last_error == "HTTP 500"
    wait = delivery.next_attempt_at - delivery.last_attempt_at
    assert timedelta(seconds=59) < wait <= timedelta(seconds=61)

    jobs.retry_webhooks.call_local()  # not due yet: nothing is sent
    assert len(receiver.requests) == 1
    _make_due(delivery)
    jobs.retry_webhooks.call_local()
    (delivery,) = _deliveries(hook)
    assert (delivery.status, delivery.attempts, delivery.last_status_code, delivery.last_error) == (
        DeliveryStatus.DELIVERED, 2, 200, None)
    first, second = receiver.requests
    assert first["body"] == second["body"]  # the same event, the same id
    assert first["headers"]["Klantspiegel-Delivery"] == second["headers"]["Klantspiegel-Delivery"]
    for request in receiver.requests:
        verify(secret, request["headers"]["Klantspiegel-Signature"], request["body"])


def test_retries_wait_longer_each_time_and_then_the_delivery_has_failed(app, world, receiver):
    hook, _secret = _org_hook(world, receiver.url, ["round.opened"])
    receiver.answers = [503] * 10
    with app.test_request_context():
        services.send_test(hook)
    db.session.commit()
    waits = []
    for _ in range(10):
        (delivery,) = _deliveries(hook)
        if delivery.status is not DeliveryStatus.PENDING:
            break
        waits.append(round((delivery.next_attempt_at - delivery.last_attempt_at).total_seconds() / 60))
        _make_due(delivery)
        jobs.retry_webhooks.call_local()
    assert waits == [1, 5, 30, 120, 720]
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (DeliveryStatus.FAILED, 6, None)
    assert len(receiver.requests) == 6
    jobs.retry_webhooks.call_local()
    assert jobs.deliver_webhook.call_local(delivery.id) == "skipped"
    assert len(receiver.requests) == 6


def test_a_receiver_that_does_not_answer_in_time_is_retried(app, world, receiver, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOKS_TIMEOUT", 0.3)
    receiver.delay = 1.5
    hook, _secret = _org_hook(world, receiver.url, ["round.opened"])
    with app.test_request_context():
        services.send_test(hook)
    started = time.monotonic()
    db.session.commit()
    assert time.monotonic() - started < 1.4
    (delivery,) = _deliveries(hook)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (DeliveryStatus.PENDING, 1, None)
    assert delivery.last_error == "timed out after 0.3 s"
    assert delivery.next_attempt_at > utcnow()


def test_a_redirect_is_not_followed(app, world, receiver):
    hook, _secret = _org_hook(world, receiver.url, ["round.opened"])
    receiver.answers = [302]
    with app.test_request_context():
        services.send_test(hook)
    db.session.commit()
    (delivery,) = _deliveries(hook)
    assert len(receiver.requests) == 1
    assert delivery.status is DeliveryStatus.PENDING and delivery.last_status_code == 302
    assert "redirect not followed" in delivery.last_error


def test_a_paused_webhook_gets_no_events_and_keeps_what_waits(app, world, receiver):
    hook, _secret = _org_hook(world, receiver.url, ["round.opened"])
    receiver.answers = [500]
    with app.test_request_context():
        services.send_test(hook)
    db.session.commit()
    services.set_active(hook, False)
    round_ = rounds.create_round(world.ours.org, rounds.RoundSettings(
        title="Stil", opens_on=rounds.today(), closes_on=rounds.today() + timedelta(days=9)))
    rounds.open_round(round_)
    (delivery,) = _deliveries(hook)  # no new delivery for the opened round
    _make_due(delivery)
    jobs.retry_webhooks.call_local()
    assert jobs.deliver_webhook.call_local(delivery.id) == "skipped"
    assert len(receiver.requests) == 1
    services.set_active(hook, True)
    db.session.flush()
    jobs.retry_webhooks.call_local()
    assert len(receiver.requests) == 2 and _deliveries(hook)[0].status is DeliveryStatus.DELIVERED


# SSRF ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/hook", "https://127.0.0.1:8443/hook", "http://10.1.2.3/hook", "https://192.168.0.10/",
    "http://169.254.169.254/latest/meta-data/", "http://[::1]/hook", "https://[::ffff:127.0.0.1]/hook",
    "https://[fd00::1]/", "http://0.0.0.0/", "http://localhost/hook", "http://2130706433/hook",
])
def test_registration_refuses_private_addresses(world, make_client, no_private_targets, url):
    client = make_client()
    sign_in(client, world.ours.director)
    response = _register(client, f"/o/{world.ours.org.slug}", url, ["round.published"])
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "privé, lokaal of gereserveerd netwerk" in page, page[-3000:]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Webhook)) == 0


@pytest.mark.parametrize(("url", "message"), [
    ("ftp://example.nl/hook", "Alleen http- en https-adressen"),
    ("https://user:secret@example.nl/hook", "zonder gebruikersnaam of wachtwoord"),
    ("javascript:alert(1)", "Alleen http- en https-adressen"),
    ("https://", "zonder gebruikersnaam of wachtwoord"),
    ("https://bestaat-niet.invalid/hook", "kan niet worden gevonden"),
])
def test_registration_refuses_what_is_not_a_web_address(world, make_client, no_private_targets, url, message):
    client = make_client()
    sign_in(client, world.ours.director)
    response = _register(client, f"/o/{world.ours.org.slug}", url, ["round.published"])
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_production_takes_https_only(app, world, make_client, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_HTTP", False)
    client = make_client()
    sign_in(client, world.ours.director)
    response = _register(client, f"/o/{world.ours.org.slug}", "http://127.0.0.1/hook", ["round.published"])
    assert response.status_code == 400 and "Alleen https-adressen" in response.get_data(as_text=True)


def test_the_configuration_keeps_private_targets_out_of_production():
    from maturity.config import load_config

    production = load_config("/tmp", {"ENV_NAME": "production", "SECRET_KEY": "x" * 40, "BASE_URL": "https://k.example.nl",
                                      "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert production["WEBHOOKS_ALLOW_PRIVATE_TARGETS"] is False and production["WEBHOOKS_ALLOW_HTTP"] is False


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/hook", "http://10.1.2.3/hook", "http://169.254.169.254/latest",
                                 "http://[::1]:9/hook", "http://localhost:9/hook"])
def test_delivery_refuses_private_addresses_without_connecting(app, world, no_private_targets, monkeypatch, url):
    """Registered while allowed (or before the rule): at delivery the resolved address is checked
    again, and nothing is connected to."""
    hook, _secret = _org_hook(world, url, ["round.opened"])

    def no_connection(*args, **kwargs):
        raise AssertionError(f"connected to {args}")

    monkeypatch.setattr(socket, "create_connection", no_connection)
    with app.test_request_context():
        services.send_test(hook)
    db.session.commit()
    (delivery,) = _deliveries(hook)
    assert delivery.status is DeliveryStatus.FAILED  # not worth trying again
    assert re.fullmatch(r"refused: \S+ is not a public address", delivery.last_error), delivery.last_error


def test_delivery_connects_to_the_address_it_checked(app, world, no_private_targets, monkeypatch):
    """Resolved once: the connection goes to that address (never to the name again, which DNS
    could by then point inside), with the name in the Host header."""
    hook, _secret = _org_hook(world, "http://hooks.example.nl:8080/in", ["round.opened"])
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])  # a rebinding resolver: public first, then inside
    lookups, connections = [], []

    def fake_getaddrinfo(host, port, *args, **kwargs):
        lookups.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)) for address in next(answers)]

    def fake_connection(address, timeout=None, *args, **kwargs):
        connections.append(address)
        raise ConnectionRefusedError("nobody home")

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", fake_connection)
    with app.test_request_context():
        services.send_test(hook)
    db.session.commit()
    assert lookups == ["hooks.example.nl"] and connections == [("93.184.216.34", 8080)]
    (delivery,) = _deliveries(hook)
    assert delivery.status is DeliveryStatus.PENDING and "ConnectionRefusedError" in delivery.last_error

    _make_due(delivery)
    jobs.retry_webhooks.call_local()  # now the name resolves inside: refused, not connected
    assert connections == [("93.184.216.34", 8080)]
    (delivery,) = _deliveries(hook)
    assert delivery.status is DeliveryStatus.FAILED and delivery.last_error == "refused: 127.0.0.1 is not a public address"


def test_a_name_with_one_inside_address_is_refused_as_a_whole(app, monkeypatch, no_private_targets):
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, port, *a, **k: [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port))])
    with app.app_context(), pytest.raises(targets.TargetRefused) as refused:
        targets.check("https://mixed.example.nl/hook")
    assert refused.value.reason == "private" and refused.value.detail == "10.0.0.7"


@pytest.mark.parametrize("address", [
    "127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "0.1.2.3",
    "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255", "192.0.2.1", "198.18.0.1",
    "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1",
    "::ffff:169.254.169.254", "64:ff9b::a00:1", "2002:7f00:1::1", "2001:db8::1", "2001::1",
])
def test_inside_addresses_are_not_public(address):
    assert not targets.is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:93.184.216.34"])
def test_public_addresses_are_public(address):
    assert targets.is_public(ipaddress.ip_address(address))


# The pages: isolation, the buttons, the log, CSRF ---------------------------------------------------


def test_the_test_event_button_sends_a_signed_ping(world, make_client, receiver):
    client = make_client()
    sign_in(client, world.ours.consultant)
    base = f"/c/{world.ours.consultancy.slug}"
    hook, secret = _register_ok(client, base, receiver.url, ["round.published", "plan.published"])
    assert hook.consultancy_id == world.ours.consultancy.id and hook.organisation_id is None
    response = client.submit(f"{base}/webhooks/{hook.id}/test")
    assert response.status_code == 302
    (received,) = receiver.requests
    verify(secret, received["headers"]["Klantspiegel-Signature"], received["body"])
    ping = json.loads(received["body"])
    assert set(ping) == ENVELOPE and ping["type"] == "ping" and ping["organisation"] is None
    assert ping["data"] == {"object": "webhook", "id": hook.id, "state": "active"}
    assert received["headers"]["Klantspiegel-Event"] == "ping"
    actions = list(db.session.scalars(sa.select(AuditEntry.action).where(
        AuditEntry.consultancy_id == world.ours.consultancy.id, AuditEntry.action.like("webhook%"))
        .order_by(AuditEntry.id)))
    assert actions == ["webhook_created", "webhook_test_sent"]


def test_the_delivery_log_and_send_again(world, make_client, receiver):
    client = make_client()
    sign_in(client, world.ours.director)
    base = f"/o/{world.ours.org.slug}"
    hook, secret = _register_ok(client, base, receiver.url, ["round.opened"])
    receiver.answers = [410]
    client.submit(f"{base}/webhooks/{hook.id}/test")
    (first,) = _deliveries(hook)
    page = client.get(f"{base}/webhooks/").get_data(as_text=True)
    assert "<code>ping</code>" in page and "410" in page and "HTTP 410" in page and "wacht" in page
    # Waiting for its retry: no "send again" yet; once failed (or delivered) there is one.
    assert f"/deliveries/{first.id}/send-again" not in page
    db.session.execute(sa.update(WebhookDelivery).where(WebhookDelivery.id == first.id)
                       .values(status=DeliveryStatus.FAILED, next_attempt_at=None))
    db.session.flush()
    page = client.get(f"{base}/webhooks/").get_data(as_text=True)
    assert f"/deliveries/{first.id}/send-again" in page and "mislukt" in page

    assert client.submit(f"{base}/webhooks/deliveries/{first.id}/send-again").status_code == 302
    first_again, second = _deliveries(hook)
    assert first_again.status is DeliveryStatus.FAILED  # its history stays as it was
    assert second.status is DeliveryStatus.DELIVERED and second.event_id == first.event_id
    assert receiver.requests[0]["body"] == receiver.requests[1]["body"]
    assert receiver.requests[1]["headers"]["Klantspiegel-Delivery"] == str(second.id)
    verify(secret, receiver.requests[1]["headers"]["Klantspiegel-Signature"], receiver.requests[1]["body"])
    page = client.get(f"{base}/webhooks/").get_data(as_text=True)
    assert "afgeleverd" in page and page.index(f"/deliveries/{second.id}/") < page.index(f"/deliveries/{first.id}/")


def test_pause_roll_and_remove(world, make_client, receiver):
    client = make_client()
    sign_in(client, world.ours.director)
    base = f"/o/{world.ours.org.slug}"
    hook, old_secret = _register_ok(client, base, receiver.url, ["round.opened"])

    page = client.submit(f"{base}/webhooks/{hook.id}/secret").get_data(as_text=True)
    new_secret = SECRET_ON_PAGE.search(page).group(1)
    assert new_secret != old_secret
    client.submit(f"{base}/webhooks/{hook.id}/test")
    signature = receiver.requests[-1]["headers"]["Klantspiegel-Signature"]
    verify(new_secret, signature, receiver.requests[-1]["body"])
    with pytest.raises(SignatureError):
        verify(old_secret, signature, receiver.requests[-1]["body"])

    client.submit(f"{base}/webhooks/{hook.id}/active")
    db.session.expire_all()
    assert not hook.is_active
    page = client.submit(f"{base}/webhooks/{hook.id}/test", follow_redirects=True).get_data(as_text=True)
    assert "gepauzeerd" in page and len(receiver.requests) == 1
    client.submit(f"{base}/webhooks/{hook.id}/active")
    db.session.expire_all()
    assert hook.is_active

    hook_id = hook.id
    client.submit(f"{base}/webhooks/{hook_id}/delete")
    db.session.expire_all()
    assert db.session.get(Webhook, hook_id) is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookDelivery)) == 0
    entries = list(db.session.execute(sa.select(AuditEntry.action, AuditEntry.detail).where(
        AuditEntry.organisation_id == world.ours.org.id, AuditEntry.action.like("webhook%")).order_by(AuditEntry.id)))
    assert [a for a, _d in entries] == ["webhook_created", "webhook_secret_rolled", "webhook_test_sent",
                                        "webhook_changed", "webhook_changed", "webhook_deleted"]
    assert all(d["host"] == "127.0.0.1" for _a, d in entries)
    assert "source=test" not in json.dumps([d for _a, d in entries])  # never the full address


def test_another_tenants_webhooks_and_deliveries_are_404(world, make_client, receiver):
    theirs, _secret = _org_hook(world, receiver.url, ["round.opened"], org=world.theirs.org)
    their_consultancy_hook, _ = services.create_webhook(url=receiver.url, event_types=["round.opened"],
                                                        consultancy_id=world.theirs.consultancy.id)
    delivery = WebhookDelivery(webhook_id=theirs.id, event_id="e", event_type="ping", payload={}, attempts=1,
                               status=DeliveryStatus.FAILED)
    db.session.add(delivery)
    db.session.flush()
    for actor in (world.ours.director, world.ours.consultant):
        client = make_client()
        sign_in(client, actor)
        assert client.get(f"/o/{world.theirs.org.slug}/webhooks/").status_code == 404
        assert client.get(f"/c/{world.theirs.consultancy.slug}/webhooks/").status_code == 404
        for base in (f"/o/{world.ours.org.slug}", f"/c/{world.ours.consultancy.slug}"):
            for hook in (theirs, their_consultancy_hook):
                for action in ("test", "active", "secret", "delete"):
                    assert client.submit(f"{base}/webhooks/{hook.id}/{action}").status_code == 404, (actor, base, action)
            assert client.submit(f"{base}/webhooks/deliveries/{delivery.id}/send-again").status_code == 404
        page = client.get(f"/o/{world.ours.org.slug}/webhooks/").get_data(as_text=True)
        assert "127.0.0.1" not in page  # their addresses are not in our log
    # A director is no consultant: the consultancy's page is not theirs.
    client = make_client()
    sign_in(client, world.ours.director)
    assert client.get(f"/c/{world.ours.consultancy.slug}/webhooks/").status_code == 404
    client = make_client()
    sign_in(client, world.ours.employee)
    assert client.get(f"/o/{world.ours.org.slug}/webhooks/").status_code == 403
    db.session.expire_all()
    assert receiver.requests == [] and theirs.is_active and db.session.get(WebhookDelivery, delivery.id).attempts == 1


def test_a_consultancys_webhook_hears_its_clients_never_another_consultancys(app, world, receiver):
    ours, _ = services.create_webhook(url=receiver.url, event_types=["round.opened"],
                                      consultancy_id=world.ours.consultancy.id)
    org_only, _ = _org_hook(world, receiver.url, ["round.opened"])
    for org in (world.ours.org, world.sibling_org, world.theirs.org):
        round_ = rounds.create_round(org, rounds.RoundSettings(
            title="Ronde", opens_on=rounds.today(), closes_on=rounds.today() + timedelta(days=9)))
        rounds.open_round(round_)
    db.session.commit()
    heard = [(d.payload["organisation"]["slug"]) for d in _deliveries(ours)]
    assert heard == [world.ours.org.slug, world.sibling_org.slug]
    assert [d.payload["organisation"]["slug"] for d in _deliveries(org_only)] == [world.ours.org.slug]
    assert sorted(r["headers"]["Klantspiegel-Delivery"] for r in receiver.requests) == sorted(
        str(d.id) for d in _deliveries(ours) + _deliveries(org_only))


def test_the_forms_need_their_csrf_token(world, make_client, receiver):
    hook, _secret = _org_hook(world, receiver.url, ["round.opened"])
    db.session.flush()
    client = make_client()
    sign_in(client, world.ours.director)
    base = f"/o/{world.ours.org.slug}/webhooks"
    for url, data in [(f"{base}/", {"url": receiver.url, "events": ["round.opened"]}), (f"{base}/{hook.id}/test", {}),
                      (f"{base}/{hook.id}/active", {}), (f"{base}/{hook.id}/secret", {}), (f"{base}/{hook.id}/delete", {})]:
        assert client.post(url, data=data).status_code == 400, url
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Webhook)) == 1 and hook.is_active
    assert receiver.requests == [] and _deliveries(hook) == []


def test_the_form_needs_an_event_and_a_known_one(world, make_client, receiver):
    client = make_client()
    sign_in(client, world.ours.director)
    base = f"/o/{world.ours.org.slug}"
    response = _register(client, base, receiver.url, [])
    assert response.status_code == 400 and "Kies minstens één gebeurtenis" in response.get_data(as_text=True)
    assert _register(client, base, receiver.url, ["round.deleted"]).status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Webhook)) == 0


def test_the_page_in_english(world, make_client):
    client = make_client()
    sign_in(client, world.ours.director)
    client.submit("/language", {"locale": "en"})
    page = client.get(f"/o/{world.ours.org.slug}/webhooks/").get_data(as_text=True)
    assert "Add a webhook" in page and "A round closed and its results were published" in page


def test_old_finished_deliveries_are_pruned(world, receiver):
    hook, _ = _org_hook(world, receiver.url, ["round.opened"])
    old = utcnow() - timedelta(days=91)
    for status in (DeliveryStatus.DELIVERED, DeliveryStatus.FAILED, DeliveryStatus.PENDING):
        db.session.add(WebhookDelivery(webhook_id=hook.id, event_id=status.value, event_type="ping", payload={},
                                       status=status, created_at=old, next_attempt_at=utcnow() + timedelta(days=1)))
    db.session.flush()
    assert deliveries.prune() == 2
    assert [d.status for d in _deliveries(hook)] == [DeliveryStatus.PENDING]


def test_a_secret_that_cannot_be_opened_fails_the_delivery_with_a_reason(app, world, receiver):
    """After a SECRET_KEY change without the fallback: said in the log, not retried for ever."""
    hook, _secret = _org_hook(world, receiver.url, ["round.opened"])
    hook.secret_sealed = b"\x00" * 40
    db.session.flush()
    with app.test_request_context():
        services.send_test(hook)
    db.session.commit()
    (delivery,) = _deliveries(hook)
    assert delivery.status is DeliveryStatus.FAILED and "new secret" in delivery.last_error
    assert receiver.requests == []


def test_an_address_with_non_ascii_characters_is_delivered_percent_encoded(app, world, receiver):
    url = receiver.url.split("/hooks/")[0] + "/hooks/café?naam=ë"
    hook, secret = _org_hook(world, url, ["round.opened"])
    with app.test_request_context():
        services.send_test(hook)
    db.session.commit()
    (received,) = receiver.requests
    assert received["path"] == "/hooks/caf%C3%A9?naam=%C3%AB"
    verify(secret, received["headers"]["Klantspiegel-Signature"], received["body"])
    assert _deliveries(hook)[0].status is DeliveryStatus.DELIVERED


def test_a_webhook_removed_while_its_delivery_waits_is_simply_skipped(app, world, receiver, monkeypatch):
    hook, _secret = _org_hook(world, receiver.url, ["round.opened"])
    monkeypatch.setattr(jobs.deliver_webhook, "call_local", lambda *a, **k: None)  # the worker is busy
    with app.test_request_context():
        delivery = services.send_test(hook)
    db.session.commit()
    delivery_id = delivery.id
    services.delete_webhook(hook)
    db.session.commit()
    monkeypatch.undo()
    assert jobs.deliver_webhook.call_local(delivery_id) == "skipped"
    assert receiver.requests == []


def test_the_page_writes_every_moment_one_way_and_counts_its_deliveries_in_words(world, make_client, receiver):
    """One delivery is "the latest delivery", not "the latest 1 deliveries"; the webhook's date
    and its delivery's time read alike (4 dec 2026, 18:30), as the API keys page writes them."""
    client = make_client()
    sign_in(client, world.ours.director)
    base = f"/o/{world.ours.org.slug}"
    hook, _secret = _register_ok(client, base, receiver.url, ["round.opened"])
    client.submit(f"{base}/webhooks/{hook.id}/test")
    moment = utcnow().replace(year=2026, month=12, day=4, hour=17, minute=30)  # 18:30 in Amsterdam
    db.session.execute(sa.update(Webhook).where(Webhook.id == hook.id).values(created_at=moment))
    db.session.execute(sa.update(WebhookDelivery).where(WebhookDelivery.webhook_id == hook.id)
                       .values(created_at=moment, last_attempt_at=moment))
    db.session.flush()
    page = client.get(f"{base}/webhooks/").get_data(as_text=True)
    assert page.count("4 dec 2026, 18:30") == 2 and "04-12-2026" not in page
    assert "De laatste aflevering." in page and "1 afleveringen" not in page
    client.submit("/language", {"locale": "en"})
    english = client.get(f"{base}/webhooks/").get_data(as_text=True)
    assert english.count("4 Dec 2026, 18:30") == 2 and "The latest delivery." in english
    client.submit(f"{base}/webhooks/{hook.id}/test")
    assert "The latest 2 deliveries." in client.get(f"{base}/webhooks/").get_data(as_text=True)


def test_the_secret_has_a_copy_button_that_needs_no_inline_script(world, make_client, receiver):
    client = make_client()
    sign_in(client, world.ours.director)
    page = _register(client, f"/o/{world.ours.org.slug}", receiver.url, ["round.opened"]).get_data(as_text=True)
    assert re.search(r'<button type="button" class="copy[^"]*" data-copy="new-secret"[^>]*hidden', page)
    assert 'src="/static/js/copy.js"' in page and "<script>" not in page
