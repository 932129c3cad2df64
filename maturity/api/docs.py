"""The API's interactive documentation at ``/api/v1/docs``: Swagger UI, served from the files
the flask-swagger-ui package ships (no CDN: the page works offline and under our own
Content-Security-Policy), reading the OpenAPI document at ``/api/v1/openapi.json``; and the two
guides, docs/api.md and docs/webhooks.md, as pages (``/api/v1/docs/guide``, ``/webhooks``)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import flask_swagger_ui
from flask import Blueprint, Flask, render_template, send_from_directory, url_for
from flask_babel import gettext as _
from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup, escape

from ..main.security_headers import CSP

SWAGGER_DIST = Path(flask_swagger_ui.__file__).parent / "dist"
#: The guides, beside the package as the templates are (deploy/Dockerfile copies them).
GUIDES = Path(__file__).resolve().parents[2] / "docs"
#: A guide's name where the other names it by its file (the guides are in English).
GUIDE_NAMES = {"api.md": "the API guide", "webhooks.md": "the webhooks guide"}

bp = Blueprint("api_docs", __name__, url_prefix="/api/v1/docs")


@bp.get("/")
def page():
    response = render_template("api/docs.html", spec_url=url_for("api-docs.openapi_json"))
    # Swagger UI writes style attributes into its markup: this page alone allows them.
    return response, 200, {"Content-Security-Policy": CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")}


@bp.get("/static/<any('swagger-ui-bundle.js', 'swagger-ui.css', 'favicon-32x32.png'):name>")
def static(name: str):
    return send_from_directory(SWAGGER_DIST, name, max_age=86400)


@bp.get("/guide")
def guide():
    return _guide("api.md")


@bp.get("/webhooks")
def webhooks():
    return _guide("webhooks.md")


def _guide(name: str):
    # A link between the guides, written for the repository (``webhooks.md#retries``), leads to its page.
    pages = {"api.md": url_for("api_docs.guide"), "webhooks.md": url_for("api_docs.webhooks")}
    path = GUIDES / name
    # The app's own addresses, written as code in the guides (``/api/v1/docs``), are links too.
    pages |= {url_for("api_docs.page").rstrip("/"): url_for("api_docs.page"),
              url_for("api-docs.openapi_json"): url_for("api-docs.openapi_json")}
    title, body, contents = render_guide(path.read_text(encoding="utf-8"), tuple(pages.items()),
                                         _("Table (scrolls sideways on a small screen)"), _("Link to this section"))
    return render_template("api/guide.html", title=title, body=Markup(body), contents=contents)


def _slug(text: str, seen: dict[str, int]) -> str:
    """A heading's id as GitHub makes it, so that the guides' own ``#anchors`` work here too."""
    slug = re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")
    n = seen.get(slug, 0)
    seen[slug] = n + 1
    return f"{slug}-{n}" if n else slug


def _heading_close(renderer, tokens, idx, options, env):
    opened = tokens[idx - 2]
    anchor = opened.attrGet("id")
    return (f' <a class="anchor" href="#{anchor}"><span aria-hidden="true">#</span>'
            f'<span class="visually-hidden">{escape(env["anchor_label"])}</span></a></{tokens[idx].tag}>\n')


def _fence(renderer, tokens, idx, options, env):
    # Long lines scroll sideways inside the block (a phone keeps its width); focusable, so a
    # keyboard can scroll it too.
    token = tokens[idx]
    language = token.info.strip().split(" ")[0]
    css = f' class="language-{escape(language)}"' if language else ""
    return f'<pre class="guide-code" tabindex="0"><code{css}>{escape(token.content)}</code></pre>\n'


def _table_open(renderer, tokens, idx, options, env):
    return (f'<div class="table-wrap" tabindex="0" role="region" aria-label="{escape(env["table_label"])}">'
            f'<table>\n')


def _table_close(renderer, tokens, idx, options, env):
    return "</table></div>\n"


#: CommonMark and tables; raw HTML in a guide is written out as text, never passed on.
_MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")
for _rule, _render in (("heading_close", _heading_close), ("fence", _fence), ("code_block", _fence),
                       ("table_open", _table_open), ("table_close", _table_close)):
    _MARKDOWN.add_render_rule(_rule, _render)


@lru_cache(maxsize=8)
def render_guide(text: str, pages: tuple[tuple[str, str], ...], table_label: str, anchor_label: str,
                 ) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    """A guide's title (its first heading), its body as HTML without that heading, and its
    sections (id, heading) for the contents. ``pages``: where a link to another guide (or an
    address of the app written as code) leads."""
    tokens = _MARKDOWN.parse(text)
    links, seen, contents, title = dict(pages), {}, [], ""
    for i, token in enumerate(tokens):
        if token.type == "heading_open":
            heading = "".join(child.content for child in tokens[i + 1].children or ()
                              if child.type in ("text", "code_inline"))
            token.attrSet("id", _slug(heading, seen))
            if token.tag == "h1" and not title:
                title = heading
            elif token.tag == "h2":
                contents.append((token.attrGet("id"), heading))
        elif token.type == "inline" and token.children:
            children, in_link = [], False
            for child in token.children:
                if child.type in ("link_open", "link_close"):
                    in_link = child.type == "link_open"
                if child.type == "link_open":
                    page, _hash, fragment = str(child.attrGet("href")).partition("#")
                    if page in links:
                        child.attrSet("href", links[page] + (f"#{fragment}" if fragment else ""))
                        text = token.children[token.children.index(child) + 1]
                        if text.type == "text" and text.content == page and page in GUIDE_NAMES:
                            text.content = GUIDE_NAMES[page]  # "(webhooks.md)" reads "(the webhooks guide)"
                elif child.type == "code_inline" and child.content in links and not in_link:
                    opened, closed = Token("link_open", "a", 1), Token("link_close", "a", -1)
                    opened.attrSet("href", links[child.content])
                    children += [opened, child, closed]
                    continue
                children.append(child)
            token.children = children
    if tokens and tokens[0].type == "heading_open" and tokens[0].tag == "h1":
        tokens = tokens[3:]  # the page's own <h1> says it
    body = _MARKDOWN.renderer.render(tokens, _MARKDOWN.options, {"anchor_label": anchor_label, "table_label": table_label})
    return title, body, tuple(contents)


def register(app: Flask) -> None:
    app.register_blueprint(bp)
