"""Every mutation of action plans: generate, regenerate (keeping edits), edit, add, move, publish."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from blinker import Namespace

from ..core.actions import (
    DepartmentScore,
    PlanInput,
    StatementScore,
    comment_themes,
    generate,
)
from ..core.messages import N_, Said, join
from ..extensions import db
from ..i18n import in_every_language
from ..instrument import Text
from ..models_base import utcnow
from ..results.services import RoundResults, oriented_mean
from ..rounds.models import Round, previous_published
from .models import ActionItem, ActionPlan, ItemStatus

log = logging.getLogger(__name__)


def plan_input(results: RoundResults) -> PlanInput:
    instrument = results.instrument
    statements = [
        StatementScore(stat.key, oriented_mean(stat, instrument), stat.n)
        for items in results.likert.values() for stat in items if stat.mean is not None
    ]
    topics = [
        (m.key, m.self_.mean, m.customer.mean) for m in results.mirror
        if m.customer is not None and m.customer.mean is not None and m.self_.mean is not None
    ]
    quiz = []
    for q in results.quiz:
        total = sum(q.counts.values())
        if q.weakest_common and total:
            quiz.append((q.key, q.weakest_common, q.counts[q.weakest_common] / total))
    departments = [
        DepartmentScore(d.name, dimension, mean, results.profile.get(dimension).mean)
        for d in results.departments if d.is_visible and d.name is not None
        for dimension, mean in d.means.items()
        if mean is not None and dimension in ("skills", "leadership", "culture") and results.profile.get(dimension)
    ]
    scores = {d: results.profile.get(d).mean for d in ("skills", "leadership", "culture") if results.profile.get(d)}
    scale = instrument.mirror.scale
    marks = {view: scale.from_index(results.profile.get(f"mirror_{view}").mean)
             for view in ("self", "estimate", "customer") if results.profile.get(f"mirror_{view}")}
    return PlanInput(results.placement, statements, topics, quiz, departments=departments,
                     comments=results.comments, employee_comments=results.employee_comments, marks=marks, scores=scores)


#: Quotes per group beside a focus area on the plan page.
MAX_QUOTES = 3


@dataclass(frozen=True)
class ThemeQuotes:
    """Per comment theme (``core.actions.COMMENT_THEMES``): up to ``MAX_QUOTES`` of the
    customers' comments and of what employees would change on it, as the results show them (so
    nothing below its minimum, and nothing once the raw answers were removed). Read from the
    results each time, never stored with the plan."""
    by_theme: dict[str, dict[str, list[str]]]

    def for_item(self, item: ActionItem) -> dict[str, list[str]] | None:
        """The quotes on the item's theme (an adopted item's: the earlier item's theme)."""
        generated = item.generated or {}
        theme = generated.get("theme")
        if theme is None and generated.get("adopted_from"):
            earlier = db.session.get(ActionItem, generated["adopted_from"])
            theme = (earlier.generated or {}).get("theme") if earlier is not None else None
        return self.by_theme.get(theme) if theme else None


def theme_quotes(results: RoundResults, limit: int = MAX_QUOTES) -> ThemeQuotes:
    out: dict[str, dict[str, list[str]]] = {}
    for group, comments in (("customers", results.comments), ("employees", results.employee_comments)):
        for theme, matching in comment_themes(comments).items():
            out.setdefault(theme, {"customers": [], "employees": []})[group] = matching[:limit]
    return ThemeQuotes(out)


def plan_for(round_: Round) -> ActionPlan | None:
    return db.session.scalar(sa.select(ActionPlan).where(ActionPlan.round_id == round_.id))


def generate_plan(round_: Round, results: RoundResults) -> ActionPlan:
    """Create the plan, or bring it up to date with the results while keeping every edit:
    edited texts, owners, dates, statuses, order, own items and removals all survive."""
    if results.placement is None:
        raise ValueError("too few responses to generate a plan")
    plan = plan_for(round_)
    if plan is None:
        plan = ActionPlan(round_id=round_.id, organisation_id=round_.organisation_id)
        db.session.add(plan)
        db.session.flush()
    proposals = generate(plan_input(results), results.instrument)
    closed = (round_.closed_at.date() if round_.closed_at else round_.closes_on)
    unfinished, previous_title = _unfinished_before(round_)
    existing = {item.rule_key: item for item in plan.items if item.rule_key}
    position = max((item.position for item in plan.items), default=0)
    wanted = set()
    for proposal in proposals:
        wanted.add(proposal.key)
        finding = proposal.finding
        earlier = unfinished.get(proposal.theme) or unfinished.get(proposal.practice)
        if earlier is not None:
            # Reviewed, not copied: an unfinished action on the same theme continues here.
            finding = join(finding, _continues(earlier, previous_title))
        texts = {"title": _texts(proposal.title), "description": _texts(proposal.description),
                 "finding": _texts(finding), "role": proposal.role, "role_scope": proposal.role_scope,
                 "target": _texts(proposal.target),
                 "theme": proposal.theme, "practice": proposal.practice, "later": proposal.starts_later,
                 # A suggestion, shown until the director sets a date of their own.
                 "due": _weekday(closed + timedelta(days=round(30.4 * proposal.due_months))).isoformat()}
        item = existing.get(proposal.key)
        if item is None:
            position += 1
            plan.items.append(ActionItem(organisation_id=plan.organisation_id, rule_key=proposal.key,
                                         generated=texts, position=position))
        elif not item.is_removed:
            item.generated = texts  # fresh findings; the director's own words still win
    for key, item in existing.items():
        untouched = not item.is_edited and item.status is ItemStatus.OPEN and not item.owner and not item.due_on
        if key not in wanted and untouched and not item.is_removed:
            plan.items.remove(item)  # the finding no longer applies and nobody worked on it
    plan.generated_at = utcnow()
    log.info("plan generated round=%s items=%s", round_.id, len(plan.items))
    return plan


@dataclass(frozen=True)
class CarryOver:
    """An unfinished action of the previous round, and what became of it in this plan."""
    item: ActionItem
    #: The title of this plan's item that continues it (same theme, or adopted); None: not continued.
    continued_in: str | None

    @property
    def stop_reason(self) -> str | None:
        """Why the director decided not to continue it; None while undecided."""
        return None if self.continued_in else self.item.stop_reason


def carry_over(round_: Round, plan: ActionPlan | None, lang: str) -> tuple[list[CarryOver], str | None]:
    """The previous round's unfinished actions for the director to review: each is continued
    here (on the same theme, or adopted) or deliberately stopped, with a reason."""
    old_plan, previous_title = _previous_plan(round_)
    if old_plan is None:
        return [], None
    current = visible_items(plan) if plan else []
    themes = {}
    for i in current:  # a new item continues an old one on its theme, or when it proposes the same practice
        for key in ("practice", "theme"):
            if (i.generated or {}).get(key):
                themes.setdefault((i.generated or {})[key], i)
    adopted = {(i.generated or {}).get("adopted_from"): i for i in current if (i.generated or {}).get("adopted_from")}
    out = []
    for item in visible_items(old_plan):
        if item.status is ItemStatus.DONE:
            continue
        successor = adopted.get(item.id) or next(
            (themes[v] for v in ((item.generated or {}).get("theme"), (item.generated or {}).get("practice")) if v in themes),
            None)
        out.append(CarryOver(item, successor.text("title", lang) if successor else None))
    return out, previous_title


def adopt_item(plan: ActionPlan, earlier: ActionItem, lang: str) -> ActionItem:
    """Take an unfinished action of the previous round into this plan, as the director's own:
    with where it comes from as its finding, its owner (or the suggested one), a request to set
    its target on this round's figures, and a suggested date three months after this round."""
    round_ = db.session.get(Round, plan.round_id)
    _old, previous_title = _previous_plan(round_)
    item = add_item(plan, title=earlier.text("title", lang), description=earlier.text("description", lang),
                    owner=earlier.owner, due_on=None)
    closed = round_.closed_at.date() if round_.closed_at else round_.closes_on
    finding = _texts(_continues(earlier, previous_title))
    # The earlier target was set on the earlier round's figures: it may be met, or wrong, now;
    # the plan page asks the director for one on this round's figures.
    before = earlier.generated or {}
    item.generated = {"adopted_from": earlier.id, "finding": finding, "owner": before.get("owner"),
                      "role": before.get("role"), "due": _weekday(closed + timedelta(days=91)).isoformat()}
    for field in ("title", "description"):
        if getattr(earlier, field) is None and before.get(field):
            # Not edited by the director: the generated text, in every language.
            item.generated[field] = before[field]
            setattr(item, field, None)
    earlier.stop_reason = None
    return item


def stop_item(earlier: ActionItem, reason: str) -> None:
    """Record the decision not to continue an unfinished action of the previous round."""
    earlier.stop_reason = reason.strip()[:300] or None
    log.info("plan item stopped item=%s", earlier.id)


def _weekday(day: date) -> date:
    """A suggested due date never falls in a weekend."""
    return day + timedelta(days=(7 - day.weekday()) % 7 if day.weekday() >= 5 else 0)


def _unfinished_before(round_: Round) -> tuple[dict, str | None]:
    """The previous published round's unfinished plan items, by theme and practice, and its title."""
    plan, previous_title = _previous_plan(round_)
    if plan is None:
        return {}, None
    items = {}
    for item in visible_items(plan):
        if item.status is ItemStatus.DONE or item.stop_reason:
            continue
        for key in ("theme", "practice"):
            value = (item.generated or {}).get(key)
            if value:
                items.setdefault(value, item)
    return items, previous_title


def _previous_plan(round_: Round) -> tuple[ActionPlan | None, str | None]:
    """The plan of the organisation's published round before ``round_``, and that round's title."""
    previous = previous_published(round_)
    if previous is None:
        return None, None
    return plan_for(previous), previous.title


def set_commentary(plan: ActionPlan, text: str | None, language: str = "nl") -> None:
    plan.commentary = (text or "").strip() or None
    plan.commentary_language = language if plan.commentary else None
    log.info("plan commentary saved round=%s", plan.round_id)


def _texts(said: Said) -> dict:
    """A generated text as stored: in every language, from the catalogue."""
    text = in_every_language(said)
    return {"nl": text.nl, "en": text.en}


def _continues(earlier: ActionItem, previous_title: str | None):
    """Where an action comes from: the previous round's action, in its own words in each language."""
    return N_("Continues “%(title)s” from %(round)s (%(status)s).",
              title=Text(nl=earlier.text("title", "nl"), en=earlier.text("title", "en")), round=previous_title,
              status=Text(nl=earlier.status.label_in("nl"), en=earlier.status.label_in("en")))


def add_item(plan: ActionPlan, *, title: str, description: str, owner: str | None, due_on: date | None) -> ActionItem:
    position = max((item.position for item in plan.items), default=0) + 1
    item = ActionItem(organisation_id=plan.organisation_id, title=title.strip(), description=(description or "").strip() or None,
                      owner=(owner or "").strip() or None, due_on=due_on, position=position)
    plan.items.append(item)
    db.session.flush()
    log.info("plan item added plan=%s item=%s", plan.id, item.id)
    return item


#: Sent in the transaction that changes an action's status, owner, due date or title, with the
#: action and the names of what changed (``changes``). A signal, so that plans need not know who
#: listens (the webhooks).
action_changed = Namespace().signal("action-changed")

#: What ``action_changed`` reports: the fields a receiver follows.
FOLLOWED = ("title", "owner", "due_on", "status")


def _followed(item: ActionItem) -> dict:
    return {"title": item.text("title", "nl"), "owner": item.owner, "due_on": item.due_on, "status": item.status}


def update_item(item: ActionItem, *, title: str, description: str, owner: str | None, due_on: date | None,
                status: ItemStatus, lang: str) -> None:
    """Text equal to the generated text in the reader's language is not an edit."""
    before = _followed(item)
    title, description = title.strip(), (description or "").strip()
    item.title = None if item.is_generated and title == _generated(item, "title", lang) else title
    item.description = None if item.is_generated and description == _generated(item, "description", lang) else (description or None)
    item.owner = (owner or "").strip() or None
    item.due_on = due_on
    item.status = status
    after = _followed(item)
    changes = tuple(field for field in FOLLOWED if before[field] != after[field])
    if changes:
        action_changed.send(item, changes=changes)
    log.info("plan item updated item=%s", item.id)


def _generated(item: ActionItem, field: str, lang: str) -> str:
    return ((item.generated or {}).get(field) or {}).get(lang, "")


def remove_item(item: ActionItem) -> None:
    """Take the action out of the plan, keeping it (and its place) so that the removal can be
    undone (``restore_item``), and so that updating the plan does not bring a suggestion back."""
    item.is_removed = True
    log.info("plan item removed item=%s", item.id)


def restore_item(item: ActionItem) -> None:
    """Undo a removal: the action is back where it was."""
    item.is_removed = False
    log.info("plan item restored item=%s", item.id)


#: Where ``move_item`` can move an action: one place, or to either end of the plan.
MOVES = ("up", "down", "top", "bottom")


def move_item(item: ActionItem, direction: str) -> None:
    """Move an action among the plan's visible actions: one place up or down, or to the top or
    the bottom, in one step. Removed actions keep their place between their neighbours (an
    undone removal comes back there); positions are renumbered, which also repairs equal ones."""
    everything = sorted(item.plan.items, key=lambda i: (i.position, i.id))
    visible = [i for i in everything if not i.is_removed]
    index = visible.index(item)
    target = {"up": index - 1, "down": index + 1, "top": 0, "bottom": len(visible) - 1}[direction]
    if not 0 <= target < len(visible) or target == index:
        return
    everything.remove(item)
    neighbour = visible[target]
    at = everything.index(neighbour)
    everything.insert(at if target < index else at + 1, item)
    for position, i in enumerate(everything, start=1):
        i.position = position
    log.info("plan item moved item=%s %s", item.id, direction)


#: Sent in the transaction that publishes a plan, with its round: the report as it is then is the
#: published record (``reports.services`` issues it). A signal, so that plans need not know reports.
plan_published = Namespace().signal("plan-published")


def set_published(plan: ActionPlan, is_published: bool) -> None:
    plan.is_published = is_published
    log.info("plan %s published=%s", plan.id, is_published)


def suggested_owner(item: ActionItem, roles: dict | None, lang: str) -> str:
    """Who the plan suggests as owner: the organisation's own name for the kind of role the
    action needs (with the department for a department's focus), or what an adopted action had.
    Nothing when the organisation has not named that role: the plan invents no titles."""
    own = item.suggestion("owner", lang)
    if own:
        return own
    generated = item.generated or {}
    role = ((roles or {}).get(generated.get("role") or "") or "").strip()
    if not role:
        return ""
    scope = generated.get("role_scope")
    return f"{role} ({scope})" if scope else role


def set_owner_roles(org, roles: dict[str, str]) -> None:
    org.owner_roles = {key: value.strip() for key, value in roles.items() if value and value.strip()} or None
    log.info("organisation %s owner roles set: %s", org.id, sorted(org.owner_roles or {}))


def visible_items(plan: ActionPlan) -> list[ActionItem]:
    return sorted((i for i in plan.items if not i.is_removed), key=lambda i: (i.position, i.id))


def plan_rows(round_: Round, organisation_roles: dict | None, lang: str) -> list[dict]:
    """The round's action plan as plain rows (for the workbook): what the plan page and the
    report show of each action, in the plan's order."""
    plan = plan_for(round_)
    if plan is None:
        return []
    return [{"title": i.text("title", lang), "owner": i.owner or suggested_owner(i, organisation_roles, lang) or "",
             "due": i.due_on or i.suggested_due, "status": i.status.label, "target": i.suggestion("target", lang) or ""}
            for i in visible_items(plan)]
