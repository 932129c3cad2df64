"""A published round's figures, and progress between rounds: the same result model the page,
the PDF and the downloads render (``results.figures.RoundFigures`` and the tidy rows of
``results.exports``), with every disclosure decision already made; nothing while a round is
open (409, the page's own words)."""

from __future__ import annotations

from flask import g
from flask_babel import get_locale
from flask_babel import gettext as _

from ..core.display import shown
from ..progress.services import organisation_progress
from ..results.exports import export_figures, tidy
from ..results import segment_tally
from ..results.figures import group_label, segment_columns
from ..results.history import TREND_DIMENSIONS, dimension_value
from ..results.services import ResultsNotPublished
from ..rounds.models import Round
from ..tenancy.access import key_get, key_organisation
from .auth import blueprint, refuse, requires
from .schemas import ProgressSchema, ResultsArgs, ResultsSchema

blp = blueprint("results", "A published round's figures and the progress between rounds (scope results:read).")

#: The unit of each section's values (a segment row's depends on its column: see its figure).
UNITS = {"dimension": "0-100", "department": "0-100", "statement": "1-5", "statement_change": "0-100",
         "statement_share": "%", "mirror": "1-10", "quiz": "count", "alpha": "alpha", "spread": "1-5"}


def _groups(family) -> list[dict]:
    """The segment groups the round shows, as the results page's filter offers them."""
    return [{"group": key, "label": group_label(label), "responses": n}
            for key, (label, n) in sorted(segment_tally.filters(family).items(), key=lambda kv: group_label(kv[1][0]))]


def _number(value):
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def results_document(round_: Round, wanted: list[str]) -> dict:
    """The round's figures as the API gives them: the headline and the CSV's rows."""
    if not round_.is_published:
        raise ResultsNotPublished(round_.id)
    lang = str(get_locale().language)
    made = export_figures(round_, lang, wanted)
    if made is None:
        refuse(422, _("This round shows no figures for that group."), query={"group": [_("Not a group of this round.")]})
    f, segments, _name = made
    columns = segment_columns()  # as the CSV download (reports.views)
    values = tidy(f, _, as_text=False, segments=segments, columns=columns)
    texts = tidy(f, _, as_text=True, segments=segments, columns=columns)
    too_few = _("too few responses")
    rows = [{"section": key, "section_label": str(v[0]), "figure": str(v[1]), "group": str(v[2]),
             "responses": v[3] if isinstance(v[3], int) and not isinstance(v[3], bool) else None,
             "value": _number(v[4]), "text": str(t[4]), "hidden": str(t[4]) == too_few, "unit": UNITS.get(key)}
            for (key, v), (_k, t) in zip(values, texts)]
    return {
        "round_id": round_.id, "organisation_id": round_.organisation_id, "language": lang,
        "group": f.group_name, "shown": f.is_shown, "phase": f.phase if f.is_shown else None,
        "provisional": f.provisional, "responses": f.n_responses, "invited": f.n_invited,
        "response_rate": f.response_rate, "customers": f.n_customers,
        "minimums": {"responses": f.min_size, "comments": f.min_comment_size, "customers": f.min_customer_size},
        "dimensions": [{"label": d.label, "responses": d.n, "value": _number(d.value), "text": d.text} for d in f.dims],
        "key_findings": list(f.key_findings), "groups": _groups(segment_tally.shown_groups(round_.id)), "rows": rows,
    }


@blp.get("/rounds/<int:round_id>/results")
@blp.etag
@blp.arguments(ResultsArgs, location="query")
@blp.response(200, ResultsSchema)
@requires("results:read")
def get_results(args, round_id: int):
    """A published round's figures.

    The headline (phase, counts, dimensions, key findings) and every figure as a row of the CSV
    download, with the disclosure rules applied: a figure resting on fewer responses than the
    round's minimum is null, with "too few responses" as its text. 409 while the round is open.
    Carries an ETag: send it back as `If-None-Match` and an unchanged round answers 304."""
    return results_document(key_get(g.api_key, Round, round_id), args["group"])


@blp.get("/organisations/<int:org_id>/progress")
@blp.response(200, ProgressSchema)
@requires("results:read")
def get_progress(org_id: int):
    """Progress between the organisation's rounds.

    Its published rounds in the order they were published, each with its phase and dimensions
    as the progress page shows them (null where too few answered)."""
    org = key_organisation(g.api_key, org_id)
    progress = organisation_progress(org)
    points = []
    for p in progress.points:
        if not p.is_published:
            continue
        dims = {}
        for d in TREND_DIMENSIONS:
            value = dimension_value(d, p.profile.get(d)) if p.is_shown and p.profile is not None else None
            dims[d] = shown(*value) if value is not None else None
        points.append({"round_id": p.round_id, "title": p.title, "opens_on": p.opens_on, "responses": p.n,
                       "phase": p.phase.key if p.is_shown and p.phase is not None else None, "dimensions": dims})
    return {"organisation_id": org.id, "rounds": points}
