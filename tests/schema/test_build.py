"""The schema's extensions: fresh per request, over caches and limit rules made once."""

from __future__ import annotations

import warnings

from strawberry.extensions import AddValidationRules

from gql_server.config import Settings
from gql_server.schema.build import build_schema


def test_building_the_schema_passes_no_shared_extension_instances():
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        build_schema(Settings())


def test_each_request_gets_its_own_extensions_with_the_same_limit_rules():
    schema = build_schema(Settings(max_query_depth=5, max_aliases=3))
    first, second = schema.get_extensions(), schema.get_extensions()
    assert not {id(extension) for extension in first} & {id(e) for e in second}
    rules = [
        [e.validation_rules for e in extensions if type(e) is AddValidationRules]
        for extensions in (first, second)
    ]
    assert rules[0] == rules[1] and len(rules[0][0]) == 2  # depth and aliases, made once
