"""Generating the action plan from a round's results: a documented rule set, pure.

Every proposal says which finding it answers. Texts are given in Dutch and English here, so
a generated plan reads well in either language; a director's own edits are kept as typed.
Rules (docs/methodology.md, "The action plan"):

1. The step to the next phase (seed 004): onwetend → klantgericht: hold up the mirror;
   klantgericht → klantbewust: leadership, a learning culture, skills training;
   klantbewust → klantbekwaam: leadership that embeds it in the culture; klantbekwaam: keep
   the customer looking along.
2. Every dimension that keeps the organisation from the next phase, with its numbers.
3. A meaningful mirror gap (seed 000: let the customer look along, go and ask), and each
   mirror topic where employees rate at least one mark above customers.
4. The weakest statements (customer-oriented average below 3 on 1–5), at most three.
5. The seed 001 advice for each quiz question where at least 30 % chose the weakest answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..instrument import Instrument, Text
from .display import MARK_DIGITS, WEAK_STATEMENT, shown_difference
from .phases import Phase, Placement

MAX_WEAK_STATEMENTS = 3
QUIZ_WEAK_SHARE = 0.30
TOPIC_GAP = 1.0


@dataclass(frozen=True, slots=True)
class Proposal:
    #: Stable per rule and subject, so regenerating finds the same item again.
    key: str
    title: Text
    description: Text
    finding: Text


@dataclass(frozen=True, slots=True)
class StatementScore:
    key: str
    mean: float  # customer-oriented average on 1..5 (reverse items already flipped)
    n: int


@dataclass(frozen=True, slots=True)
class PlanInput:
    placement: Placement
    statements: Sequence[StatementScore]
    #: (mirror item key, employees' own mean mark, customers' mean mark)
    mirror_topics: Sequence[tuple[str, float, float]]
    #: (quiz question key, option key of the weakest answer, share of respondents choosing it)
    quiz_weak: Sequence[tuple[str, str, float]]


def _num(value: float, digits: int = 1) -> Text:
    text = f"{value:.{digits}f}"
    return Text(nl=text.replace(".", ","), en=text)


def _t(nl: str, en: str, **params) -> Text:
    nl_params = {k: (v.nl if isinstance(v, Text) else v) for k, v in params.items()}
    en_params = {k: (v.en if isinstance(v, Text) else v) for k, v in params.items()}
    return Text(nl=nl.format(**nl_params), en=en.format(**en_params))


PHASE_STEPS: dict[Phase, list[tuple[str, Text, Text]]] = {
    Phase.ONWETEND: [
        ("step.mirror", Text(nl="Houd de organisatie de spiegel voor", en="Hold up the mirror to the organisation"),
         Text(nl="Bespreek de uitkomsten van de spiegel met alle medewerkers: hoe wij onszelf zien en hoe klanten ons zien. "
                 "Zolang dat verschil niet gevoeld wordt, gebeurt er niets. Laat in elk team twee klantreacties voorlezen en bespreek: herkennen wij dit?",
              en="Share the mirror with every employee: how we see ourselves and how customers see us. As long as the "
                 "difference is not felt, nothing happens. Have each team read out two customer responses and discuss: do we recognise this?")),
        ("step.listen", Text(nl="Ga op bezoek bij klanten en vraag door", en="Visit customers and keep asking"),
         Text(nl="Laat leidinggevenden de komende maand elk vijf klanten spreken met één vraag: 'Waar lopen wij u in de weg?' "
                 "Verzamel de antwoorden en deel ze in het managementoverleg.",
              en="Have every manager speak with five customers in the coming month with one question: 'Where do we get in your way?' "
                 "Collect the answers and share them in the management meeting.")),
    ],
    Phase.KLANTGERICHT: [
        ("step.leadership", Text(nl="Leiderschap: leidinggevenden geven het goede voorbeeld",
                                 en="Leadership: managers set the example"),
         Text(nl="Spreek met het managementteam af welk klantgedrag u van elkaar verwacht en hoe u elkaar daarop aanspreekt. "
                 "Begin elk overleg met één klantsituatie van de afgelopen week. Van klantgericht naar klantbewust gaat via leiderschap.",
              en="Agree with the management team which behaviour towards customers you expect of each other and how you hold each other to it. "
                 "Start every meeting with one customer situation from the past week. The road from klantgericht to klantbewust runs through leadership.")),
        ("step.learning", Text(nl="Een lerende cultuur: bespreek wat er misging, zonder schuldige",
                               en="A learning culture: discuss what went wrong, without blame"),
         Text(nl="Plan elke maand een korte teamsessie waarin een klacht of misser wordt besproken: wat vroeg de klant echt, wat deden wij, "
                 "wat doen we voortaan anders? Leg de afspraken vast.",
              en="Hold a short team session every month on one complaint or miss: what did the customer really ask, what did we do, "
                 "what will we do differently? Record the agreements.")),
        ("step.training", Text(nl="Train vaardigheden: eerst vragen, dan doen",
                               en="Train skills: ask first, then act"),
         Text(nl="Train medewerkers met klantcontact in het stellen van de vraag 'Waarmee kan ik u helpen?' voordat ze een oplossing geven, "
                 "en in doorvragen bij klachten. Oefen met echte situaties uit de eigen organisatie.",
              en="Train customer-facing staff to ask 'How can I help you?' before offering a solution, and to keep asking when customers complain. "
                 "Practise with real situations from your own organisation.")),
    ],
    Phase.KLANTBEWUST: [
        ("step.embed", Text(nl="Veranker klantgerichtheid in de cultuur", en="Embed customer orientation in the culture"),
         Text(nl="Maak klantgerichtheid onderdeel van hoe u werft, inwerkt, beoordeelt en waardeert. Leiderschap maakt het verschil tussen "
                 "klantbewust (het lukt met moeite) en klantbekwaam (het gaat vanzelf).",
              en="Make customer orientation part of how you recruit, onboard, appraise and reward. Leadership makes the difference between "
                 "klantbewust (it works with effort) and klantbekwaam (it comes naturally).")),
        ("step.choices", Text(nl="Toets beslissingen aan wat de klant nodig heeft", en="Test decisions against what customers need"),
         Text(nl="Stel bij elke beslissing over dienstverlening (openingstijden, procedures, kanalen) de vraag: is dit wat de klant nodig heeft, "
                 "of wat ons het beste uitkomt? Leg de afweging vast.",
              en="For every decision about service (opening hours, procedures, channels) ask: is this what customers need, or what suits us best? "
                 "Record the trade-off.")),
    ],
    Phase.KLANTBEKWAAM: [
        ("step.keep", Text(nl="Blijf de klant laten meekijken", en="Keep customers looking along"),
         Text(nl="Herhaal de spiegel jaarlijks en nodig een klantpanel uit om mee te denken over veranderingen. "
                 "Onbewust bekwaam blijft u alleen als u blijft kijken.",
              en="Repeat the mirror every year and invite a customer panel to think along about changes. "
                 "You only stay unconsciously competent if you keep looking.")),
    ],
}

DIMENSION_ACTIONS = {
    "skills": (Text(nl="Vergroot de persoonlijke klantgerichtheid", en="Strengthen personal customer orientation"),
               Text(nl="Bespreek de persoonlijke adviezen uit de test in de teams en oefen de lastigste situaties (klachten, toezeggingen die niet lukken).",
                    en="Discuss the personal advice from the quiz in the teams and practise the hardest situations (complaints, promises that can't be kept).")),
    "leadership": (Text(nl="Versterk het leiderschap rond klantgerichtheid", en="Strengthen leadership for customer orientation"),
                   Text(nl="Laat leidinggevenden zichtbaar klantgericht handelen, klantervaringen actief ophalen en medewerkers coachen op klantgedrag.",
                        en="Have managers act visibly customer-oriented, actively collect customer experiences and coach employees on customer behaviour.")),
    "culture": (Text(nl="Werk aan de dagelijkse klantcultuur", en="Work on the daily customer culture"),
                Text(nl="Kies met elk team één gewoonte om te veranderen (bijvoorbeeld eerst vragen wat de klant nodig heeft) en kijk na zes weken samen terug.",
                     en="Choose one habit to change with each team (for example asking first what the customer needs) and review it together after six weeks.")),
    "mirror_customer": (Text(nl="Verbeter wat klanten ervaren", en="Improve what customers experience"),
                        Text(nl="Kies de twee onderwerpen waarop klanten het laagst scoren en maak er een verbeterproject van met een eigenaar en een datum.",
                             en="Pick the two topics customers rate lowest and turn them into improvement projects with an owner and a date.")),
}

DIMENSION_NAMES = {
    "skills": Text(nl="Persoonlijke klantgerichtheid", en="Personal customer orientation"),
    "leadership": Text(nl="Leiderschap", en="Leadership"),
    "culture": Text(nl="Cultuur", en="Culture"),
    "mirror_customer": Text(nl="Het oordeel van klanten", en="The customers' rating"),
}

#: Specific advice for mirror topics of instrument v1 (other topics get the generic text).
TOPIC_ACTIONS = {
    "mirror.m2": Text(nl="Maak 'Waarmee kan ik u helpen?' de standaardopening van elk klantcontact en vraag na afloop of dat gelukt is.",
                      en="Make 'How can I help you?' the standard opening of every customer contact and ask afterwards whether it worked."),
    "mirror.m3": Text(nl="Leg de bereikbaarheid naast de momenten waarop klanten u nodig hebben (zoals de vrijdagmiddag) en pas openingstijden en kanalen daarop aan.",
                      en="Compare your availability with the moments customers need you (such as Friday afternoon) and adapt opening hours and channels."),
    "mirror.m4": Text(nl="Behandel kritiek als informatie: registreer klachten, bel elke klager binnen twee werkdagen terug en bespreek maandelijks wat u ervan leert.",
                      en="Treat criticism as information: record complaints, call every complainant back within two working days and review monthly what you learn."),
    "mirror.m5": Text(nl="Doe alleen toezeggingen die u kunt nakomen, en bel zelf op als het toch niet lukt om samen een oplossing te vinden.",
                      en="Only make promises you can keep, and call the customer yourself when one can't be kept, to find a solution together."),
}


def _phase_name(phase: Phase) -> str:
    return phase.key


def generate(plan: PlanInput, instrument: Instrument) -> list[Proposal]:
    """The proposals for this round, in the order a director would read them."""
    placement = plan.placement
    proposals: list[Proposal] = []
    current, target = placement.phase, placement.next_phase
    step_finding = (
        _t("Fase {phase}; volgende stap: {target}.", "Phase {phase}; next step: {target}.",
           phase=_phase_name(current), target=_phase_name(target))
        if target else _t("Fase {phase}.", "Phase {phase}.", phase=_phase_name(current))
    )
    for key, title, description in PHASE_STEPS[current]:
        proposals.append(Proposal(key, title, description, step_finding))

    for reason in placement.missing:
        if reason.code == "dimension_below":
            dimension = reason.params["dimension"]
        elif reason.code == "customer_below":
            dimension = "mirror_customer"
        else:
            continue
        if dimension in DIMENSION_ACTIONS:
            title, description = DIMENSION_ACTIONS[dimension]
            digits = 1 if dimension == "mirror_customer" else 0
            finding = _t("{name}: {value}, voor {target} is minstens {needed} nodig.",
                         "{name}: {value}; {target} needs at least {needed}.",
                         name=DIMENSION_NAMES[dimension], value=_num(reason.params["value"], digits),
                         needed=_num(reason.params["needed"], digits), target=_phase_name(target))
            proposals.append(Proposal(f"dimension.{dimension}", title, description, finding))

    gap = placement.self_gap
    if gap is not None and gap.is_meaningful and gap.direction == "above":
        proposals.append(Proposal(
            "mirror.gap",
            Text(nl="Laat de klant meekijken: ga het gesprek aan", en="Let customers look along: start the conversation"),
            Text(nl="Het zelfbeeld ligt duidelijk boven het oordeel van klanten. Organiseer klantgesprekken of een klantpanel, "
                    "vraag wat zij anders zien, en laat medewerkers die gesprekken bijwonen. Een realistisch zelfbeeld is de basis van elke verbetering.",
                 en="The self-image is clearly above the customers' view. Organise customer conversations or a customer panel, ask what they see "
                    "differently, and let employees attend. A realistic self-image is the basis of every improvement."),
            _t("Medewerkers geven gemiddeld {own}, klanten {customer}.", "Employees give {own} on average, customers {customer}.",
               own=_num(instrument.mirror.scale.from_index(gap.internal)),
               customer=_num(instrument.mirror.scale.from_index(gap.customer))),
        ))
    estimate = placement.estimate_gap
    if estimate is not None and estimate.is_meaningful and estimate.direction == "above":
        proposals.append(Proposal(
            "mirror.estimate",
            Text(nl="Deel klantfeedback met alle medewerkers", en="Share customer feedback with every employee"),
            Text(nl="Medewerkers denken dat klanten tevredener zijn dan ze zijn. Maak klantreacties en klachten zichtbaar, bijvoorbeeld maandelijks in het teamoverleg.",
                 en="Employees think customers are more satisfied than they are. Make customer responses and complaints visible, for example monthly in team meetings."),
            _t("Medewerkers verwachten een {estimate}, klanten geven een {customer}.",
               "Employees expect {estimate}, customers give {customer}.",
               estimate=_num(instrument.mirror.scale.from_index(estimate.internal)),
               customer=_num(instrument.mirror.scale.from_index(estimate.customer))),
        ))
    for key, own, customer in plan.mirror_topics:
        if shown_difference(own, customer, MARK_DIGITS) >= TOPIC_GAP:  # as shown in the report
            item = next(i for i in instrument.mirror.items if i.key == key)
            proposals.append(Proposal(
                f"topic.{key}",
                _t("Spiegelpunt: {topic}", "Mirror topic: {topic}", topic=item.topic),
                TOPIC_ACTIONS.get(key, Text(
                    nl="Vraag klanten wat er op dit onderwerp beter kan en spreek één concrete verbetering af.",
                    en="Ask customers what could be better on this topic and agree one concrete improvement.")),
                _t("Medewerkers geven {own}, klanten {customer}.", "Employees give {own}, customers {customer}.",
                   own=_num(own), customer=_num(customer)),
            ))

    weak = sorted((s for s in plan.statements if s.n and s.mean < WEAK_STATEMENT), key=lambda s: s.mean)
    for statement in weak[:MAX_WEAK_STATEMENTS]:
        item = next(i for section in instrument.likert_sections for i in section.items if i.key == statement.key)
        proposals.append(Proposal(
            f"statement.{statement.key}",
            _t("Verbeterpunt: {text}", "Improvement point: {text}", text=item.aim),
            Text(nl="Bespreek met de betrokken teams waarom deze stelling laag scoort, en spreek één concrete verandering af die u over drie maanden terugziet.",
                 en="Discuss with the teams concerned why this statement scores low, and agree one concrete change you will look back on in three months."),
            _t("Gemiddeld {mean} op een schaal van 1 tot 5 ({n} antwoorden).", "Average {mean} on a scale of 1 to 5 ({n} answers).",
               mean=_num(statement.mean), n=statement.n),
        ))

    for question_key, option_key, share in plan.quiz_weak:
        if share < QUIZ_WEAK_SHARE:
            continue
        question = instrument.question(question_key)
        option = question.option(option_key)
        proposals.append(Proposal(
            f"advice.{question_key}",
            _t("Training: {question} …", "Training: {question} …", question=question.text),
            option.advice,
            _t("{share}% van de medewerkers koos: “{answer}”.", "{share}% of employees chose: “{answer}”.",
               share=round(share * 100), answer=option.text),
        ))
    return proposals
