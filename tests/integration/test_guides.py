"""docs/api.md and docs/webhooks.md as a customer reads them: pages of the app, public like the
API's interactive documentation, linked from the API keys page, the webhooks page and the
OpenAPI description (a repository path is nothing a customer can open)."""

from __future__ import annotations

import re
from pathlib import Path

from maturity.main.security_headers import CSP
from tests.conftest import sign_in

ROOT = Path(__file__).resolve().parents[2]
GUIDE, WEBHOOKS, REFERENCE = "/api/v1/docs/guide", "/api/v1/docs/webhooks", "/api/v1/docs/"


def test_the_api_guide_is_a_public_page_with_anchored_headings(client):
    response = client.get(GUIDE)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert response.headers["Content-Security-Policy"] == CSP  # strict: no inline script or style
    html = response.get_data(as_text=True)
    assert "<h1" in html and "The Klantspiegel API" in html
    # Headings carry the ids GitHub gives them, with a link to themselves.
    assert 'id="1-get-a-key"' in html and 'href="#1-get-a-key"' in html
    # The code blocks scroll sideways, by keyboard too; raw HTML in the source is not passed on.
    assert re.search(r'<pre class="guide-code" tabindex="0"[^>]*><code class="language-python">', html)
    assert "<script" not in html.split("</main>")[0].split('<main')[1]
    # The links between the guides and to the interactive documentation are the app's own pages.
    assert f'href="{WEBHOOKS}">the webhooks guide</a>' in html and 'href="webhooks.md"' not in html
    assert f'href="{REFERENCE}"' in html


def test_the_webhooks_guide_links_within_itself_and_back_to_the_api_guide(client):
    response = client.get(WEBHOOKS)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="where-webhooks-may-go"' in html and 'href="#where-webhooks-may-go"' in html
    assert f'href="{GUIDE}"' in html and 'href="api.md"' not in html


def test_the_guides_say_in_dutch_that_they_are_in_english(client):
    dutch = client.get(GUIDE, headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert "Deze handleiding is in het Engels" in dutch and '<article class="guide" lang="en">' in dutch
    english = client.get(GUIDE, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Deze handleiding" not in english and "This guide is in English" not in english


def test_the_keys_and_webhooks_pages_and_the_openapi_description_link_to_the_guides(client, world):
    sign_in(client, world.ours.consultant)
    keys = client.get(f"/c/{world.ours.consultancy.slug}/api/").get_data(as_text=True)
    assert f'href="{GUIDE}"' in keys and "docs/api.md" not in keys
    hooks = client.get(f"/c/{world.ours.consultancy.slug}/webhooks/").get_data(as_text=True)
    assert f'href="{WEBHOOKS}"' in hooks and "docs/webhooks.md" not in hooks
    description = client.get("/api/v1/openapi.json").json["info"]["description"]
    assert f"({GUIDE})" in description and f"({WEBHOOKS})" in description and "docs/api.md" not in description


def test_the_image_carries_the_guides():
    """The app reads them from docs/ beside the package: the image must hold them."""
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^COPY docs/api\.md docs/webhooks\.md \./docs/$", dockerfile, re.M)
