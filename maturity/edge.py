"""Input is cleaned at the edge, once, before any view sees it.

NUL characters are removed from every query and form value (and their names): PostgreSQL
cannot store or compare text containing them, and no keyboard types one. A path containing
one names nothing, so it is 404. Everything else (lengths, numbers, dates, single-line text)
is checked by the forms' own validators (``forms_common``)."""

from __future__ import annotations

from flask import Request, abort, request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter
from werkzeug.utils import cached_property

from .models_base import MAX_ID

NUL = "\x00"


def _clean(values: ImmutableMultiDict) -> ImmutableMultiDict:
    if not any(NUL in k or NUL in v for k, v in values.items(multi=True)):
        return values
    return ImmutableMultiDict([(k.replace(NUL, ""), v.replace(NUL, "")) for k, v in values.items(multi=True)])


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route: a number no id column can hold (PostgreSQL answered
    "integer out of range", a 500, for 2147483648) does not match the route, so it is 404,
    decided here once instead of in every view."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class CleanRequest(Request):
    @cached_property
    def args(self) -> ImmutableMultiDict:
        return _clean(super().args)

    def _load_form_data(self) -> None:
        super()._load_form_data()
        self.__dict__["form"] = _clean(self.__dict__["form"])


def refuse_nul_in_path():
    if NUL in request.path:
        abort(404)
