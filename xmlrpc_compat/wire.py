"""XML-RPC bodies: requests parsed without entity expansion, answers marshalled as
Python's ``xmlrpc.client`` writes them with ``allow_none`` (what LAVA sends)."""

from __future__ import annotations

import datetime as dt
import xmlrpc.client
from typing import Any

from defusedxml.xmlrpc import DefusedExpatParser

from gql_server.exports.records import time_text

CONTENT_TYPE = "application/xml; charset=utf-8"


class UndecodableRequest(ValueError):
    """The body is not an XML-RPC method call."""


def decode_call(body: bytes) -> tuple[str, tuple[Any, ...]]:
    """The method name and positional parameters of a ``methodCall`` body.

    Entity declarations, external entities and DTD tricks are refused by defusedxml.
    """
    unmarshaller = xmlrpc.client.Unmarshaller()
    parser = DefusedExpatParser(unmarshaller)
    try:
        parser.feed(body)
        parser.close()
        params = unmarshaller.close()
    except Exception as exc:  # expat, defusedxml and the unmarshaller each raise their own
        raise UndecodableRequest(str(exc)) from exc
    name = unmarshaller.getmethodname()
    if not isinstance(name, str):
        raise UndecodableRequest("no methodName")
    return name, tuple(params)


def encode_result(value: Any) -> bytes:
    """A ``methodResponse`` carrying ``value``."""
    return xmlrpc.client.dumps((value,), methodresponse=True, allow_none=True).encode()


def encode_fault(code: int, text: str) -> bytes:
    """A ``methodResponse`` carrying a fault."""
    fault = xmlrpc.client.Fault(code, text)
    return xmlrpc.client.dumps(fault, methodresponse=True, allow_none=True).encode()


def lava_time_text(value: dt.datetime | None) -> str | None:
    """A time as LAVA writes it in strings: Python's ``str()`` of an aware UTC datetime
    (``2022-12-13 13:12:07+00:00``, microseconds only when not zero)."""
    return None if value is None else time_text(value)
