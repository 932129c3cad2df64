"""Languages: which one a request is answered in (``?lang=``, then remembered for the session;
else the signed-in user's saved choice; else the session's; else what the browser asks for;
else Dutch, ``select_language``), the catalogue's gettext for templates and mails, and numbers
written as the language writes them."""

from __future__ import annotations

import contextlib
import functools
from pathlib import Path

from babel import Locale
from babel.support import NullTranslations, Translations
from flask import current_app, g, has_request_context, request, session
from flask_babel import format_date, format_decimal, format_time, get_locale, get_translations
from flask_babel.speaklater import LazyString
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup
from sqlalchemy.exc import SQLAlchemyError

from .core.display import shown
from .core.messages import Message, Number, Said, parts
from .instrument import Text


#: English is British English: day-month dates and a 24-hour clock, as Dutch readers expect.
LOCALE_FOR_LANGUAGE = {"nl": "nl", "en": "en_GB"}


#: Where the JSON API lives (its language comes from Accept-Language alone).
API_PATH = "/api/"


def select_language() -> str:
    """The API: what ``Accept-Language`` asks for, else Dutch. A page: ``?lang=`` (remembered for
    the session), else the signed-in user's saved choice, else the session's, else what the
    browser asks for, else Dutch."""
    languages = current_app.config["LANGUAGES"]
    if has_request_context() and request.path.startswith(API_PATH):
        # The JSON API speaks what the request asks for, whoever made its key (docs/api.md).
        return request.accept_languages.best_match(list(languages)) or current_app.config["BABEL_DEFAULT_LOCALE"]
    if has_request_context():
        asked = request.args.get("lang")
        if asked in languages:
            session["locale"] = asked
            return asked
    try:
        if current_user and current_user.is_authenticated and current_user.locale in languages:
            return current_user.locale
    except SQLAlchemyError:
        pass  # the database is unreachable: the page that says so still needs a language
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    if has_request_context():
        return request.accept_languages.best_match(list(languages)) or current_app.config["BABEL_DEFAULT_LOCALE"]
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_locale() -> str:
    return LOCALE_FOR_LANGUAGE[select_language()]


def _translations():
    """Flask-Babel's translations for the current locale, looked up once per request and locale
    (``force_locale`` sets a new locale object, so a mail written in another language inside a
    request gets its own). Flask-Babel walks its context, domain and catalogue cache on every
    string; a page has 10 to 30 of them."""
    if not g:
        return get_translations()
    locale = get_locale()
    found = g.get("_i18n_translations")
    if found is None or found[0] is not locale:
        found = g._i18n_translations = (locale, get_translations())
    return found[1]


#: The words an organisation can choose for its customers (``Organisation.customer_word``), each
#: the message context of the catalogue's customer sentences: ``customer_gettext("Dear
#: customer,")`` is ``pgettext("huurder", "Dear customer,")`` for a housing corporation ("Beste
#: huurder,", "Dear tenant,"). The msgid is the English with "customer"; every customer msgid has
#: an entry per context in each catalogue (``make messages`` writes them:
#: scripts/customer_contexts.py; a test checks they are all translated). Not string replacement:
#: each language gets its own sentence, with its own article, plural and word order.
CUSTOMER_WORDS = {
    # context: (Dutch singular, Dutch plural, English singular, English plural)
    "klant": ("klant", "klanten", "customer", "customers"),
    "inwoner": ("inwoner", "inwoners", "resident", "residents"),
    "huurder": ("huurder", "huurders", "tenant", "tenants"),
    "client": ("cliënt", "cliënten", "client", "clients"),
    "bewoner": ("bewoner", "bewoners", "resident", "residents"),
    "bezoeker": ("bezoeker", "bezoekers", "visitor", "visitors"),
    "leerling": ("leerling", "leerlingen", "pupil", "pupils"),
}
DEFAULT_CUSTOMER_WORD = "klant"


def customer_word() -> str:
    """The current organisation's word for its customers: the one a mail or job set
    (``speaking_of``), else the request's organisation's (``g.org``), else "klant"."""
    if g:
        chosen = g.get("_customer_word")
        if chosen is None:
            org = g.get("org")
            chosen = getattr(org, "customer_word", None)
        if chosen in CUSTOMER_WORDS:
            return chosen
    return DEFAULT_CUSTOMER_WORD


@contextlib.contextmanager
def speaking_of(word: str | None):
    """Inside: customer sentences use ``word`` (an organisation's ``customer_word``), e.g. for a
    mail written or a report rendered outside the organisation's own request."""
    saved = g.get("_customer_word")
    g._customer_word = word if word in CUSTOMER_WORDS else DEFAULT_CUSTOMER_WORD
    try:
        yield
    finally:
        g._customer_word = saved


def customer_gettext(msgid: str, /, **variables) -> str:
    """A sentence that names the customer, in the current organisation's word (its message
    context) and the current language; formatted as Flask-Babel's gettext (only with variables)."""
    text = _translations().upgettext(customer_word(), msgid)
    return text % variables if variables else text


def lazy_customer_gettext(msgid: str, /, **variables) -> LazyString:
    """``customer_gettext`` when the text is shown (a form's label, defined once for every
    organisation); extracted with its contexts like ``customer_gettext``."""
    return LazyString(customer_gettext, msgid, **variables)


def customer_ngettext(singular: str, plural: str, num: int, /, **variables) -> str:
    variables.setdefault("num", num)
    return _translations().unpgettext(customer_word(), singular, plural, num) % variables


def customer_text(text: Text, language: str) -> str:
    """An instrument text that names the customer (``Text``, the same item for scoring) in the
    organisation's word: its English is a customer msgid of the catalogue; the instrument's own
    text where the catalogue has none (or the word is "klant")."""
    return _worded(text, language, customer_word())


def _worded(text: Text, language: str, word: str) -> str:
    """``text`` in ``language`` and the customer ``word`` (``customer_text``)."""
    if word == DEFAULT_CUSTOMER_WORD or not text.en:
        return text.get(language)
    found = _catalogue(language).upgettext(word, text.en)
    return text.get(language) if found == text.en and language != "en" else found


def install_template_gettext(app) -> None:
    """Templates translate through ``_translations`` (same catalogues, same new-style
    formatting and escaping as Flask-Babel's own installation, which this replaces)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    # Customer sentences: new-style like ``_`` (escaped, always %-formatted).
    app.jinja_env.globals.update(customer_gettext=_template_customer_gettext,
                                 customer_ngettext=_template_customer_ngettext,
                                 customer_text=customer_text)


def _word_of(context) -> str:
    """A template's customer word: ``customer_word`` in its context (a document rendered by the
    worker, outside the organisation's request), else ``customer_word()``."""
    word = context.get("customer_word")
    return word if word in CUSTOMER_WORDS else customer_word()


@pass_context
def _template_customer_gettext(context, msgid: str, /, **variables):
    text = _translations().upgettext(_word_of(context), msgid)
    if context.eval_ctx.autoescape:
        text = Markup(text)
    return text % variables


@pass_context
def _template_customer_ngettext(context, singular: str, plural: str, num: int, /, **variables):
    variables.setdefault("num", num)
    text = _translations().unpgettext(_word_of(context), singular, plural, num)
    if context.eval_ctx.autoescape:
        text = Markup(text)
    return text % variables


def inject_i18n() -> dict:
    locale = get_locale()
    return {
        "languages": current_app.config["LANGUAGES"],
        "current_language": locale.language,
        "current_locale": str(locale).replace("_", "-"),
        **_bound_gettext(_translations()),
    }


def _bound_gettext(translations) -> dict:
    """``_``, ``gettext`` and ``ngettext`` for one render, bound to its catalogue: nothing is
    looked up per string. They behave as Jinja's new-style ones (``jinja2.ext``): the result is
    escaped Markup in HTML and always a format string. Macros imported without context use the
    environment's (``install_template_gettext``), which give the same strings."""

    @pass_context
    def gettext(context, string: str, /, **variables):
        text = translations.ugettext(string)
        if context.eval_ctx.autoescape:
            text = Markup(text)
        return text % variables

    @pass_context
    def ngettext(context, singular: str, plural: str, num: int, /, **variables):
        variables.setdefault("num", num)
        text = translations.ungettext(singular, plural, num)
        if context.eval_ctx.autoescape:
            text = Markup(text)
        return text % variables

    return {"_": gettext, "gettext": gettext, "ngettext": ngettext}


def customer_aware_gettext():
    """A gettext for the core's explanations (``core/explanations.py``, which take a gettext): a
    sentence that names the customer is read in the organisation's word (its message context,
    which ``make messages`` adds for them: scripts/customer_contexts.py), any other as usual."""
    translations = get_translations()
    word = customer_word()

    def gettext(string: str, **variables) -> str:
        text = translations.upgettext(word, string)
        if text == string:  # no entry in that context: not a customer sentence
            text = translations.ugettext(string)
        return text % variables if variables else text

    return gettext


def locale_for(user) -> str:
    """The locale to write to ``user`` in (mail), from their saved language."""
    language = user.locale if user.locale in LOCALE_FOR_LANGUAGE else current_app.config["BABEL_DEFAULT_LOCALE"]
    return LOCALE_FOR_LANGUAGE[language]


def bound_gettext():
    """``gettext`` and ``ngettext`` bound to the current catalogue, for code that translates
    many strings at once (a round's figures: a thousand labels and sentences). They behave as
    Flask-Babel's (formatting only with variables; ``num`` for ngettext), without looking the
    context, domain and catalogue up again for every string."""
    translations = get_translations()

    def gettext(string: str, **variables) -> str:
        text = translations.ugettext(string)
        return text % variables if variables else text

    def ngettext(singular: str, plural: str, num: int, **variables) -> str:
        variables.setdefault("num", num)
        return translations.ungettext(singular, plural, num) % variables

    return gettext, ngettext


def number(value: float, digits: int, locale: str | None = None) -> str:
    """A number in the reader's locale (decimal comma in Dutch), as the core's sentences want it:
    the value as shown, with the locale's decimal sign and minus sign and no grouping (what
    Babel's pattern "0.0…" gives, tested against it, at a fraction of its cost: a results page
    formats a thousand numbers). ``locale``: another than the request's (a text stored in every
    language)."""
    rounded = shown(value, digits)
    decimal, minus = _number_symbols(locale or str(get_locale()))
    text = f"{abs(rounded):.{digits}f}"
    if digits:
        text = text.replace(".", decimal)
    return (minus + text) if rounded < 0 else text


@functools.lru_cache(maxsize=16)
def _number_symbols(locale: str) -> tuple[str, str]:
    symbols = Locale.parse(locale).number_symbols["latn"]
    return symbols["decimal"], symbols["minusSign"]


def signed(value: float, digits: int) -> str:
    """A change in the reader's locale with its sign: "+0,6", "−5", "0"."""
    text = number(abs(value), digits)
    rounded = shown(value, digits)
    return ("+" if rounded > 0 else "−" if rounded < 0 else "") + text


#: The catalogues Flask-Babel reads (its default directory, beside the app's package).
TRANSLATIONS = Path(__file__).with_name("translations")


@functools.lru_cache(maxsize=8)
def _catalogue(language: str) -> NullTranslations:
    """The compiled catalogue of ``language``, without a request: what Flask-Babel loads. English
    has none (its msgids are the English)."""
    return Translations.load(str(TRANSLATIONS), [language])


def in_language(said: Said, language: str, word: str | None = None) -> str:
    """A core message (``core/messages.py``) in ``language``: the msgid through that language's
    catalogue, formatted with its parameters in the same language (numbers by ``number`` in the
    language's locale, instrument texts in the language, a mirror topic in the customer word,
    nested messages likewise); several sentences separated by a space."""
    word = word if word in CUSTOMER_WORDS else customer_word()
    return " ".join(filter(None, (_message(m, language, word) for m in parts(said))))


def in_every_language(said: Said, word: str | None = None) -> Text:
    """A core message as the text stored in every language (a generated plan's texts), customer
    sentences in ``word`` (else the current organisation's, ``customer_word``)."""
    return Text(**{language: in_language(said, language, word) for language in LOCALE_FOR_LANGUAGE})


def _message(message: Message, language: str, word: str = DEFAULT_CUSTOMER_WORD) -> str:
    catalogue = _catalogue(language)
    text = catalogue.upgettext(word, message.msgid) if message.customer else catalogue.ugettext(message.msgid)
    if not message.params:
        return text
    return text % {name: _parameter(value, language, word) for name, value in message.params}


def _parameter(value, language: str, word: str):
    if isinstance(value, Number):
        return number(value.value, value.digits, LOCALE_FOR_LANGUAGE[language])
    if isinstance(value, Text):  # an instrument text: a mirror topic in the organisation's word
        return _worded(value, language, word)
    if isinstance(value, Message):
        return _message(value, language, word)
    return value


def moment(value) -> str:
    """A point in time as the pages write it (the ``moment`` filter): the date as their tables
    write dates ("4 Dec 2026", "4 dec 2026") and the time to the minute, joined as the locale
    joins them — so a key's expiry date and its last use, on one page, read alike."""
    joined = str(get_locale().datetime_formats["medium"]).replace("'", "")
    return joined.replace("{1}", format_date(value, "medium")).replace("{0}", format_time(value, "short"))
