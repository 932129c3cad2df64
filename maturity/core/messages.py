"""Sentences the core writes without knowing the reader's language.

The core imports neither Flask nor a catalogue. What it says is a :class:`Message`: a msgid of
the catalogue (an English sentence with ``%(name)s`` placeholders) and its parameters. ``N_``
makes one and marks the msgid for ``pybabel extract`` (one of Babel's default keywords; the
catalogue test extracts with it too). ``maturity/i18n.py`` (``in_language``) puts a message into
a language: the msgid through that language's catalogue, numbers through the one number format
the pages use, instrument texts in that language, nested messages the same way.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Number:
    """A figure in a sentence: shown with ``digits`` decimals in the reader's notation (7,0 / 7.0)."""

    value: float
    digits: int = 1


@dataclass(frozen=True, slots=True)
class Message:
    msgid: str
    #: (name, value) pairs; a value is a str or int (as it is), a Number, an instrument Text (its
    #: text in the language) or another Message.
    params: tuple[tuple[str, object], ...] = ()
    #: The sentence names the customer: put into the organisation's word for them (the msgid's
    #: message context, ``i18n.CUSTOMER_WORDS``). Made by ``NC_``.
    customer: bool = False


@dataclass(frozen=True, slots=True)
class Sentences:
    """Messages said one after the other, separated by a space (nothing for none)."""

    parts: tuple[Message, ...] = ()


#: What a generated text is: one message, or several sentences.
Said = Message | Sentences


def N_(msgid: str, /, **params: object) -> Message:
    """A message of the catalogue (extracted by ``pybabel``: ``N_`` is a default keyword)."""
    return Message(msgid, tuple(params.items()))


def NC_(msgid: str, /, **params: object) -> Message:
    """A message that names the customer (extracted with its contexts by ``make messages``:
    scripts/customer_contexts.py)."""
    return Message(msgid, tuple(params.items()), customer=True)


def parts(said: Said) -> tuple[Message, ...]:
    return said.parts if isinstance(said, Sentences) else (said,)


def join(*said: Said) -> Sentences:
    return Sentences(tuple(m for s in said for m in parts(s)))


__all__ = ["NC_", "N_", "Message", "Number", "Said", "Sentences", "join", "parts"]
