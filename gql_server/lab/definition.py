"""LAVA job definitions: validate one as LAVA does at submission, split a multinode group.

Pure functions: no I/O, no database. What needs the database (device-type aliases, device
availability and permissions, tag names, visibility groups, notify users and queries) is left
to the caller, which finds everything it needs in the :class:`ValidatedJob`.

Sources: ``spec/job-definition.md`` (LAVA 2023.01) and ``spec/changes-since-2023.md`` (§1.6,
§6.1: LAVA master, which wins where the two differ). Error texts are LAVA's, character for
character. Schema errors are worded and ordered as LAVA's validation library (voluptuous)
reports its first error: mapping keys in the order written, then missing required keys.

Deliberate differences from LAVA, each where LAVA fails with an internal error (-32603) or
misbehaves: definitions are bounded (size, nesting and values with aliases expanded, group
size, total text of a group's nodes); a single-node job without ``device_type``, a multinode
block without ``roles``, a role that is not a mapping or not named by a string, a role without
``count`` or ``device_type``, a role with no action, a group of no node, an invalid role
``context`` and an out-of-range queue timeout are 400 errors with voluptuous-style texts; an
action's ``role`` must be a role name or a list of them, and a name must equal the role's
(LAVA tests for a substring); every role used as a ``host_role`` must have count 1 (LAVA
checks only the last one). Where LAVA's order is arbitrary (several required keys missing
from one mapping, a role's own keys in a node's protocol block) the written order is used.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import re
import uuid
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import yaml

from gql_server.lab.enums import PRIORITY_HIGH, PRIORITY_LOW, PRIORITY_MEDIUM

MAX_DEFINITION_BYTES = 1024 * 1024
"""Largest definition accepted, in UTF-8 bytes."""
MAX_YAML_NODES = 200_000
"""Most YAML nodes a definition may hold once its aliases are expanded."""
MAX_YAML_DEPTH = 100
"""Deepest nesting of collections, aliases expanded."""
MAX_GROUP_SIZE = 256
"""Most nodes a multinode group may request."""
MAX_SPLIT_CHARS = 2 * 1024 * 1024
"""Most characters the per-node definitions of one group may add up to."""
DEFAULT_TIMEOUT_SECONDS = 30
"""What LAVA makes of an empty or zero timeout: its default action timeout."""

# LAVA loads and dumps with libyaml when it is there, and its YAML error texts are libyaml's.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

_TIMEOUT_UNITS = ("days", "hours", "minutes", "seconds")
_ROLES_PATH = ("protocols", "lava-multinode", "roles")


class ErrorKind(enum.Enum):
    """Which of LAVA's texts an error takes; the value is the text with ``{}`` for the reason."""

    YAML = "Problem with submitted job data: Loading job submission failed: {}."
    """The text could not be loaded (YAML syntax, or past this server's bounds)."""
    SUBMISSION = "Problem with submitted job data: {}"
    """Schema and structural checks of the submission."""
    DEFINITION = "Invalid job definition: {}."
    """What LAVA raises as a YAML error after validation (multinode role ``tags``)."""
    STRICT = "{}"
    """A rule of the stricter dispatcher schema (``strict=True``); doors show reason and path."""


class DefinitionError(ValueError):
    """A rejected definition.

    ``str(error)`` is the text of LAVA's XML-RPC fault (code 400) and REST ``message`` for
    ``scheduler.jobs.submit``. ``reason`` is that text without the door's prefix and suffix
    (other doors frame it differently: ``scheduler.validate_yaml``, REST ``POST jobs/``),
    ``kind`` says which framing applies, and ``path`` locates schema and strict errors (as
    LAVA's validation library does: keys and list indexes from the top of the definition).
    """

    def __init__(self, reason: str, kind: ErrorKind = ErrorKind.SUBMISSION, path: tuple = ()):
        super().__init__(kind.value.format(reason))
        self.reason = reason
        self.kind = kind
        self.path = path


class VisibilityKind(enum.Enum):
    """The three forms of ``visibility``."""

    PUBLIC = "public"
    PERSONAL = "personal"
    GROUP = "group"


@dataclasses.dataclass(frozen=True)
class Visibility:
    """Who may see the job.

    ``groups`` is set for the group form only: the names as listed (the caller keeps those
    that exist, and refuses the job when none does). It is ``None`` for a mapping without
    ``group``, which LAVA accepts and stores as private with no viewing group.
    """

    kind: VisibilityKind
    groups: tuple[str, ...] | None = None


@dataclasses.dataclass(frozen=True)
class NodeJob:
    """One job of a multinode group: one node of one role.

    ``definition`` is stored as both ``definition`` and ``original_definition`` of its row;
    priority, visibility, queue timeout and metadata are the group's (LAVA copies them).
    """

    role: str
    sub_id: int
    """The ``n`` of the job's ``sub_id`` ``"<first job id>.<n>"``, counted across roles."""
    role_index: int
    """0 to ``count - 1`` within the role."""
    device_type: str | None
    """The requested name, alias or type; ``None`` for a connection role (no device)."""
    requested_device: str | None
    requested_worker: str | None
    tags: tuple[str, ...]
    """Required device tags; always empty for a connection role, as in LAVA."""
    definition: str


@dataclasses.dataclass(frozen=True)
class ValidatedJob:
    """A definition LAVA would accept, as far as can be told without the database.

    For a single-node job the fields are those of its one row. For a multinode job the rows
    are ``nodes``; ``device_type``, ``requested_device``, ``requested_worker`` and ``tags``
    are then ``None`` or empty (LAVA ignores the top-level keys) and ``definition`` is the
    normalised whole submission, which LAVA does not store.
    """

    job_name: str
    """Stored as ``description``."""
    device_type: str | None
    """As written: a device-type name or an alias, resolved later against the database."""
    requested_device: str | None
    """``device:`` (LAVA master): the only device the job may run on."""
    requested_worker: str | None
    """``worker:`` (LAVA master): the only worker whose devices the job may use."""
    priority: int
    visibility: Visibility
    tags: tuple[str, ...]
    queue_timeout: int | None
    """Seconds from ``timeouts.queue``; ``None`` when absent (the site default applies)."""
    metadata: dict[str, Any]
    """The ``metadata`` block as stored in the ``metadata`` column; see :func:`stored_metadata`."""
    notify: dict[str, Any] | None
    """The ``notify`` block as written, or ``None``."""
    definition: str
    """The normalised YAML LAVA stores: a safe dump keeping the submission's key order."""
    original_definition: str
    """The text as submitted."""
    multinode_definition: str
    """The text as submitted for a multinode job (stored on every node), else ``""``."""
    target_group: str | None
    """The group's identifier (a UUID) for a multinode job, else ``None``."""
    nodes: tuple[NodeJob, ...] = ()
    """The jobs of a multinode group in creation order; empty for a single-node job."""

    @property
    def is_multinode(self) -> bool:
        """Whether the definition holds ``protocols.lava-multinode``."""
        return bool(self.nodes)

    @property
    def has_notify(self) -> bool:
        """Whether the definition holds a ``notify`` block."""
        return self.notify is not None


def validate_definition(
    text: str, *, strict: bool = False, target_group: str | None = None
) -> ValidatedJob:
    """Validate a job definition as LAVA's submission does before it touches the database.

    The checks run in LAVA's order: loading, the submission schema, VCS parameters, multinode
    role links, notify recipients, the role checks and split of a multinode group, priority,
    queue timeout. With ``strict``, the job-level rules of LAVA's stricter dispatcher schema
    (``scheduler.jobs.validate``, spec §8) run right after the submission schema, raising
    errors of kind :attr:`ErrorKind.STRICT`; the per-action parameter schemas are not checked.
    ``target_group`` names a multinode group (a new UUID when not given).

    Raises :class:`DefinitionError` with LAVA's text for the first problem found.
    """
    data = _load(text)
    _check(_SUBMISSION_SCHEMA, data)
    if strict:
        _check_strict(data)
    _check_vcs_parameters(data["actions"])
    multinode = data.get("protocols", {}).get("lava-multinode")
    roles = None if multinode is None else _roles(multinode)
    _check_notify_recipients(data.get("notify"))
    single = roles is None
    if single:
        _check(_mapping(_req("device_type", _anything), extra=True), data)
        group, nodes = None, ()
    else:
        group = target_group or str(uuid.uuid4())
        nodes = _split(data, multinode, roles, group)
    return ValidatedJob(
        job_name=data["job_name"],
        device_type=data["device_type"] if single else None,
        requested_device=data.get("device") if single else None,
        requested_worker=data.get("worker") if single else None,
        priority=_priority(data.get("priority", "medium")),
        visibility=_visibility(data["visibility"]),
        tags=tuple(data.get("tags", [])) if single else (),
        queue_timeout=_queue_timeout(data["timeouts"]),
        metadata=stored_metadata(data.get("metadata", {})),
        notify=data.get("notify"),
        definition=_dump(data),
        original_definition=text,
        multinode_definition="" if single else text,
        target_group=group,
        nodes=nodes,
    )


def parse_timeout(timeout: Mapping[str, Any]) -> int:
    """Seconds of a timeout mapping such as ``{minutes: 5}`` (LAVA's ``Timeout.parse``).

    Units are ``days``, ``hours``, ``minutes`` and ``seconds`` (other keys, such as ``skip``,
    are ignored); an empty or zero timeout means :data:`DEFAULT_TIMEOUT_SECONDS`.
    Raises ``OverflowError`` past about 2.7 million years.
    """
    duration = datetime.timedelta(
        **{unit: timeout[unit] for unit in _TIMEOUT_UNITS if unit in timeout}
    )
    if not duration:
        return DEFAULT_TIMEOUT_SECONDS
    return int(duration.total_seconds())


def stored_metadata(block: Mapping[Any, Any]) -> dict[str, Any]:
    """The definition's ``metadata`` block as LAVA master stores it in the ``metadata`` column.

    Keys become strings, scalar values strings (booleans ``"true"``/``"false"``), nulls stay
    null, and nested mappings and lists keep their shape with the same conversion inside.
    """
    return {str(key): _stored_value(value) for key, value in block.items()}


def _stored_value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return stored_metadata(value)
    if isinstance(value, list):
        return [_stored_value(item) for item in value]
    return str(value)


# --------------------------------------------------------------------------------------------
# Loading


def _load(text: str) -> Any:
    """Parse ``text`` with a safe loader after checking this server's bounds."""
    try:
        too_large = len(text) > MAX_DEFINITION_BYTES or len(text.encode()) > MAX_DEFINITION_BYTES
    except UnicodeEncodeError:
        raise DefinitionError("the definition is not valid Unicode text", ErrorKind.YAML) from None
    if too_large:
        raise DefinitionError(
            f"the definition is larger than {MAX_DEFINITION_BYTES} bytes", ErrorKind.YAML
        )
    try:
        _check_shape(text)
        return yaml.load(text, Loader=_LOADER)
    except DefinitionError:
        raise
    # Besides YAML errors, the constructor lets out the errors of values such as !!int x.
    except (yaml.YAMLError, ValueError, TypeError, AttributeError) as exc:
        raise DefinitionError(str(exc), ErrorKind.YAML) from None


def notify_block(definition: str) -> dict[str, Any] | None:
    """The ``notify`` block of a stored definition, or ``None`` when it has none (or no
    longer parses: the definition was validated at submission)."""
    try:
        data = _load(definition)
    except DefinitionError:
        return None
    notify = data.get("notify") if isinstance(data, dict) else None
    return notify if isinstance(notify, dict) else None


@dataclasses.dataclass
class _Open:
    """A collection being parsed: its anchor, and its node count and height so far."""

    anchor: str | None
    nodes: int = 1
    height: int = 1


def _check_shape(text: str) -> None:
    """Refuse, from the parser's events, documents too deep or too large once aliases expand.

    Runs before the document is built, so that deep nesting never reaches the recursive
    composer, and alias bombs are measured without being expanded. A scalar's height is 0,
    a collection's one more than its highest item's.
    """
    stack = [_Open(None)]  # the stream, then the open collections
    anchored: dict[str, tuple[int, int]] = {}  # anchor -> (nodes, height)
    for event in yaml.parse(text, Loader=_LOADER):
        if isinstance(event, yaml.CollectionStartEvent):
            stack.append(_Open(event.anchor))
        elif isinstance(event, yaml.CollectionEndEvent):
            node = stack.pop()
            _add_node(stack[-1], anchored, node.anchor, node.nodes, node.height)
        elif isinstance(event, yaml.ScalarEvent):
            _add_node(stack[-1], anchored, event.anchor, 1, 0)
        elif isinstance(event, yaml.AliasEvent):
            if any(node.anchor == event.anchor for node in stack):
                raise DefinitionError("the definition holds a recursive alias", ErrorKind.YAML)
            # An unknown alias counts as one node; the loader then reports it.
            _add_node(stack[-1], anchored, None, *anchored.get(event.anchor, (1, 0)))


def _add_node(
    parent: _Open,
    anchored: dict[str, tuple[int, int]],
    anchor: str | None,
    nodes: int,
    height: int,
) -> None:
    """Count a finished node, ``nodes`` values and ``height`` high once expanded, in its parent."""
    if height > MAX_YAML_DEPTH:
        raise DefinitionError(
            f"the definition nests deeper than {MAX_YAML_DEPTH} levels", ErrorKind.YAML
        )
    if anchor is not None:
        anchored[anchor] = (nodes, height)
    parent.nodes += nodes
    parent.height = max(parent.height, height + 1)
    if parent.nodes > MAX_YAML_NODES:
        raise DefinitionError(
            f"the definition holds more than {MAX_YAML_NODES} values once its aliases are expanded",
            ErrorKind.YAML,
        )


def _dump(data: Any) -> str:
    """The normalised text LAVA stores: a safe block-style dump in the data's key order."""
    return yaml.dump(data, Dumper=_DUMPER, sort_keys=False)


# --------------------------------------------------------------------------------------------
# Schema checks worded as LAVA's validation library (voluptuous) words them


Path = tuple[Any, ...]
_Check = Callable[[Any, Path], None]


class _Label(str):
    """A path component naming a group of exclusive keys, shown as ``<label>``."""

    def __repr__(self) -> str:
        return f"<{self}>"


class _Invalid(Exception):
    """One schema error: its message, where it is, and ``for <what>`` when about a value."""

    def __init__(self, message: str, path: Path) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.value_of = ""

    def __str__(self) -> str:
        text = self.message + (f" for {self.value_of}" if self.value_of else "")
        if self.path:
            text += " @ data[" + "][".join(map(repr, self.path)) + "]"
        return text


def _check(check: _Check, data: Any, path: Path = ()) -> None:
    """Run a submission check on the value at ``path``, raising its first error as LAVA does.

    A value below the top is a mapping's value, so errors about it read ``for dictionary
    value``.
    """
    try:
        check(data, path)
    except _Invalid as exc:
        if path and len(exc.path) <= len(path):
            exc.value_of = "dictionary value"
        raise DefinitionError(str(exc), ErrorKind.SUBMISSION, exc.path) from None


@dataclasses.dataclass(frozen=True)
class _Field:
    """A key of a mapping schema: a literal ``name`` or keys ``accepts`` approves."""

    check: _Check
    name: Any = None
    accepts: Callable[[Any], bool] | None = None
    required: bool = False
    exclusion: str | None = None


def _req(name: str, check: _Check) -> _Field:
    return _Field(check, name=name, required=True)


def _opt(name: str, check: _Check, exclusion: str | None = None) -> _Field:
    return _Field(check, name=name, exclusion=exclusion)


def _each(accepts: Callable[[Any], bool], check: _Check) -> _Field:
    return _Field(check, accepts=accepts)


def _mapping(*fields: _Field, extra: bool = False) -> _Check:
    """A mapping whose keys are ``fields``, others allowed only with ``extra``."""
    named = {field.name: field for field in fields if field.accepts is None}
    patterns = [field for field in fields if field.accepts is not None]
    exclusions: dict[str, list[str]] = {}
    for field in fields:
        if field.exclusion:
            exclusions.setdefault(field.exclusion, []).append(field.name)

    def check(value: Any, path: Path) -> None:
        if not isinstance(value, dict):
            raise _Invalid("expected a dictionary", path)
        for label, names in exclusions.items():
            if sum(name in value for name in names) > 1:
                message = f"two or more values in the same group of exclusion '{label}'"
                raise _Invalid(message, (*path, _Label(label)))
        for key, item in value.items():
            field = named.get(key) or next((f for f in patterns if f.accepts(key)), None)
            _check_entry(field, item, (*path, key), extra)
        for field in fields:
            if field.required and field.name not in value:
                raise _Invalid("required key not provided", (*path, field.name))

    return check


def _check_entry(field: _Field | None, item: Any, path: Path, extra: bool) -> None:
    if field is None:
        if not extra:
            raise _Invalid("extra keys not allowed", path)
        return
    try:
        field.check(item, path)
    except _Invalid as exc:
        if len(exc.path) <= len(path):
            exc.value_of = "dictionary value"
        raise


def _sequence(*alternatives: _Check) -> _Check:
    """A list whose items each pass one of ``alternatives``.

    An error inside an item is reported at once; an error about a whole item only after the
    other items (the library's order).
    """

    def check(value: Any, path: Path) -> None:
        if not isinstance(value, list):
            raise _Invalid("expected a list", path)
        first = None
        for index, item in enumerate(value):
            error = _item_error(alternatives, item, (*path, index))
            first = first or error
        if first is not None:
            raise first

    return check


def _item_error(alternatives: tuple[_Check, ...], item: Any, path: Path) -> _Invalid | None:
    error = None
    for alternative in alternatives:
        try:
            alternative(item, path)
            return None
        except _Invalid as exc:
            if len(exc.path) > len(path):
                raise
            error = exc
    return error


def _any(*alternatives: _Check) -> _Check:
    """The first alternative that passes; else the deepest error, the first among equals."""

    def check(value: Any, path: Path) -> None:
        errors = []
        for alternative in alternatives:
            try:
                alternative(value, path)
                return
            except _Invalid as exc:
                errors.append(exc)
        raise max(errors, key=lambda error: len(error.path))

    return check


def _all(*checks: _Check) -> _Check:
    def check(value: Any, path: Path) -> None:
        for each in checks:
            each(value, path)

    return check


def _typed(kind: type) -> _Check:
    def check(value: Any, path: Path) -> None:
        if not isinstance(value, kind):
            raise _Invalid(f"expected {kind.__name__}", path)

    return check


def _literal(expected: Any) -> _Check:
    def check(value: Any, path: Path) -> None:
        if value != expected:
            raise _Invalid("not a valid value", path)

    return check


def _one_of(*values: str) -> _Check:
    return _any(*map(_literal, values))


def _length(minimum: int, maximum: int | None = None) -> _Check:
    def check(value: Any, path: Path) -> None:
        if len(value) < minimum:
            raise _Invalid(f"length of value must be at least {minimum}", path)
        if maximum is not None and len(value) > maximum:
            raise _Invalid(f"length of value must be at most {maximum}", path)

    return check


def _range(minimum: int, maximum: int | None = None) -> _Check:
    def check(value: Any, path: Path) -> None:
        try:
            too_small = value < minimum
            too_large = maximum is not None and value > maximum
        except TypeError:
            raise _Invalid("invalid value or type (must have a partial ordering)", path) from None
        if too_small:
            raise _Invalid(f"value must be at least {minimum}", path)
        if too_large:
            raise _Invalid(f"value must be at most {maximum}", path)

    return check


def _match(pattern: str, message: str) -> _Check:
    compiled = re.compile(pattern)

    def check(value: Any, path: Path) -> None:
        if not isinstance(value, str):
            raise _Invalid("expected string or buffer", path)
        if not compiled.match(value):
            raise _Invalid(message, path)

    return check


def _reserved(*names: str) -> _Check:
    def check(value: Any, path: Path) -> None:
        if value in names:
            raise _Invalid(f"'{value}' is reserved", path)

    return check


def _anything(value: Any, path: Path) -> None:
    """Accept any value."""


_STR = _typed(str)
_INT = _typed(int)
_BOOL = _typed(bool)
_DICT = _typed(dict)
_LIST = _typed(list)


def _is_str(key: Any) -> bool:
    return isinstance(key, str)


def _is_action_name(key: Any) -> bool:
    return re.match(r"^[a-z-]+$", str(key)) is not None


# --------------------------------------------------------------------------------------------
# The submission schema (job-definition.md §2-§3, with LAVA master's changes)

_CONTEXT_VARIABLES = frozenset(
    """arch boot_console boot_root cpu extra_options guestfs_driveid guestfs_interface
    guestfs_size machine memory model monitor netdevice no_kvm serial vga booti_dtb_addr
    booti_kernel_addr booti_ramdisk_addr bootm_dtb_addr bootm_kernel_addr bootm_ramdisk_addr
    bootz_dtb_addr bootz_kernel_addr bootz_ramdisk_addr boot_character_delay boot_retry
    bootloader_prompt console_device custom_kernel_args extra_kernel_args extra_nfsroot_args
    failure_retry kernel_loglevel kernel_start_message lava_test_results_dir
    menu_interrupt_prompt mustang_menu_list test_character_delay tftp_mac_address
    uboot_extra_error_message uboot_needs_interrupt uboot_altbank""".split()  # noqa: SIM905
)
# LAVA's list; its site setting EXTRA_CONTEXT_VARIABLES (empty by default) is not supported.

_TIMEOUT = _mapping(
    *(_opt(unit, _INT, exclusion="timeout_unit") for unit in _TIMEOUT_UNITS),
    _opt("skip", _BOOL),
)
_NAMED_TIMEOUTS = _mapping(_each(_is_action_name, _TIMEOUT))
_JOB_TIMEOUTS = _mapping(
    _req("job", _TIMEOUT),
    _opt("action", _TIMEOUT),
    _opt("connection", _TIMEOUT),
    _opt("queue", _TIMEOUT),
    _opt("actions", _NAMED_TIMEOUTS),
    _opt("connections", _NAMED_TIMEOUTS),
)
_CONTEXT = _mapping(
    _each(lambda key: key in _CONTEXT_VARIABLES, _any(_INT, _STR, _sequence(_INT, _STR)))
)
_URL = _mapping(_req("url", _STR), extra=True)  # inherits the enclosing extra=True
_DEPLOY = _any(
    # LAVA's stricter alternative for tftp, which only changes which error is reported.
    _mapping(
        _req("to", _literal("tftp")),
        _opt("timeout", _TIMEOUT),
        *(
            _opt(name, _URL)
            for name in (
                "kernel",
                "ramdisk",
                "nbdroot",
                "initrd",
                "nfsrootfs",
                "dtb",
                "modules",
                "tee",
            )
        ),
        extra=True,
    ),
    _mapping(_req("to", _STR), _opt("timeout", _TIMEOUT), extra=True),
)
_BOOT = _mapping(
    _req("method", _STR),
    _opt("timeout", _TIMEOUT),
    _opt(
        "auto_login",
        _mapping(
            _req("login_prompt", _STR),
            _req("username", _STR),
            _opt("password_prompt", _STR),
            _opt("password", _STR),
            _opt("login_commands", _LIST),
        ),
    ),
    _opt("parameters", _mapping(_each(_is_str, _any(_STR, _BOOL)))),
    _opt("commands", _any(_STR, _LIST)),
    extra=True,
)
_NAME = _match(r"^[a-zA-Z0-9-_]+$", "Invalid character")
_MONITORS = _sequence(
    _mapping(
        _req("name", _NAME),
        _req("start", _STR),
        _req("end", _STR),
        _req("pattern", _STR),
        _opt("fixupdict", _DICT),
    )
)
_SCRIPT = _sequence(
    _mapping(
        _opt("name", _NAME),
        _opt("command", _any(_literal(None), _STR)),
        _opt("delay", _INT),
        *(_opt(name, _STR) for name in ("lava-send", "lava-sync", "lava-wait", "lava-wait-all")),
        _opt("wait_for_prompt", _BOOL),
        _opt(
            "failures",
            _sequence(
                _mapping(
                    _req("message", _STR),
                    _opt("exception", _one_of("InfrastructureError", "JobError", "TestError")),
                    _opt("error", _STR),
                )
            ),
        ),
        _opt("successes", _sequence(_mapping(_req("message", _STR)))),
    )
)
_INTERACTIVE = _sequence(
    _mapping(
        _req("name", _NAME),
        _req("prompts", _LIST),
        _opt("echo", _literal("discard")),
        _req("script", _SCRIPT),
    )
)
_INLINE = _mapping(*(_opt(name, _DICT) for name in ("metadata", "install", "run", "parse")))
_DEFINITIONS = _sequence(
    _mapping(
        _req("repository", _any(_INLINE, _STR)),
        _req("from", _STR),
        _req("name", _STR),
        _req("path", _STR),
        _opt("parameters", _DICT),
        _opt("timeout", _TIMEOUT),
        extra=True,
    )
)
_TEST = _any(
    _mapping(_req("monitors", _MONITORS), _opt("timeout", _TIMEOUT), extra=True),
    _mapping(_req("interactive", _INTERACTIVE), _opt("timeout", _TIMEOUT), extra=True),
    _mapping(_req("definitions", _DEFINITIONS), _opt("timeout", _TIMEOUT), extra=True),
)
_COMMAND = _mapping(
    _req("name", _STR), _opt("timeout", _TIMEOUT), _opt("namespace", _STR), extra=True
)
_ACTIONS = _sequence(
    _mapping(
        _opt("deploy", _DEPLOY), _opt("boot", _BOOT), _opt("test", _TEST), _opt("command", _COMMAND)
    )
)
_CALLBACK_FIELDS = (
    _req("url", _STR),
    _opt("method", _one_of("GET", "POST")),
    _opt("token", _STR),
    _opt("dataset", _one_of("minimal", "logs", "results", "all")),
    _opt("content-type", _one_of("json", "urlencoded")),
)
_CALLBACK = _mapping(*_CALLBACK_FIELDS, extra=True)
_RECIPIENT_TO = (
    _req("method", _one_of("email", "irc")),
    *(_opt(name, _STR) for name in ("user", "email", "server", "handle")),
)
_QUERY_NAME = (_req("username", _STR), _req("name", _STR))
_NOTIFY = _mapping(
    _req(
        "criteria",
        _mapping(
            _req(
                "status",
                _one_of("running", "complete", "incomplete", "canceled", "finished", "all"),
            ),
            _opt("dependency_query", _STR),
            _opt("type", _one_of("progression", "regression")),
            extra=True,
        ),
    ),
    _opt("recipients", _sequence(_mapping(_req("to", _mapping(*_RECIPIENT_TO))))),
    _opt("callback", _CALLBACK, exclusion="legacy_callback"),
    _opt("callbacks", _sequence(_CALLBACK), exclusion="legacy_callback"),
    _opt("verbosity", _one_of("verbose", "quiet", "status-only")),
    _opt(
        "compare",
        _mapping(
            _opt(
                "query",
                _any(
                    _mapping(*_QUERY_NAME),
                    _mapping(_req("entity", _STR), _opt("conditions", _DICT)),
                ),
            ),
            _opt("blacklist", _sequence(_STR)),
            extra=True,
        ),
    ),
    extra=True,
)
_SUBMISSION_SCHEMA = _mapping(
    # Required keys are reported missing in this order: ``actions`` first, as observed.
    _req("actions", _ACTIONS),
    _req("job_name", _all(_STR, _length(1, 200))),
    _req(
        "visibility",
        _any(_literal("public"), _literal("personal"), _mapping(_opt("group", _sequence(_STR)))),
    ),
    _req("timeouts", _JOB_TIMEOUTS),
    _opt("device_type", _all(_STR, _length(1))),
    _opt("device", _STR),
    _opt("worker", _STR),
    _opt("priority", _any(_literal("high"), _literal("medium"), _literal("low"), _INT)),
    # LAVA master dropped lava-lxc and lava-vland.
    _opt(
        "protocols",
        _mapping(
            _opt("lava-multinode", _mapping(_opt("timeout", _TIMEOUT), _opt("roles", _DICT))),
            _opt("lava-xnbd", _DICT),
        ),
    ),
    _opt("context", _CONTEXT),
    # LAVA master accepts any value (2023.01: strings and integers only).
    _opt("metadata", _mapping(_each(lambda key: isinstance(key, str | int), _anything))),
    _opt("secrets", _DICT),
    _opt("environment", _DICT),
    _opt("tags", _sequence(_STR)),
    _opt("notify", _NOTIFY),
    _opt("reboot_to_fastboot", _BOOL),
)


# --------------------------------------------------------------------------------------------
# Submission checks after the schema


def _check_vcs_parameters(actions: list[dict[str, Any]]) -> None:
    for action in actions:
        definitions = action.get("test", {}).get("definitions")
        for definition in definitions if isinstance(definitions, list) else ():
            if (
                isinstance(definition, dict)
                and "revision" in definition
                and definition.get("shallow") is True
            ):
                raise DefinitionError("When 'revision' is used, 'shallow' shouldn't be 'True'")


def _roles(multinode: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The roles of a multinode block, checked for shape and for their links to each other."""
    _check(_mapping(_req("roles", _anything), extra=True), multinode, _ROLES_PATH[:2])
    roles = multinode["roles"]
    for name, role in roles.items():
        path = (*_ROLES_PATH, name)
        if not isinstance(name, str):
            raise DefinitionError(str(_Invalid("extra keys not allowed", path)), path=path)
        _check(_ROLE_CONTEXT, role, path)
        _check_role_links(role, roles)
    return roles


def _is_role(value: Any, roles: dict[str, Any]) -> bool:
    return isinstance(value, str) and value in roles


def _check_role_links(role: dict[str, Any], roles: dict[str, Any]) -> None:
    host_role = role.get("host_role")
    expect_role = role.get("expect_role")
    if host_role is None:
        if expect_role is not None:
            raise DefinitionError("'expect_role' without 'host_role'")
        return
    if not _is_role(host_role, roles):
        raise DefinitionError(f"'host_role' '{host_role}' does not exist")
    if expect_role is None:
        raise DefinitionError("'expect_role' is required when 'host_role' is used")
    if not _is_role(expect_role, roles):
        raise DefinitionError(f"'expect_role' '{expect_role}' does not exist")


def _check_notify_recipients(notify: dict[str, Any] | None) -> None:
    """The recipient checks that need no database (the rest is the caller's)."""
    for recipient in (notify or {}).get("recipients", []):
        to = recipient["to"]
        if to["method"] == "email":
            if "email" not in to and "user" not in to:
                raise DefinitionError("No valid user or email address specified.")
        elif "handle" not in to and "user" not in to:
            raise DefinitionError("No valid user or IRC handle specified.")


def _priority(value: str | int) -> int:
    names = {"low": PRIORITY_LOW, "medium": PRIORITY_MEDIUM, "high": PRIORITY_HIGH}
    if isinstance(value, str):
        return names[value]
    if not PRIORITY_LOW <= value <= PRIORITY_HIGH:
        raise DefinitionError(
            f"Invalid job priority: {value}. Should be in [{PRIORITY_LOW}, {PRIORITY_HIGH}]"
        )
    return int(value)


def _visibility(value: str | dict[str, Any]) -> Visibility:
    if isinstance(value, str):
        return Visibility(VisibilityKind(value))
    groups = value.get("group")
    return Visibility(VisibilityKind.GROUP, None if groups is None else tuple(groups))


def _seconds(timeout: Mapping[str, Any], path: Path) -> int:
    try:
        return parse_timeout(timeout)
    except OverflowError:
        error = _Invalid("value out of range", path)
        error.value_of = "dictionary value"
        raise DefinitionError(str(error), path=path) from None


def _queue_timeout(timeouts: dict[str, Any]) -> int | None:
    if "queue" not in timeouts:
        return None
    return _seconds(timeouts["queue"], ("timeouts", "queue"))


# --------------------------------------------------------------------------------------------
# Multinode (job-definition.md §7, with LAVA master's device and worker keys)

_COPIED_KEYS = (
    "job_name",
    "timeouts",
    "priority",
    "visibility",
    "notify",
    "metadata",
    "reboot_to_fastboot",
)
"""Top-level keys every node's definition copies."""
_ROLE_TOP_LEVEL_KEYS = ("device_type", "device", "worker", "connection", "host_role", "context")
"""Role keys that become top-level keys of the node's definition."""
_ROLE_CONTEXT = _mapping(_opt("context", _CONTEXT), extra=True)
_ROLE_COUNT = _mapping(_req("count", _all(_INT, _range(0))), extra=True)
_DEVICE_ROLE = _mapping(
    _req("device_type", _all(_STR, _length(1))),
    _opt("device", _STR),
    _opt("worker", _STR),
    extra=True,
)


@dataclasses.dataclass(frozen=True)
class _Group:
    """What every node of a group shares."""

    data: dict[str, Any]
    multinode: dict[str, Any]
    target_group: str
    size: int


def _split(
    data: dict[str, Any],
    multinode: dict[str, Any],
    roles: dict[str, dict[str, Any]],
    target_group: str,
) -> tuple[NodeJob, ...]:
    """Check every role, then build one job per node in role order (§7.2)."""
    for name, role in roles.items():
        _check_role(name, role)
    actions = _actions_by_role(data["actions"], roles)
    group = _Group(data, multinode, target_group, _group_size(roles))
    nodes: list[NodeJob] = []
    length = 0
    for name, role in roles.items():
        for role_index in range(role["count"]):
            if not actions[name]:
                raise DefinitionError(f"No action has the role '{name}'.")
            nodes.append(_node(group, name, role, actions[name], len(nodes), role_index))
            length += len(nodes[-1].definition)
            if length > MAX_SPLIT_CHARS:
                raise DefinitionError(
                    f"The definitions of the group's nodes exceed {MAX_SPLIT_CHARS} characters."
                )
    return tuple(nodes)


def _group_size(roles: dict[str, dict[str, Any]]) -> int:
    for role in roles.values():
        if "host_role" in role and roles[role["host_role"]]["count"] != 1:
            raise DefinitionError("The count for a role designated as a host_role must be 1.")
    size = sum(role["count"] for role in roles.values())
    if not 0 < size <= MAX_GROUP_SIZE:
        raise DefinitionError(
            f"A multinode group must request between 1 and {MAX_GROUP_SIZE} nodes, not {size}."
        )
    return size


def _check_role(name: str, role: dict[str, Any]) -> None:
    """The per-role checks LAVA makes while checking availability, in its order."""
    path = (*_ROLES_PATH, name)
    if "connection" in role:
        if "device_type" in role:
            raise DefinitionError(
                "lava-multinode protocol cannot support device_type and connection for a "
                "single role."
            )
        if "host_role" not in role:
            raise DefinitionError("connection specified without a host_role")
        if "device" in role or "worker" in role:
            raise DefinitionError(
                "lava-multinode connection roles cannot specify device or worker."
            )
        _check(_ROLE_COUNT, role, path)
        return
    for key in ("device", "worker"):
        if key in role and "device_type" not in role:
            raise DefinitionError(f"'{key}' requires 'device_type'")
    _check(_DEVICE_ROLE, role, path)
    _check(_ROLE_COUNT, role, path)
    if "device" in role and role["count"] != 1:
        raise DefinitionError("lava-multinode roles using a specific device must set count to 1.")
    if not isinstance(role.get("tags", []), list):
        raise DefinitionError(
            f"'device_tags' needs to be a list - received {type(role['tags'])}",
            ErrorKind.DEFINITION,
        )


def _actions_by_role(
    actions: list[dict[str, Any]], roles: dict[str, dict[str, Any]]
) -> dict[str, list[dict[str, Any]]]:
    """Each role's actions in order, one per action kind, with ``role`` set to that role."""
    by_role: dict[str, list[dict[str, Any]]] = {name: [] for name in roles}
    for action in actions:
        for kind, body in action.items():
            if "role" not in body:
                raise DefinitionError(
                    "Invalid YAML - Did not find a role in action "
                    f"'{next(iter(action))}', check for consistent use of whitespace indents."
                )
            for name in _named_roles(body["role"], roles, kind):
                by_role[name].append({kind: {**body, "role": name}})
    return by_role


def _named_roles(value: Any, roles: dict[str, dict[str, Any]], kind: str) -> list[str]:
    """The roles an action's ``role`` names: a list of names, or one name."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise DefinitionError(f"The role of action '{kind}' must be a list of role names.")
    return [name for name in dict.fromkeys(filter(_is_str, value)) if name in roles]


def _node(
    group: _Group,
    name: str,
    role: dict[str, Any],
    actions: list[dict[str, Any]],
    sub_id: int,
    role_index: int,
) -> NodeJob:
    definition: dict[str, Any] = {"actions": actions}
    definition.update((key, group.data[key]) for key in _COPIED_KEYS if key in group.data)
    definition.update((key, role[key]) for key in _ROLE_TOP_LEVEL_KEYS if key in role)
    params = {
        "target_group": group.target_group,
        "role": name,
        "group_size": group.size,
        "sub_id": sub_id,
    }
    params.update(
        (key, value)
        for key, value in role.items()
        if key != "count" and key not in _ROLE_TOP_LEVEL_KEYS
    )
    params.update((key, value) for key, value in group.multinode.items() if key != "roles")
    definition["protocols"] = {"lava-multinode": params}
    device_role = "connection" not in role
    return NodeJob(
        role=name,
        sub_id=sub_id,
        role_index=role_index,
        device_type=role["device_type"] if device_role else None,
        requested_device=role.get("device"),
        requested_worker=role.get("worker"),
        tags=tuple(str(tag) for tag in role.get("tags", [])) if device_role else (),
        definition=_dump(definition),
    )


# --------------------------------------------------------------------------------------------
# Strict validation: the job-level rules of LAVA's dispatcher schema (job-definition.md §8)

_DEPLOY_METHODS = frozenset(
    """docker download downloads fastboot flasher fvp iso-installer lxc mps musca nbd nfs
    overlay recovery sata ssh tftp tmpfs u-boot-ums usb uuu vemsd""".split()  # noqa: SIM905
)

_BOOT_METHODS = frozenset(
    """barebox bootloader cmsis-dap depthcharge dfu docker fastboot fvp gdb grub grub-efi ipxe
    jlink kexec lxc minimal monitor musca new_connection openocd pyocd qemu qemu-iso qemu-nfs
    recovery schroot ssh u-boot uefi uefi-menu uuu""".split()  # noqa: SIM905
)


_STRICT_TIMEOUT = _any(
    *(_mapping(_req(unit, _range(1)), _opt("skip", _BOOL)) for unit in _TIMEOUT_UNITS)
)
_STRICT_NAMED_TIMEOUTS = _mapping(_each(_is_str, _STRICT_TIMEOUT))
_STRICT_ROLE_COMMON = (
    _req("count", _range(0)),
    _opt("context", _CONTEXT),
    _opt("tags", _sequence(_STR)),
    _opt("essential", _BOOL),
    _opt("timeout", _STRICT_TIMEOUT),
)
_STRICT_ROLE = _any(
    _mapping(
        _req("device_type", _STR),
        _opt("device", _STR),
        _opt("worker", _STR),
        _opt("environment", _DICT),
        *_STRICT_ROLE_COMMON,
    ),
    _mapping(
        _req("connection", _STR),
        _req("expect_role", _STR),
        _req("host_role", _STR),
        _opt("request", _STR),
        *_STRICT_ROLE_COMMON,
    ),
)
_STRICT_CALLBACK = _mapping(*_CALLBACK_FIELDS, _opt("header", _STR))
_STRICT_NOTIFY = _mapping(
    _req(
        "criteria",
        _any(
            _mapping(_req("status", _literal("all"))),
            _mapping(
                _req(
                    "status", _one_of("finished", "running", "complete", "canceled", "incomplete")
                ),
                _opt("dependency_query", _STR),
            ),
            _mapping(
                _req("status", _one_of("complete", "incomplete")),
                _opt("type", _one_of("regression", "progression")),
            ),
        ),
    ),
    _opt("verbosity", _one_of("verbose", "quiet", "status-only")),
    _opt("recipients", _sequence(_mapping(_req("to", _mapping(*_RECIPIENT_TO))))),
    _opt("callback", _STRICT_CALLBACK, exclusion="callback"),
    _opt("callbacks", _sequence(_STRICT_CALLBACK), exclusion="callback"),
    _opt(
        "compare",
        _mapping(
            _opt("blacklist", _sequence(_STR)),
            _opt(
                "query",
                _any(
                    _mapping(*_QUERY_NAME),
                    _mapping(
                        _req("entity", _STR), _opt("conditions", _mapping(_each(_is_str, _STR)))
                    ),
                ),
            ),
        ),
    ),
)
_STRICT_SCHEMA = _mapping(
    _opt(
        "timeouts",
        _mapping(
            *(_opt(key, _STRICT_TIMEOUT) for key in ("job", "action", "connection", "queue")),
            _opt("actions", _STRICT_NAMED_TIMEOUTS),
            _opt("connections", _STRICT_NAMED_TIMEOUTS),
        ),
    ),
    _opt("priority", _any(*map(_literal, ("high", "medium", "low")), _range(0, 100))),
    _opt("secrets", _mapping(_each(_is_str, _STR))),
    _opt(
        "protocols",
        _mapping(
            _opt(
                "lava-multinode",
                _mapping(
                    _req("roles", _mapping(_each(_is_str, _STRICT_ROLE))),
                    _opt("timeout", _STRICT_TIMEOUT),
                ),
            ),
            extra=True,
        ),
    ),
    _opt("notify", _STRICT_NOTIFY),
    extra=True,
)
_STRICT_ACTION = _mapping(
    _opt("namespace", _all(_STR, _reserved("common", "docker-test-shell"))),
    _opt("timeout", _STRICT_TIMEOUT),
    extra=True,
)


def _check_strict(data: dict[str, Any]) -> None:
    """Apply the job-level rules of the dispatcher schema to a submission-valid definition."""
    try:
        _STRICT_SCHEMA(data, ())
        _check_strict_timeouts(data)
        _check_strict_multinode(data)
        _check_strict_namespaces(data["actions"])
        for index, action in enumerate(data["actions"]):
            _check_strict_action(index, action)
    except _Invalid as exc:
        raise DefinitionError(exc.message, ErrorKind.STRICT, exc.path) from None


def _first_body(action: dict[str, Any]) -> dict[str, Any] | None:
    """The body of an action's first (normally only) kind."""
    return next(iter(action.values()), None)


def _check_strict_timeouts(data: dict[str, Any]) -> None:
    job = _strict_seconds(data["timeouts"]["job"], ("timeouts", "job"))
    for path, timeout in _global_timeouts(data["timeouts"]):
        if _strict_seconds(timeout, path) > job:
            raise _Invalid("Global timeout is larger than job timeout", path)
    for index, action in enumerate(data["actions"]):
        body = _first_body(action)
        path = ("actions", str(index))
        if body and "timeout" in body and _strict_seconds(body["timeout"], path) > job:
            raise _Invalid("Action timeout is larger than job timeout", path)


def _strict_seconds(timeout: Mapping[str, Any], path: Path) -> int:
    try:
        return parse_timeout(timeout)
    except OverflowError:
        raise _Invalid("value out of range", path) from None


def _global_timeouts(timeouts: dict[str, Any]) -> Iterator[tuple[Path, dict[str, Any]]]:
    for single, named in (("action", "actions"), ("connection", "connections")):
        if single in timeouts:
            yield ("timeouts", single), timeouts[single]
        for name, timeout in timeouts.get(named, {}).items():
            yield ("timeouts", named, name), timeout


def _check_strict_multinode(data: dict[str, Any]) -> None:
    if not data.get("protocols", {}).get("lava-multinode"):
        if not data.get("device_type"):
            raise _Invalid('"device_type" or multinode should be defined', ())
        return
    for key in ("device_type", "environment", "context", "tags"):
        if data.get(key):
            raise _Invalid(f'"{key}" should not be used with multinode', ())
    for action in data["actions"]:
        body = _first_body(action)
        if body is not None and "role" not in body:
            raise _Invalid("Every action of a multinode job should have roles", ())


def _check_strict_namespaces(actions: list[dict[str, Any]]) -> None:
    with_namespace = sum(1 for action in actions if "namespace" in (_first_body(action) or {}))
    if with_namespace and with_namespace != len(actions):
        raise _Invalid("When using namespaces, every action should have a namespace", ())


def _check_strict_action(index: int, action: dict[str, Any]) -> None:
    """The action's kind must be known; its common keys are checked, not its parameters."""
    if not action:
        return
    kind, body = next(iter(action.items()))
    module = _action_module(kind, body)
    if module not in _KNOWN_MODULES:
        raise _Invalid("unknown action type", ("actions", *module.split(".")))
    _STRICT_ACTION(body, (f"actions[{index}]", *module.split(".")))


def _action_module(kind: str, body: dict[str, Any]) -> str:
    """The name of the dispatcher schema module that validates an action (LAVA's rule)."""
    if kind == "test":
        if "definitions" in body:
            return "test.docker" if "docker" in body else "test.definition"
        return "test.interactive" if "interactive" in body else "test.monitor"
    if kind == "command":
        return "command"
    key = "to" if kind == "deploy" else "method"
    return f"{kind}.{body[key]}".replace("-", "_")


_KNOWN_MODULES = frozenset(
    {
        "command",
        *(f"test.{shape}" for shape in ("definition", "docker", "interactive", "monitor")),
        *(f"deploy.{method}".replace("-", "_") for method in _DEPLOY_METHODS),
        *(f"boot.{method}".replace("-", "_") for method in _BOOT_METHODS),
    }
)
