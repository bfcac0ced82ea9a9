"""Job definitions: LAVA's submission checks and texts, normalisation, multinode splitting."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from gql_server.lab.definition import (
    DEFAULT_TIMEOUT_SECONDS,
    MAX_DEFINITION_BYTES,
    MAX_GROUP_SIZE,
    DefinitionError,
    ErrorKind,
    ValidatedJob,
    VisibilityKind,
    parse_timeout,
    stored_metadata,
    validate_definition,
)
from gql_server.lab.enums import PRIORITY_HIGH, PRIORITY_LOW, PRIORITY_MEDIUM

PROBLEM = "Problem with submitted job data: "

# The spec's minimal examples (job-definition.md §9), verbatim.
SINGLE_NODE = """\
job_name: smoke
device_type: qemu
visibility: public
priority: medium
timeouts:
  job: {minutes: 10}
  queue: {hours: 2}
actions:
- boot: {method: qemu, media: tmpfs}
"""

MULTINODE = """\
job_name: mn
visibility: personal
timeouts: {job: {minutes: 30}}
protocols:
  lava-multinode:
    roles:
      server: {device_type: qemu, count: 1}
      client: {device_type: qemu, count: 2, tags: [fast]}
    timeout: {minutes: 5}
actions:
- boot: {method: qemu, media: tmpfs, role: [server, client]}
"""

BASE: dict[str, Any] = {
    "job_name": "smoke",
    "device_type": "qemu",
    "visibility": "public",
    "timeouts": {"job": {"minutes": 10}},
    "actions": [{"boot": {"method": "qemu"}}],
}

ROLES_BASE: dict[str, Any] = {
    "job_name": "mn",
    "visibility": "public",
    "timeouts": {"job": {"minutes": 30}},
    "protocols": {
        "lava-multinode": {
            "roles": {
                "host": {"device_type": "qemu", "count": 1},
                "guest": {"device_type": "qemu", "count": 1},
            }
        }
    },
    "actions": [{"boot": {"method": "qemu", "role": ["host", "guest"]}}],
}


def two_roles() -> dict[str, Any]:
    return copy.deepcopy(ROLES_BASE["protocols"]["lava-multinode"]["roles"])


def text(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, sort_keys=False)


def job(**changes: Any) -> str:
    """BASE with top-level keys replaced (``None`` removes a key)."""
    data = copy.deepcopy(BASE)
    data.update(changes)
    return text({key: value for key, value in data.items() if value is not None})


def group(roles: dict[str, Any], actions: list[Any] | None = None, **changes: Any) -> str:
    """A multinode definition with these roles (and actions, by default one for every role)."""
    data = copy.deepcopy(ROLES_BASE)
    data["protocols"]["lava-multinode"]["roles"] = roles
    data["actions"] = actions or [{"boot": {"method": "qemu", "role": list(roles)}}]
    data.update(changes)
    return text(data)


def refused(definition: str, **options: Any) -> DefinitionError:
    with pytest.raises(DefinitionError) as caught:
        validate_definition(definition, **options)
    return caught.value


# --------------------------------------------------------------------------------------------
# The spec's examples


def test_single_node_example() -> None:
    validated = validate_definition(SINGLE_NODE)
    assert validated.job_name == "smoke"
    assert validated.device_type == "qemu"
    assert validated.priority == PRIORITY_MEDIUM
    assert validated.visibility.kind is VisibilityKind.PUBLIC
    assert validated.queue_timeout == 2 * 3600
    assert validated.tags == ()
    assert validated.metadata == {}
    assert not validated.has_notify and validated.notify is None
    assert not validated.is_multinode and validated.nodes == ()
    assert validated.original_definition == SINGLE_NODE
    assert validated.multinode_definition == ""
    assert validated.target_group is None


def test_multinode_example_splits_into_three_jobs_in_role_order() -> None:
    validated = validate_definition(MULTINODE, target_group="g-1")
    assert validated.is_multinode
    assert validated.visibility.kind is VisibilityKind.PERSONAL
    assert [(n.role, n.sub_id, n.role_index) for n in validated.nodes] == [
        ("server", 0, 0),
        ("client", 1, 0),
        ("client", 2, 1),
    ]
    assert [n.device_type for n in validated.nodes] == ["qemu"] * 3
    assert [n.tags for n in validated.nodes] == [(), ("fast",), ("fast",)]
    assert validated.multinode_definition == MULTINODE
    assert validated.original_definition == MULTINODE
    assert validated.target_group == "g-1"
    assert validated.device_type is None


def test_multinode_node_definition_is_lava_split() -> None:
    client = validate_definition(MULTINODE, target_group="g-1").nodes[2]
    assert yaml.safe_load(client.definition) == {
        "actions": [{"boot": {"method": "qemu", "media": "tmpfs", "role": "client"}}],
        "job_name": "mn",
        "timeouts": {"job": {"minutes": 30}},
        "visibility": "personal",
        "device_type": "qemu",
        "protocols": {
            "lava-multinode": {
                "target_group": "g-1",
                "role": "client",
                "group_size": 3,
                "sub_id": 2,
                "tags": ["fast"],
                "timeout": {"minutes": 5},
            }
        },
    }
    # Key order as LAVA builds the node: actions, copied keys, role keys, protocols.
    assert list(yaml.safe_load(client.definition)) == [
        "actions",
        "job_name",
        "timeouts",
        "visibility",
        "device_type",
        "protocols",
    ]


def test_target_group_defaults_to_a_new_uuid() -> None:
    first = validate_definition(MULTINODE).target_group
    second = validate_definition(MULTINODE).target_group
    assert first and second and first != second and len(first) == 36


# --------------------------------------------------------------------------------------------
# Every error text the spec lists, and the schema's wording


ERRORS = [
    pytest.param(
        "device_type: qemu\n",
        PROBLEM + "required key not provided @ data['actions']",
        id="only-device-type",
    ),
    pytest.param(
        "device_type: qemu\njob_name: x\n",
        PROBLEM + "required key not provided @ data['actions']",
        id="only-device-type-and-name",
    ),
    pytest.param(
        job(visibility=None),
        PROBLEM + "required key not provided @ data['visibility']",
        id="no-visibility",
    ),
    pytest.param(
        job(foo=1),
        PROBLEM + "extra keys not allowed @ data['foo']",
        id="unknown-top-level-key",
    ),
    pytest.param(
        "{{{ not yaml\n",
        PROBLEM + "Loading job submission failed: while parsing a flow mapping\n"
        '  in "<unicode string>", line 1, column 3\n'
        "did not find expected ',' or '}'\n"
        '  in "<unicode string>", line 2, column 1.',
        id="yaml-syntax",
    ),
    pytest.param(
        job(priority=101),
        PROBLEM + "Invalid job priority: 101. Should be in [0, 100]",
        id="priority-too-high",
    ),
    pytest.param(
        job(priority=-1),
        PROBLEM + "Invalid job priority: -1. Should be in [0, 100]",
        id="priority-negative",
    ),
    pytest.param(
        job(priority="HIGH"),
        PROBLEM + "not a valid value for dictionary value @ data['priority']",
        id="priority-upper-case",
    ),
    pytest.param(
        job(visibility={"group": "admins"}),
        PROBLEM + "expected a list for dictionary value @ data['visibility']['group']",
        id="visibility-group-not-list",
    ),
    pytest.param(
        job(visibility="private"),
        PROBLEM + "not a valid value for dictionary value @ data['visibility']",
        id="visibility-unknown",
    ),
    pytest.param(
        job(job_name="x" * 201),
        PROBLEM + "length of value must be at most 200 for dictionary value @ data['job_name']",
        id="job-name-too-long",
    ),
    pytest.param(
        job(device_type=""),
        PROBLEM + "length of value must be at least 1 for dictionary value @ data['device_type']",
        id="device-type-empty",
    ),
    pytest.param(
        job(timeouts={"job": {"minutes": 1, "hours": 1}}),
        PROBLEM + "two or more values in the same group of exclusion 'timeout_unit' "
        "@ data['timeouts']['job'][<timeout_unit>]",
        id="timeout-two-units",
    ),
    pytest.param(
        job(timeouts={"queue": {"hours": 1}}),
        PROBLEM + "required key not provided @ data['timeouts']['job']",
        id="timeout-no-job",
    ),
    pytest.param(
        job(timeouts={"job": {"minutes": 1}, "actions": {"Boot": {"minutes": 1}}}),
        PROBLEM + "extra keys not allowed @ data['timeouts']['actions']['Boot']",
        id="timeout-bad-action-name",
    ),
    pytest.param(
        job(timeouts={"job": {"minutes": "5"}}),
        PROBLEM + "expected int for dictionary value @ data['timeouts']['job']['minutes']",
        id="timeout-not-int",
    ),
    pytest.param(
        job(actions=[{"deploy": {"images": {}}}]),
        PROBLEM + "required key not provided @ data['actions'][0]['deploy']['to']",
        id="deploy-without-to",
    ),
    pytest.param(
        job(actions=[{"deploy": {"kernel": {}}}]),
        PROBLEM + "required key not provided @ data['actions'][0]['deploy']['kernel']['url']",
        id="deploy-deepest-error-of-either-schema",
    ),
    pytest.param(
        job(actions=[{"deploy": {"to": "tftp", "kernel": {"url": "k", "sha": "x"}, "timeout": 5}}]),
        PROBLEM
        + "expected a dictionary for dictionary value @ data['actions'][0]['deploy']['timeout']",
        id="deploy-tftp-urls-allow-other-keys",
    ),
    pytest.param(
        job(actions=[{"boot": {"method": "qemu"}}, {"reboot": {}}]),
        PROBLEM + "extra keys not allowed @ data['actions'][1]['reboot']",
        id="unknown-action",
    ),
    pytest.param(
        job(actions=[5, {"boot": {}}]),
        PROBLEM + "required key not provided @ data['actions'][1]['boot']['method']",
        id="error-inside-an-item-wins-over-a-whole-item",
    ),
    pytest.param(
        job(
            actions=[
                {"test": {"monitors": [{"name": "a b", "start": "s", "end": "e", "pattern": "p"}]}}
            ]
        ),
        PROBLEM + "Invalid character for dictionary value "
        "@ data['actions'][0]['test']['monitors'][0]['name']",
        id="monitor-name",
    ),
    pytest.param(
        job(
            actions=[
                {
                    "test": {
                        "definitions": [
                            {
                                "repository": "https://git",
                                "from": "git",
                                "name": "smoke",
                                "path": "smoke.yaml",
                                "revision": "abc",
                                "shallow": True,
                            }
                        ]
                    }
                }
            ]
        ),
        PROBLEM + "When 'revision' is used, 'shallow' shouldn't be 'True'",
        id="revision-and-shallow",
    ),
    pytest.param(
        job(context={"arch": "arm64", "colour": "red"}),
        PROBLEM + "extra keys not allowed @ data['context']['colour']",
        id="unknown-context-variable",
    ),
    pytest.param(
        job(protocols={"lava-lxc": {}}),
        PROBLEM + "extra keys not allowed @ data['protocols']['lava-lxc']",
        id="lava-lxc-removed-on-master",
    ),
    pytest.param(
        job(protocols={"lava-vland": {}}),
        PROBLEM + "extra keys not allowed @ data['protocols']['lava-vland']",
        id="lava-vland-removed-on-master",
    ),
    pytest.param(
        job(metadata={1.5: "x"}),
        PROBLEM + "extra keys not allowed @ data['metadata'][1.5]",
        id="metadata-key-not-str-or-int",
    ),
    pytest.param(
        job(tags="fast"),
        PROBLEM + "expected a list for dictionary value @ data['tags']",
        id="tags-not-list",
    ),
    pytest.param(
        job(tags=["fast", 3]),
        PROBLEM + "expected str @ data['tags'][1]",
        id="tag-not-str",
    ),
    pytest.param(
        job(notify={"criteria": {"status": "started"}}),
        PROBLEM + "not a valid value for dictionary value @ data['notify']['criteria']['status']",
        id="notify-status",
    ),
    pytest.param(
        job(notify={"criteria": {"status": "all"}, "callback": {"url": "u"}, "callbacks": []}),
        PROBLEM + "two or more values in the same group of exclusion 'legacy_callback' "
        "@ data['notify'][<legacy_callback>]",
        id="notify-callback-and-callbacks",
    ),
    pytest.param(
        job(notify={"criteria": {"status": "all"}, "recipients": [{"to": {"method": "email"}}]}),
        PROBLEM + "No valid user or email address specified.",
        id="notify-email-without-address",
    ),
    pytest.param(
        job(notify={"criteria": {"status": "all"}, "recipients": [{"to": {"method": "irc"}}]}),
        PROBLEM + "No valid user or IRC handle specified.",
        id="notify-irc-without-handle",
    ),
    pytest.param(
        job(notify={"criteria": {"status": "all"}, "recipients": [{"to": {"method": "sms"}}]}),
        PROBLEM + "not a valid value for dictionary value "
        "@ data['notify']['recipients'][0]['to']['method']",
        id="notify-method",
    ),
    pytest.param(
        job(device_type=None),
        PROBLEM + "required key not provided @ data['device_type']",
        id="single-node-without-device-type",
    ),
    pytest.param(
        job(device=5),
        PROBLEM + "expected str for dictionary value @ data['device']",
        id="device-not-str",
    ),
    pytest.param(
        "- a\n- b\n",
        PROBLEM + "expected a dictionary",
        id="top-level-list",
    ),
    pytest.param("", PROBLEM + "expected a dictionary", id="empty"),
    pytest.param("just text\n", PROBLEM + "expected a dictionary", id="top-level-scalar"),
    pytest.param(
        "a: 1\n---\nb: 2\n",
        PROBLEM + "Loading job submission failed: expected a single document in the stream\n"
        '  in "<unicode string>", line 1, column 1\n'
        "but found another document\n"
        '  in "<unicode string>", line 2, column 1.',
        id="two-documents",
    ),
    pytest.param(
        "a: !!python/object:os.system x\n",
        PROBLEM + "Loading job submission failed: could not determine a constructor for the tag "
        "'tag:yaml.org,2002:python/object:os.system'\n"
        '  in "<unicode string>", line 1, column 4.',
        id="unsafe-tag",
    ),
    pytest.param(
        "a: 2024-13-45\n",
        PROBLEM + "Loading job submission failed: month must be in 1..12.",
        id="bad-timestamp",
    ),
]


@pytest.mark.parametrize(("definition", "message"), ERRORS)
def test_refused_with_lava_text(definition: str, message: str) -> None:
    assert str(refused(definition)) == message


MULTINODE_ERRORS = [
    pytest.param(
        {"a": {"device_type": "qemu", "connection": "ssh", "count": 1}},
        None,
        PROBLEM
        + "lava-multinode protocol cannot support device_type and connection for a single role.",
        id="device-type-and-connection",
    ),
    pytest.param(
        {"a": {"device_type": "qemu", "count": 1}, "b": {"connection": "ssh", "count": 1}},
        None,
        PROBLEM + "connection specified without a host_role",
        id="connection-without-host-role",
    ),
    pytest.param(
        {"a": {"device_type": "qemu", "count": 1, "host_role": "c", "expect_role": "a"}},
        None,
        PROBLEM + "'host_role' 'c' does not exist",
        id="host-role-unknown",
    ),
    pytest.param(
        {"a": {"device_type": "qemu", "count": 1}, "b": {"connection": "ssh", "host_role": "a"}},
        None,
        PROBLEM + "'expect_role' is required when 'host_role' is used",
        id="host-role-without-expect-role",
    ),
    pytest.param(
        {"a": {"device_type": "qemu", "count": 1, "host_role": "a", "expect_role": "z"}},
        None,
        PROBLEM + "'expect_role' 'z' does not exist",
        id="expect-role-unknown",
    ),
    pytest.param(
        {"a": {"device_type": "qemu", "count": 1, "expect_role": "a"}},
        None,
        PROBLEM + "'expect_role' without 'host_role'",
        id="expect-role-alone",
    ),
    pytest.param(
        {
            "a": {"device_type": "qemu", "count": 2},
            "b": {"connection": "ssh", "count": 1, "host_role": "a", "expect_role": "a"},
        },
        None,
        PROBLEM + "The count for a role designated as a host_role must be 1.",
        id="host-role-count",
    ),
    pytest.param(
        {"a": {"device_type": "qemu", "count": 1}},
        [{"boot": {"method": "qemu", "role": ["a"]}}, {"test": {"monitors": []}}],
        PROBLEM + "Invalid YAML - Did not find a role in action 'test', "
        "check for consistent use of whitespace indents.",
        id="action-without-role",
    ),
    pytest.param(
        {"a": {"device_type": "qemu", "count": 1, "tags": "fast"}},
        None,
        "Invalid job definition: 'device_tags' needs to be a list - received <class 'str'>.",
        id="role-tags-not-list",
    ),
    pytest.param(
        {"a": {"count": 1, "device": "qemu-01"}},
        None,
        PROBLEM + "'device' requires 'device_type'",
        id="device-without-device-type",
    ),
    pytest.param(
        {"a": {"count": 1, "worker": "w1"}},
        None,
        PROBLEM + "'worker' requires 'device_type'",
        id="worker-without-device-type",
    ),
    pytest.param(
        {"a": {"device_type": "qemu", "count": 2, "device": "qemu-01"}},
        None,
        PROBLEM + "lava-multinode roles using a specific device must set count to 1.",
        id="specific-device-count",
    ),
    pytest.param(
        {
            "a": {"device_type": "qemu", "count": 1},
            "b": {
                "connection": "ssh",
                "count": 1,
                "host_role": "a",
                "expect_role": "a",
                "worker": "w1",
            },
        },
        None,
        PROBLEM + "lava-multinode connection roles cannot specify device or worker.",
        id="connection-role-with-worker",
    ),
    pytest.param(
        {"a": {"count": 1}},
        None,
        PROBLEM + "required key not provided @ data['protocols']['lava-multinode']['roles']['a']"
        "['device_type']",
        id="role-without-device-type",
    ),
    pytest.param(
        {"a": {"device_type": "qemu"}},
        None,
        PROBLEM
        + "required key not provided @ data['protocols']['lava-multinode']['roles']['a']['count']",
        id="role-without-count",
    ),
    pytest.param(
        {"a": {"device_type": "qemu", "count": -1}},
        None,
        PROBLEM + "value must be at least 0 for dictionary value "
        "@ data['protocols']['lava-multinode']['roles']['a']['count']",
        id="role-negative-count",
    ),
    pytest.param(
        {"a": "qemu"},
        None,
        PROBLEM + "expected a dictionary for dictionary value "
        "@ data['protocols']['lava-multinode']['roles']['a']",
        id="role-not-mapping",
    ),
    pytest.param(
        {"a": {"device_type": "qemu", "count": 1, "context": {"colour": "red"}}},
        None,
        PROBLEM
        + "extra keys not allowed @ data['protocols']['lava-multinode']['roles']['a']['context']"
        "['colour']",
        id="role-context",
    ),
    pytest.param(
        {"a": {"device_type": "qemu", "count": 1}, "b": {"device_type": "qemu", "count": 1}},
        [{"boot": {"method": "qemu", "role": ["a"]}}],
        PROBLEM + "No action has the role 'b'.",
        id="role-without-action",
    ),
    pytest.param(
        {"a": {"device_type": "qemu", "count": 0}},
        None,
        PROBLEM + f"A multinode group must request between 1 and {MAX_GROUP_SIZE} nodes, not 0.",
        id="no-node",
    ),
    pytest.param(
        {"a": {"device_type": "qemu", "count": 10**9}},
        None,
        PROBLEM
        + f"A multinode group must request between 1 and {MAX_GROUP_SIZE} nodes, not 1000000000.",
        id="too-many-nodes",
    ),
]


@pytest.mark.parametrize(("roles", "actions", "message"), MULTINODE_ERRORS)
def test_multinode_refused_with_lava_text(
    roles: dict[str, Any], actions: list[Any] | None, message: str
) -> None:
    assert str(refused(group(roles, actions))) == message


def test_multinode_without_roles() -> None:
    error = refused(job(device_type=None, protocols={"lava-multinode": {}}))
    assert str(error) == (
        PROBLEM + "required key not provided @ data['protocols']['lava-multinode']['roles']"
    )


def test_first_error_in_written_order() -> None:
    data = {"foo": 1, **BASE, "priority": "urgent"}
    assert refused(text(data)).reason == "extra keys not allowed @ data['foo']"
    data = {**BASE, "priority": "urgent", "foo": 1}
    assert refused(text(data)).reason == "not a valid value for dictionary value @ data['priority']"


def test_error_carries_reason_kind_and_path() -> None:
    error = refused(job(priority="urgent"))
    assert error.kind is ErrorKind.SUBMISSION
    assert error.reason == "not a valid value for dictionary value @ data['priority']"
    assert error.path == ("priority",)
    assert isinstance(error, ValueError)
    syntax = refused("{{{ not yaml\n")
    assert syntax.kind is ErrorKind.YAML
    assert syntax.reason.startswith("while parsing a flow mapping")
    tags = refused(group({"a": {"device_type": "qemu", "count": 1, "tags": 1}}))
    assert tags.kind is ErrorKind.DEFINITION
    assert tags.reason == "'device_tags' needs to be a list - received <class 'int'>"


# --------------------------------------------------------------------------------------------
# Bounds


def test_oversized_definition() -> None:
    padding = "#" * MAX_DEFINITION_BYTES
    error = refused(SINGLE_NODE + padding)
    assert error.kind is ErrorKind.YAML
    assert str(error) == (
        PROBLEM + f"Loading job submission failed: the definition is larger than "
        f"{MAX_DEFINITION_BYTES} bytes."
    )


def test_size_is_counted_in_utf8_bytes() -> None:
    characters = "é" * (MAX_DEFINITION_BYTES // 2 + 1)
    assert "larger than" in refused(f"job_name: {characters}\n").reason


def test_definition_just_under_the_limit_is_read() -> None:
    padding = "#" * (MAX_DEFINITION_BYTES - len(SINGLE_NODE) - 1) + "\n"
    assert validate_definition(SINGLE_NODE + padding).job_name == "smoke"


def test_alias_bomb_is_refused_before_expansion() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 9):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 10) + "]")
    error = refused("\n".join(lines) + "\n")
    assert error.kind is ErrorKind.YAML
    assert "once its aliases are expanded" in error.reason


def test_aliases_within_bounds_are_accepted_and_kept() -> None:
    definition = job(timeouts={"job": {"minutes": 10}}).replace(
        "timeouts:\n  job:\n    minutes: 10\n",
        "timeouts:\n  job: &t {minutes: 10}\n  action: *t\n",
    )
    validated = validate_definition(definition)
    assert yaml.safe_load(validated.definition)["timeouts"]["action"] == {"minutes": 10}


def test_recursive_alias_is_refused() -> None:
    assert refused("a: &a [*a]\n").reason == "the definition holds a recursive alias"


def test_deep_nesting_is_refused() -> None:
    error = refused("a: " + "[" * 150 + "]" * 150 + "\n")
    assert error.reason == "the definition nests deeper than 100 levels"


def test_nesting_through_an_alias_counts() -> None:
    deep = "[" * 60 + "1" + "]" * 60
    error = refused(f"a: &x {deep}\nb: " + "[" * 50 + "*x" + "]" * 50 + "\n")
    assert error.reason == "the definition nests deeper than 100 levels"


def test_lone_surrogate_is_refused() -> None:
    assert refused("job_name: \ud800\n").reason == "the definition is not valid Unicode text"


# --------------------------------------------------------------------------------------------
# Priority, visibility, tags, device and worker


@pytest.mark.parametrize(
    ("priority", "expected"),
    [
        ("low", PRIORITY_LOW),
        ("medium", PRIORITY_MEDIUM),
        ("high", PRIORITY_HIGH),
        (None, PRIORITY_MEDIUM),
        (0, 0),
        (100, 100),
        (37, 37),
    ],
)
def test_priority(priority: Any, expected: int) -> None:
    assert validate_definition(job(priority=priority)).priority == expected


def test_priority_bounds_apply_to_every_node() -> None:
    data = yaml.safe_load(MULTINODE)
    data["priority"] = 200
    assert refused(text(data)).reason == "Invalid job priority: 200. Should be in [0, 100]"


@pytest.mark.parametrize(
    ("visibility", "kind", "groups"),
    [
        ("public", VisibilityKind.PUBLIC, None),
        ("personal", VisibilityKind.PERSONAL, None),
        ({"group": ["lab", "qa"]}, VisibilityKind.GROUP, ("lab", "qa")),
        ({"group": []}, VisibilityKind.GROUP, ()),
        ({}, VisibilityKind.GROUP, None),
    ],
)
def test_visibility(visibility: Any, kind: VisibilityKind, groups: Any) -> None:
    validated = validate_definition(job(visibility=visibility))
    assert validated.visibility.kind is kind
    assert validated.visibility.groups == groups


def test_single_node_tags_device_and_worker() -> None:
    validated = validate_definition(job(tags=["fast", "usb"], device="qemu-01", worker="w1"))
    assert validated.tags == ("fast", "usb")
    assert validated.requested_device == "qemu-01"
    assert validated.requested_worker == "w1"


def test_multinode_ignores_top_level_tags_and_device_type() -> None:
    data = yaml.safe_load(MULTINODE)
    data.update(tags=["top"], device_type="other")
    validated = validate_definition(text(data))
    assert validated.tags == ()
    assert validated.device_type is None
    assert {node.device_type for node in validated.nodes} == {"qemu"}


# --------------------------------------------------------------------------------------------
# Timeouts


@pytest.mark.parametrize(
    ("timeout", "seconds"),
    [
        ({"days": 2}, 2 * 86400),
        ({"hours": 3}, 3 * 3600),
        ({"minutes": 5}, 300),
        ({"seconds": 42}, 42),
        ({"minutes": 5, "skip": True}, 300),
        ({}, DEFAULT_TIMEOUT_SECONDS),
        ({"minutes": 0}, DEFAULT_TIMEOUT_SECONDS),
    ],
)
def test_queue_timeout_units(timeout: dict[str, Any], seconds: int) -> None:
    validated = validate_definition(job(timeouts={"job": {"minutes": 10}, "queue": timeout}))
    assert validated.queue_timeout == seconds
    assert parse_timeout(timeout) == seconds


def test_no_queue_timeout() -> None:
    assert validate_definition(job()).queue_timeout is None


def test_queue_timeout_out_of_range() -> None:
    error = refused(job(timeouts={"job": {"minutes": 1}, "queue": {"days": 10**10}}))
    assert str(error) == (
        PROBLEM + "value out of range for dictionary value @ data['timeouts']['queue']"
    )


# --------------------------------------------------------------------------------------------
# Metadata


def test_metadata_is_converted_for_the_column() -> None:
    metadata = {
        "build": 1234,
        "ratio": 1.5,
        "ok": True,
        "ko": False,
        "none": None,
        "name": "kernel",
        7: "seven",
        "nested": {"a": [1, True, None, {"b": 2.0}]},
    }
    validated = validate_definition(job(metadata=metadata))
    assert validated.metadata == {
        "build": "1234",
        "ratio": "1.5",
        "ok": "true",
        "ko": "false",
        "none": None,
        "name": "kernel",
        "7": "seven",
        "nested": {"a": ["1", "true", None, {"b": "2.0"}]},
    }
    assert stored_metadata({1: [False]}) == {"1": ["false"]}


def test_metadata_stays_as_written_in_the_definition() -> None:
    validated = validate_definition(job(metadata={"ok": True, "build": 5}))
    assert yaml.safe_load(validated.definition)["metadata"] == {"ok": True, "build": 5}


def test_metadata_is_copied_into_every_node() -> None:
    data = yaml.safe_load(MULTINODE)
    data["metadata"] = {"build": 9}
    validated = validate_definition(text(data))
    assert validated.metadata == {"build": "9"}
    assert all(yaml.safe_load(n.definition)["metadata"] == {"build": 9} for n in validated.nodes)


# --------------------------------------------------------------------------------------------
# Normalised definition and notify


def test_definition_keeps_key_order_and_drops_comments() -> None:
    submitted = (
        "# a comment\n"
        "visibility: public\n"
        "job_name: ordered  # trailing\n"
        "timeouts: {job: {minutes: 1}}\n"
        "device_type: qemu\n"
        "actions: [{boot: {method: qemu}}]\n"
    )
    validated = validate_definition(submitted)
    assert validated.original_definition == submitted
    assert validated.definition == (
        "visibility: public\n"
        "job_name: ordered\n"
        "timeouts:\n"
        "  job:\n"
        "    minutes: 1\n"
        "device_type: qemu\n"
        "actions:\n"
        "- boot:\n"
        "    method: qemu\n"
    )


def test_json_is_accepted_as_yaml() -> None:
    as_json = (
        '{"job_name": "j", "device_type": "qemu", "visibility": "public",'
        ' "timeouts": {"job": {"minutes": 1}}, "actions": []}'
    )
    validated = validate_definition(as_json)
    assert validated.job_name == "j"
    assert validated.original_definition == as_json


def test_notify_block_is_kept() -> None:
    notify = {
        "criteria": {"status": "complete"},
        "recipients": [{"to": {"method": "email", "user": "alice"}}],
        "callbacks": [{"url": "https://ci/hook", "header": "X-Token"}],
    }
    validated = validate_definition(job(notify=notify))
    assert validated.has_notify
    assert validated.notify == notify


def test_master_metadata_accepts_any_value() -> None:
    validated = validate_definition(job(metadata={"list": [1, 2], "map": {"a": None}}))
    assert validated.metadata == {"list": ["1", "2"], "map": {"a": None}}


# --------------------------------------------------------------------------------------------
# Multinode splitting


def test_roles_keep_their_own_keys_in_the_protocol_block() -> None:
    roles = {
        "host": {"device_type": "qemu", "count": 1, "essential": True, "timeout": {"minutes": 3}},
        "guest": {
            "connection": "ssh",
            "count": 2,
            "host_role": "host",
            "expect_role": "host",
            "request": "lava-start",
            "tags": ["ignored"],
        },
    }
    validated = validate_definition(group(roles), target_group="g")
    host, first_guest, second_guest = validated.nodes
    assert host.tags == () and first_guest.tags == ()
    assert (first_guest.device_type, second_guest.role_index) == (None, 1)
    host_data = yaml.safe_load(host.definition)
    assert host_data["protocols"]["lava-multinode"] == {
        "target_group": "g",
        "role": "host",
        "group_size": 3,
        "sub_id": 0,
        "essential": True,
        "timeout": {"minutes": 3},
    }
    guest_data = yaml.safe_load(second_guest.definition)
    assert guest_data["connection"] == "ssh"
    assert guest_data["host_role"] == "host"
    assert "device_type" not in guest_data
    assert guest_data["protocols"]["lava-multinode"]["expect_role"] == "host"
    assert guest_data["protocols"]["lava-multinode"]["sub_id"] == 2


def test_group_timeout_overrides_a_role_timeout_as_in_lava() -> None:
    data = yaml.safe_load(MULTINODE)
    data["protocols"]["lava-multinode"]["roles"]["server"]["timeout"] = {"minutes": 1}
    server = validate_definition(text(data)).nodes[0]
    assert yaml.safe_load(server.definition)["protocols"]["lava-multinode"]["timeout"] == {
        "minutes": 5
    }


def test_each_node_gets_only_its_role_actions() -> None:
    actions = [
        {"deploy": {"to": "tmpfs", "role": ["host"]}},
        {"boot": {"method": "qemu", "role": ["host", "guest"]}},
        {"test": {"monitors": [], "role": "guest"}},
        {"command": {"name": "x", "role": ["nobody"]}},
    ]
    host, guest = validate_definition(group(two_roles(), actions)).nodes
    assert yaml.safe_load(host.definition)["actions"] == [
        {"deploy": {"to": "tmpfs", "role": "host"}},
        {"boot": {"method": "qemu", "role": "host"}},
    ]
    assert yaml.safe_load(guest.definition)["actions"] == [
        {"boot": {"method": "qemu", "role": "guest"}},
        {"test": {"monitors": [], "role": "guest"}},
    ]


def test_an_action_with_two_kinds_is_split_per_kind() -> None:
    actions = [{"deploy": {"to": "tmpfs", "role": ["host"]}, "boot": {"method": "q", "role": []}}]
    roles = {"host": {"device_type": "qemu", "count": 1}}
    (host,) = validate_definition(group(roles, actions)).nodes
    assert yaml.safe_load(host.definition)["actions"] == [
        {"deploy": {"to": "tmpfs", "role": "host"}}
    ]


def test_role_given_as_a_name_must_match_exactly() -> None:
    roles = {
        "server": {"device_type": "qemu", "count": 1},
        "serv": {"device_type": "q", "count": 1},
    }
    actions = [{"boot": {"method": "qemu", "role": "server"}}]
    assert str(refused(group(roles, actions))) == PROBLEM + "No action has the role 'serv'."


def test_role_of_another_type_is_refused() -> None:
    actions = [{"boot": {"method": "qemu", "role": 5}}]
    error = refused(group(two_roles(), actions))
    assert error.reason == "The role of action 'boot' must be a list of role names."


def test_roles_with_device_and_worker() -> None:
    roles = {
        "a": {"device_type": "qemu", "count": 1, "device": "qemu-01", "worker": "w1"},
        "b": {"device_type": "qemu", "count": 1, "worker": "w2"},
    }
    first, second = validate_definition(group(roles)).nodes
    assert (first.requested_device, first.requested_worker) == ("qemu-01", "w1")
    assert (second.requested_device, second.requested_worker) == (None, "w2")
    assert yaml.safe_load(first.definition)["device"] == "qemu-01"


def test_copied_top_level_keys() -> None:
    data = yaml.safe_load(MULTINODE)
    data.update(
        priority="high",
        notify={"criteria": {"status": "finished"}},
        reboot_to_fastboot=False,
        context={"arch": "x86"},
        secrets={"token": "t"},
    )
    node = yaml.safe_load(validate_definition(text(data)).nodes[0].definition)
    assert node["priority"] == "high"
    assert node["notify"] == {"criteria": {"status": "finished"}}
    assert node["reboot_to_fastboot"] is False
    assert "context" not in node and "secrets" not in node


def test_count_zero_role_makes_no_node() -> None:
    roles = {"a": {"device_type": "qemu", "count": 1}, "b": {"device_type": "qemu", "count": 0}}
    validated = validate_definition(group(roles, [{"boot": {"method": "q", "role": ["a"]}}]))
    assert [node.role for node in validated.nodes] == ["a"]


# --------------------------------------------------------------------------------------------
# Strict validation (the dispatcher schema's job-level rules)


STRICT_ERRORS = [
    pytest.param(job(device_type=None), '"device_type" or multinode should be defined', ()),
    pytest.param(
        job(timeouts={"job": {"minutes": 1}, "action": {"minutes": 2}}),
        "Global timeout is larger than job timeout",
        ("timeouts", "action"),
    ),
    pytest.param(
        job(actions=[{"boot": {"method": "qemu", "timeout": {"hours": 1}}}]),
        "Action timeout is larger than job timeout",
        ("actions", "0"),
    ),
    pytest.param(
        job(timeouts={"job": {}}),
        "required key not provided",
        ("timeouts", "job", "days"),
    ),
    pytest.param(
        job(timeouts={"job": {"days": 0}}),
        "value must be at least 1",
        ("timeouts", "job", "days"),
    ),
    pytest.param(
        # Each alternative fails as deep; the library reports the first one's error.
        job(timeouts={"job": {"minutes": 0}}),
        "extra keys not allowed",
        ("timeouts", "job", "minutes"),
    ),
    pytest.param(
        job(
            actions=[
                {"boot": {"method": "qemu", "namespace": "a"}},
                {"boot": {"method": "qemu"}},
            ]
        ),
        "When using namespaces, every action should have a namespace",
        (),
    ),
    pytest.param(
        job(actions=[{"boot": {"method": "qemu", "namespace": "common"}}]),
        "'common' is reserved",
        ("actions[0]", "boot", "qemu", "namespace"),
    ),
    pytest.param(
        job(actions=[{"deploy": {"to": "floppy-disk"}}]),
        "unknown action type",
        ("actions", "deploy", "floppy_disk"),
    ),
    pytest.param(
        job(notify={"criteria": {"status": "running", "type": "regression"}}),
        "not a valid value",
        ("notify", "criteria", "status"),
    ),
    pytest.param(
        job(notify={"criteria": {"status": "complete"}, "callback": {"url": "u", "x": 1}}),
        "extra keys not allowed",
        ("notify", "callback", "x"),
    ),
    pytest.param(job(secrets={"token": 5}), "expected str", ("secrets", "token")),
    pytest.param(job(priority=101), "not a valid value", ("priority",)),
]


@pytest.mark.parametrize(("definition", "message", "path"), STRICT_ERRORS)
def test_strict_rules(definition: str, message: str, path: tuple[Any, ...]) -> None:
    error = refused(definition, strict=True)
    assert error.kind is ErrorKind.STRICT
    assert (error.reason, error.path, str(error)) == (message, path, message)


@pytest.mark.parametrize("key", ["device_type", "environment", "context", "tags"])
def test_strict_top_level_keys_not_with_multinode(key: str) -> None:
    data = yaml.safe_load(MULTINODE)
    data[key] = {"device_type": "qemu", "environment": {"A": "1"}, "context": {"arch": "x"}}.get(
        key, ["fast"]
    )
    assert refused(text(data), strict=True).reason == f'"{key}" should not be used with multinode'
    assert validate_definition(text(data)).is_multinode


def test_strict_every_multinode_action_has_roles() -> None:
    data = yaml.safe_load(MULTINODE)
    data["actions"].append({"command": {"name": "x"}})
    error = refused(text(data), strict=True)
    assert error.reason == "Every action of a multinode job should have roles"


def test_strict_role_shapes() -> None:
    roles = {"a": {"device_type": "qemu", "count": 1}, "b": {"connection": "ssh", "count": 1}}
    error = refused(group(roles), strict=True)
    assert (error.reason, error.path) == (
        "extra keys not allowed",
        ("protocols", "lava-multinode", "roles", "b", "connection"),
    )


def test_strict_accepts_the_spec_examples() -> None:
    assert validate_definition(SINGLE_NODE, strict=True).device_type == "qemu"
    assert len(validate_definition(MULTINODE, strict=True).nodes) == 3


def test_submission_tolerates_what_strict_refuses() -> None:
    definition = job(actions=[{"deploy": {"to": "floppy-disk"}}])
    assert isinstance(validate_definition(definition), ValidatedJob)
