"""Request fields read as DRF's serializer fields read them, with their 400 texts.

A :class:`FieldReader` reads the fields of one write; each method reads one field into
``values`` (under the resolver's key) when it is given and valid, and records DRF's
messages for it otherwise. :meth:`FieldReader.values_or_400` then answers
``{"<field>": ["<message>"]}`` for every field that failed, as a serializer does.
Lookups by name in a path (``devices/<hostname>/``) go through :func:`lookup_name`.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import Response

from gql_server.lab.enums import LabEnum
from gql_server.resolvers.devices import MissingReferences, NameTaken
from gql_server.rest.errors import NOT_FOUND, RestError, detail

REQUIRED = "This field is required."
NOT_NULL = "This field may not be null."
NOT_BLANK = "This field may not be blank."
NOT_TEXT = "Not a valid string."
NOT_INTEGER = "A valid integer is required."
NOT_BOOLEAN = "Must be a valid boolean."
NO_NUL = "Null characters are not allowed."
BAD_NAME = "Enter a name without '/' or NUL characters."
_KEY_RANGE = range(-(2**31), 2**31)
_TRUE = {"t", "T", "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "1"}
_FALSE = {"f", "F", "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", "0"}
_NAME_LENGTH = 200
_Label = TypeVar("_Label", bound=LabEnum)


def lookup_name(request: Request, parameter: str) -> str:
    """A name from the path as LAVA master's lookup pattern takes it (anything but ``/``;
    the door refuses a NUL); a JSON 404 for any other."""
    name = request.path_params[parameter]
    if not name or len(name) > _NAME_LENGTH:
        raise detail(404, NOT_FOUND)
    return name


_KEY = re.compile(r"[0-9]{1,10}")


def lookup_id(request: Request, parameter: str) -> int:
    """An integer primary key from the path; a JSON 404 for anything else (also for more
    digits than a 32-bit key has, which are never converted)."""
    text = request.path_params[parameter]
    if not _KEY.fullmatch(text) or int(text) >= 2**31:
        raise detail(404, NOT_FOUND)
    return int(text)


def include_retired(request: Request) -> bool:
    """LAVA's ``?all=<anything non-empty>``: retired devices are listed too."""
    return bool(request.query_params.get("all"))


def label_or_none(labels: type[_Label], value: Any) -> _Label | None:
    """A member of ``labels`` from its label or name in any case; None for anything else
    (the ``set_health`` actions' reading of ``health``)."""
    if not isinstance(value, str):
        return None
    try:
        return labels.from_display(value)  # type: ignore[return-value]
    except ValueError:
        return None


def attachment(text: str, content_type: str, filename: str) -> Response:
    """A file download as LAVA's actions send one (``Content-Type`` exactly as given)."""
    headers = {
        "Content-Type": content_type,
        "Content-Disposition": f"attachment; filename={filename}",
    }
    return Response(text.encode("utf-8"), headers=headers)


class FieldReader:
    """The fields of one request body, read one by one into ``values``.

    ``partial`` (PATCH, and PUT on the routes LAVA master forces partial: devices,
    workers) makes no field required."""

    def __init__(self, data: Mapping[str, Any], partial: bool) -> None:
        self.data = data
        self.partial = partial
        self.values: dict[str, Any] = {}
        self.errors: dict[str, list[str]] = {}

    def _raw(self, name: str, required: bool, nullable: bool) -> tuple[bool, Any]:
        """Whether the field is to be read, and its raw value."""
        if name not in self.data:
            if required and not self.partial:
                self.errors[name] = [REQUIRED]
            return False, None
        value = self.data[name]
        if value is None and not nullable:
            self.errors[name] = [NOT_NULL]
            return False, None
        return True, value

    def text(
        self,
        name: str,
        key: str | None = None,
        *,
        required: bool = False,
        nullable: bool = True,
        blank: bool = True,
        max_length: int | None = None,
    ) -> None:
        """A CharField (numbers are taken as their text, as DRF does)."""
        given, value = self._raw(name, required, nullable)
        if not given:
            return
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                self.errors[name] = [NOT_TEXT]
                return
            value = str(value)
            if "\x00" in value:
                self.errors[name] = [NO_NUL]
                return
            if not value.strip() and not blank:
                self.errors[name] = [NOT_BLANK]
                return
            if max_length is not None and len(value) > max_length:
                self.errors[name] = [f"Ensure this field has no more than {max_length} characters."]
                return
        self.values[key or name] = value

    def name(self, name: str, key: str | None = None, *, max_length: int) -> None:
        """A required primary-key name: not blank, no ``/`` and no NUL."""
        self.text(name, key, required=True, nullable=False, blank=False, max_length=max_length)
        self.check(name, lambda value: "/" not in value, BAD_NAME, key)

    def check(
        self, name: str, valid: Callable[[str], object], message: str, key: str | None = None
    ) -> None:
        """A validator run on a text field read well: its value (when not empty) is
        refused with ``message`` unless ``valid`` holds for it."""
        value = self.values.get(key or name)
        if value and not valid(value):
            del self.values[key or name]
            self.errors[name] = [message]

    def integer(
        self,
        name: str,
        key: str | None = None,
        *,
        nullable: bool = False,
        minimum: int | None = None,
        maximum: int = 2**31 - 1,
    ) -> None:
        """An IntegerField."""
        given, value = self._raw(name, False, nullable)
        if not given:
            return
        if value is not None:
            number = _integer(value)
            if number is None:
                self.errors[name] = [NOT_INTEGER]
                return
            if minimum is not None and number < minimum:
                self.errors[name] = [f"Ensure this value is greater than or equal to {minimum}."]
                return
            if number > maximum:
                self.errors[name] = [f"Ensure this value is less than or equal to {maximum}."]
                return
            value = number
        self.values[key or name] = value

    def boolean(self, name: str, key: str | None = None) -> None:
        """A BooleanField (DRF's true and false spellings)."""
        given, value = self._raw(name, False, False)
        if not given:
            return
        if value is True or value == 1 or (isinstance(value, str) and value in _TRUE):
            self.values[key or name] = True
        elif value is False or value == 0 or (isinstance(value, str) and value in _FALSE):
            self.values[key or name] = False
        else:
            self.errors[name] = [NOT_BOOLEAN]

    def label(self, name: str, labels: type[LabEnum], key: str | None = None) -> None:
        """A choice among an enum's display labels, exactly."""
        given, value = self._raw(name, False, False)
        if not given:
            return
        for member in labels:
            if value == member.display:
                self.values[key or name] = member
                return
        self.errors[name] = [f'"{value}" is not a valid choice.']

    def primary_key(self, name: str, key: str | None = None, *, nullable: bool = True) -> None:
        """A PrimaryKeyRelatedField to an integer key (its existence is the resolver's)."""
        given, value = self._raw(name, False, nullable)
        if not given:
            return
        if value is not None:
            number = _integer(value)
            if number is None:
                self.errors[name] = [_incorrect_type(value)]
                return
            if number not in _KEY_RANGE:
                self.errors[name] = [_does_not_exist(number)]
                return
            value = number
        self.values[key or name] = value

    def _list(self, name: str) -> list[Any] | None:
        """A many field's list; None when it is not given or not a list (noted)."""
        given, value = self._raw(name, False, False)
        if not given:
            return None
        if not isinstance(value, list):
            self.errors[name] = [f'Expected a list of items but got type "{type(value).__name__}".']
            return None
        return value

    def primary_keys(self, name: str, key: str | None = None) -> None:
        """A many PrimaryKeyRelatedField: a list of integer keys."""
        value = self._list(name)
        if value is None:
            return
        numbers = [_integer(item) for item in value]
        wrong = [item for item, number in zip(value, numbers, strict=True) if number is None]
        if wrong:
            self.errors[name] = [_incorrect_type(wrong[0])]
            return
        outside = [number for number in numbers if number not in _KEY_RANGE]
        if outside:
            self.errors[name] = [_does_not_exist(outside[0])]
            return
        self.values[key or name] = numbers

    def names(self, name: str, key: str | None = None) -> None:
        """A many SlugRelatedField: a list of names."""
        value = self._list(name)
        if value is None:
            return
        if not all(isinstance(item, str) and "\x00" not in item for item in value):
            self.errors[name] = ["Invalid value."]
            return
        self.values[key or name] = value

    def values_or_400(self) -> dict[str, Any]:
        """The values read; the serializer's 400 when any field failed."""
        if self.errors:
            raise RestError(400, self.errors)
        return self.values


def _integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _does_not_exist(value: object) -> str:
    return f'Invalid pk "{value}" - object does not exist.'


def _incorrect_type(value: Any) -> str:
    return f"Incorrect type. Expected pk value, received {type(value).__name__}."


def _missing_objects(
    missing: Mapping[str, object], fields: Mapping[str, tuple[str, str | None]]
) -> RestError:
    """A serializer's 400 for related values naming no object. ``missing`` is a
    resolver's (key to value); ``fields`` maps each key to its field name and, for a slug
    field, the slug: ``Invalid pk "<v>" - object does not exist.`` or ``Object with
    <slug>=<v> does not exist.``"""
    errors = {}
    for key, value in missing.items():
        field, slug = fields[key]
        if slug is None:
            errors[field] = [_does_not_exist(value)]
        else:
            errors[field] = [f"Object with {slug}={value} does not exist."]
    return RestError(400, errors)


@contextlib.contextmanager
def serializer_refusals(
    related: Mapping[str, tuple[str, str | None]] | None = None,
    taken: dict[str, list[str]] | None = None,
) -> Iterator[None]:
    """Around a write's resolver call: its refusals as the serializer's 400s.
    MissingReferences becomes :func:`_missing_objects` over ``related``, NameTaken the
    body ``taken``; either passes unchanged when its mapping is not given."""
    try:
        yield
    except MissingReferences as exc:
        if related is None:
            raise
        raise _missing_objects(exc.missing, related) from None
    except NameTaken:
        if taken is None:
            raise
        raise RestError(400, taken) from None
