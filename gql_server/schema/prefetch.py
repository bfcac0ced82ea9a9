"""Look ahead at a query's selection and prime data loaders for a whole page at once.

For each GraphQL type, ``RELATIONS`` names the fields that load related objects: the
loader that serves them, the key of the parent, and the GraphQL type of what is loaded
(to walk further down). A page of 100 jobs with nested devices, types, tags and counts
thus costs one query per relation, and its fields then resolve without awaiting.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from operator import attrgetter
from typing import Any, NamedTuple

from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField

from gql_server.schema.loaders import Loaders


class Relation(NamedTuple):
    loader: str
    key: Callable[[Any], Any]
    child_type: str | None = None


RELATIONS: dict[str, dict[str, Relation]] = {
    "Job": {
        "device": Relation("device", attrgetter("actual_device_id"), "Device"),
        "requestedDeviceType": Relation(
            "device_type", attrgetter("requested_device_type_id"), "DeviceType"
        ),
        "submitter": Relation("user", attrgetter("submitter_id")),
        "tags": Relation("job_tags", attrgetter("id")),
        "resultCounts": Relation("job_counts", attrgetter("id")),
        "suites": Relation("suites_by_job", attrgetter("id"), "TestSuite"),
    },
    "Device": {
        "deviceType": Relation("device_type", attrgetter("device_type_id"), "DeviceType"),
        "worker": Relation("worker", attrgetter("worker_host_id"), "Worker"),
        "tags": Relation("device_tags", attrgetter("hostname")),
        "currentJob": Relation("current_job", attrgetter("hostname"), "Job"),
    },
    "DeviceType": {
        "aliases": Relation("aliases_by_type", attrgetter("name")),
        "devices": Relation("devices_by_type", attrgetter("name"), "Device"),
    },
    "Worker": {
        "devices": Relation("devices_by_worker", attrgetter("hostname"), "Device"),
    },
    "TestSuite": {
        "resultCounts": Relation("suite_counts", attrgetter("id")),
        "sets": Relation("sets_by_suite", attrgetter("id")),
    },
    "TestCase": {
        "suite": Relation("suite", attrgetter("suite_id"), "TestSuite"),
        "testSet": Relation("test_set", attrgetter("test_set_id")),
    },
}


def _fields(selections: Iterable[Any]) -> Iterable[SelectedField]:
    for selection in selections:
        if isinstance(selection, SelectedField):
            yield selection
        elif isinstance(selection, FragmentSpread | InlineFragment):
            yield from _fields(selection.selections)


def _flatten(values: Iterable[Any]) -> list[Any]:
    flat: list[Any] = []
    for value in values:
        if isinstance(value, list | tuple):
            flat.extend(value)
        elif value is not None:
            flat.append(value)
    return flat


async def prefetch(
    loaders: Loaders, type_name: str, objects: list[Any], selections: Iterable[Any]
) -> None:
    """Prime the loaders that the selected fields of ``objects`` will ask."""
    relations = RELATIONS.get(type_name, {})
    if not objects or not relations:
        return
    for field in _fields(selections):
        relation = relations.get(field.name)
        if relation is None or field.arguments:
            continue
        loader = getattr(loaders, relation.loader)
        keys = {relation.key(item) for item in objects}
        await loader.prime(keys)
        if relation.child_type and field.selections:
            children = _flatten(loader.peek(key) for key in keys)
            await prefetch(loaders, relation.child_type, children, field.selections)


def page_node_selections(selected: SelectedField) -> list[Any]:
    """The selections made on the nodes of a connection field (``nodes`` and ``edges.node``)."""
    found: list[Any] = []
    for field in _fields(selected.selections):
        if field.name == "nodes":
            found.extend(field.selections)
        elif field.name == "edges":
            for inner in _fields(field.selections):
                if inner.name == "node":
                    found.extend(inner.selections)
    return found
