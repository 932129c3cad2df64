"""Behind a reverse proxy the limits count per real client; without one, a forged
X-Forwarded-For header changes nothing."""

from __future__ import annotations

import pytest

from maturity import create_app
from maturity.extensions import limiter

from ..conftest import Client


@pytest.fixture
def proxied(app, db):
    proxied = create_app({**{k: app.config[k] for k in (
        "TESTING", "SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "SERVER_NAME", "MAIL_SERVER", "RATELIMIT_STORAGE_URI",
        "TASK_QUEUE_URL")}, "TRUSTED_PROXIES": 1})
    proxied.test_client_class = Client
    with proxied.app_context():
        limiter.reset()
    return proxied


def _attempts(client, n: int, forwarded=lambda i: f"203.0.113.{i}") -> list[int]:
    return [client.submit("/login", {"email": f"iemand{i}@example.nl", "password": "fout"},
                          headers={"X-Forwarded-For": forwarded(i)}).status_code for i in range(n)]


def test_behind_the_proxy_each_client_has_its_own_limit(proxied, world):
    assert 429 not in _attempts(proxied.test_client(), 40)
    # One client still meets its limit.
    assert _attempts(proxied.test_client(), 31, forwarded=lambda i: "198.51.100.7")[-1] == 429


def test_without_a_trusted_proxy_the_header_is_ignored(client, world):
    assert _attempts(client, 31)[-1] == 429
