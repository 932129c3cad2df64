"""Consultancy settings: name, house colour and logo, used on the PDF cover."""

from __future__ import annotations

import io
import struct
import zlib

import sqlalchemy as sa

from maturity.extensions import db
from maturity.tenancy.models import Consultancy
from tests.conftest import sign_in
from ..helpers import RETENTION, download


def tiny_png() -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x00\x69\x5c")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def _url(world, suffix="settings"):
    return f"/c/{world.ours.consultancy.slug}/{suffix}"


def test_consultant_sets_name_colour_and_logo(client, auth, world):
    auth.login(world.ours.consultant)
    assert client.get(_url(world)).status_code == 200
    response = client.submit(_url(world), {
        **RETENTION, "name": "Spiegel & Partners", "primary_color": "#1A237E",
        "logo": (io.BytesIO(tiny_png()), "logo.png")}, content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.expire_all()
    consultancy = db.session.get(Consultancy, world.ours.consultancy.id)
    assert consultancy.name == "Spiegel & Partners" and consultancy.primary_color == "#1a237e"
    assert consultancy.logo_mimetype == "image/png"
    logo = client.get(_url(world, "logo"))
    assert logo.status_code == 200 and logo.mimetype == "image/png" and logo.data == tiny_png()


def test_logo_must_really_be_a_small_png_or_jpeg(client, auth, world):
    auth.login(world.ours.consultant)
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    cases = [
        ((io.BytesIO(svg), "logo.svg"), "PNG- of JPEG-afbeelding"),
        ((io.BytesIO(b"not really a png"), "logo.png"), "geen PNG- of JPEG-afbeelding"),
        ((io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"0" * 400_000), "big.png"), "groter dan 300 KB"),
    ]
    for upload, message in cases:
        response = client.submit(_url(world), {**RETENTION, "name": "X", "primary_color": "#00695c", "logo": upload},
                                 content_type="multipart/form-data")
        assert response.status_code == 400 and message in response.get_data(as_text=True)
    response = client.submit(_url(world), {**RETENTION, "name": "X", "primary_color": "red"}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert db.session.scalar(sa.select(Consultancy.logo_mimetype).where(Consultancy.id == world.ours.consultancy.id)) is None


def test_the_logo_goes_on_the_report_cover(client, auth, world, app):
    from pypdf import PdfReader

    from ..helpers import filled_round

    auth.login(world.ours.consultant)
    client.submit(_url(world), {**RETENTION, "name": "Spiegel & Partners", "primary_color": "#1a237e",
                                "logo": (io.BytesIO(tiny_png()), "logo.png")}, content_type="multipart/form-data")
    round_ = filled_round(app, world, {"Wonen": 6})
    response = download(client, f"/o/{world.ours.org.slug}/rounds/{round_.id}/report.pdf")
    reader = PdfReader(io.BytesIO(response.data))
    assert "SPIEGEL & PARTNERS" in reader.pages[0].extract_text().upper()
    assert len(reader.pages[0].images) == 1


def test_no_one_else_sees_the_settings_or_the_logo(make_client, world):
    for user in (world.theirs.consultant, world.ours.director):
        client = make_client()
        sign_in(client, user.email)
        assert client.get(_url(world)).status_code == 404
        assert client.get(_url(world, "logo")).status_code == 404


def test_a_colour_with_a_trailing_newline_is_refused_with_a_message(client, auth, world):
    auth.login(world.ours.consultant)
    response = client.submit(_url(world), {**RETENTION, "name": "Bureau", "primary_color": "#1a237e\n"})
    assert response.status_code == 400 and "#00695c" in response.get_data(as_text=True)


def test_the_house_colour_and_name_run_through_the_whole_report(client, auth, world, app):
    from pypdf import PdfReader

    from maturity.reports.context import report_context
    from maturity.results.services import round_results

    from ..helpers import filled_round

    auth.login(world.ours.consultant)
    client.submit(_url(world), {**RETENTION, "name": "Spiegel & Partners", "primary_color": "#1a237e"})
    round_ = filled_round(app, world, {"Wonen": 6})
    db.session.expire_all()  # the settings were saved by another request
    with app.test_request_context():
        from flask import render_template

        html = render_template("pdf/report.html", **report_context(round_, round_results(round_)))
    assert 'fill="#1a237e"' in html  # the dimension bars
    assert "--house: #1a237e;" in html  # every coloured element of print.css reads it
    reader = PdfReader(io.BytesIO(download(client, f"/o/{world.ours.org.slug}/rounds/{round_.id}/report.pdf").data))
    footer = reader.pages[2].extract_text()
    assert "Spiegel & Partners" in footer and "Klantspiegel" not in footer


def test_respondents_and_customers_see_the_client_not_the_platform(make_client, world, app):
    from datetime import date, timedelta

    from maturity.rounds import services

    round_ = services.create_round(world.ours.org, services.RoundSettings(
        title="R", opens_on=date.today(), closes_on=date.today() + timedelta(days=3)))
    services.open_round(round_)
    db.session.flush()
    page = make_client().get(f"/k/{round_.customer_token}/").get_data(as_text=True)
    header = page.split("</header>")[0]
    assert world.ours.org.name in header and "Klantspiegel" not in header


def test_invitations_are_signed_by_the_consultancy(client, auth, world):
    from ..conftest import outbox_messages

    auth.login(world.ours.director)
    client.submit(f"/o/{world.ours.org.slug}/people", {
        "name": "Nieuwe Collega", "email": "nieuw@example.nl", "department": "", "role": "director"})
    [mail] = [m for m in outbox_messages() if m.recipient == "nieuw@example.nl"]
    assert mail.body_text.rstrip().endswith(world.ours.consultancy.name)
