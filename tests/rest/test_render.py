"""LAVA's JSON conventions, checked without a server."""

from __future__ import annotations

import datetime as dt

from gql_server.rest.render import answer, lava_datetime


def test_datetimes_keep_a_non_zero_fraction_and_end_in_z():
    moment = dt.datetime(2026, 11, 28, 6, 20, 54, 183988, tzinfo=dt.UTC)
    assert lava_datetime(moment) == "2026-11-28T06:20:54.183988Z"
    assert lava_datetime(moment.replace(microsecond=0)) == "2026-11-28T06:20:54Z"
    later = dt.timezone(dt.timedelta(hours=2))
    assert lava_datetime(dt.datetime(2022, 7, 1, 2, 41, 17, tzinfo=later)) == "2022-07-01T00:41:17Z"
    assert lava_datetime(None) is None


def test_bodies_use_compact_separators():
    assert answer({"count": 9, "next": None}).body == b'{"count":9,"next":null}'
