"""The pure core: scoring, statistics, phase placement, explanations and suppression.

Imports neither Flask nor SQLAlchemy; takes plain values and frozen dataclasses, returns the same.
"""

from __future__ import annotations

from .explanations import (
    describe_reason,
    dimension_label,
    explain,
    explain_next,
    format_number,
    phase_gloss,
    phase_name,
    phase_stage,
    summary,
)
from .phases import DEFAULT, PHASE_GLOSS, Bar, Phase, PhaseThresholds, Placement, Reason, place
from .profile import DIMENSIONS, MIN_PRACTICAL_GAP, Gap, GroupProfile, compute_gap, profile_gaps
from .scoring import (
    DONT_KNOW,
    MIN_ANSWERED_SHARE,
    CustomerScores,
    QuizChoice,
    QuizResult,
    ResponseScores,
    describe_scores,
    item_values,
    mark_from_index,
    score_customer_response,
    score_quiz,
    score_response,
)
from .stats import MIN_ALPHA_RESPONDENTS, DimensionStats, alpha_rows, cronbach_alpha, describe, t_critical_95, welch_df, welch_standard_error
from .suppression import Suppression, suppress

__all__ = [
    "DEFAULT",
    "DIMENSIONS",
    "DONT_KNOW",
    "MIN_ALPHA_RESPONDENTS",
    "MIN_ANSWERED_SHARE",
    "MIN_PRACTICAL_GAP",
    "PHASE_GLOSS",
    "Bar",
    "CustomerScores",
    "DimensionStats",
    "Gap",
    "GroupProfile",
    "Phase",
    "PhaseThresholds",
    "Placement",
    "QuizChoice",
    "QuizResult",
    "Reason",
    "ResponseScores",
    "Suppression",
    "alpha_rows",
    "compute_gap",
    "cronbach_alpha",
    "describe",
    "describe_reason",
    "describe_scores",
    "dimension_label",
    "explain",
    "explain_next",
    "format_number",
    "item_values",
    "mark_from_index",
    "phase_gloss",
    "phase_name",
    "phase_stage",
    "place",
    "profile_gaps",
    "score_customer_response",
    "score_quiz",
    "score_response",
    "summary",
    "suppress",
    "t_critical_95",
    "welch_df",
    "welch_standard_error",
]
