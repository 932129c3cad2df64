"""The overview per service and segment: every shown segment value's figures beside the
organisation's, rendered by the results page, the exports and the board report alike."""

from __future__ import annotations

from ..rounds.models import Round
from . import segment_tally
from .figures import group_label, round_figures, segment_rows
from .services import RoundResults, round_results


def segment_overview(round_: Round, whole: RoundResults, lang: str):
    """Each shown segment value beside the organisation, in one query (departments have their
    own table; they are offered as filters)."""
    singles = [grp for grp in segment_tally.filters(whole.family) if "+" not in grp and grp.startswith("s")]
    if not singles:
        return ()
    rows = segment_tally.single_group_rows(round_.id)
    services = segment_tally.service_values(round_.organisation_id)
    base = round_figures(whole, lang, {})
    groups = [(grp, group_label(whole.family[grp][0]),
               round_figures(round_results(round_, grp, family=whole.family, preloaded=rows, with_comments=False,
                                           services=services), lang, {}))
              for grp in sorted(singles, key=lambda g: group_label(whole.family[g][0]))]
    return segment_rows(base, groups)
