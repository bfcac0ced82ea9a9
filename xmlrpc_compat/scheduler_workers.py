"""``scheduler.workers.*``: workers, their health and their configuration files."""

from __future__ import annotations

import xmlrpc.client
from typing import Any

from gql_server.lab.enums import WorkerHealth, WorkerState
from gql_server.resolvers import workers
from gql_server.resolvers.stored_files import FileKind
from xmlrpc_compat.methods import Call, Fault, as_text, read_only

NAMESPACE = "scheduler.workers"
API_CLASS = "SchedulerWorkersAPI"

MISSING_FILE = {
    FileKind.WORKER_CONFIG: "Worker '{}' does not have a dispatcher configuration",
    FileKind.WORKER_ENV: "Worker '{}' does not have an env file",
    FileKind.WORKER_ENV_DUT: "Worker '{}' does not have an env-dut file",
}


def _optional_text(value: Any, what: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise Fault(400, f"Invalid {what}: {value}")
    return value


async def add(call: Call, hostname: Any, description: Any = None, disabled: Any = False) -> None:
    """Name
    ----
    `scheduler.workers.add` (`hostname`, `description=None`, `disabled=False`)

    Create a worker, offline until it first polls; Active, or Retired when `disabled`.
    Requires the `add_worker` permission. Returns nothing.
    """
    if not isinstance(hostname, str):
        hostname = ""  # refused below with LAVA's text, after the permission check
    text = _optional_text(description, "description")
    await workers.add_worker(call.ctx, hostname, text, retired=bool(disabled))


@read_only
async def list_workers(call: Call, show_all: Any = False) -> list[str]:
    """Name
    ----
    `scheduler.workers.list` (`show_all=False`)

    The hostnames of the workers you may see, sorted; retired workers only with
    `show_all`.
    """
    return await workers.worker_hostnames(call.ctx, include_retired=bool(show_all))


@read_only
async def show(call: Call, hostname: Any) -> dict[str, Any]:
    """Name
    ----
    `scheduler.workers.show` (`hostname`)

    A worker's description, state and health, the devices on it that you may see, its
    last poll (UTC), job limit (0: no limit) and version, and whether it uses the
    default configuration, env and DUT env (no file of its own). Superusers also get
    its token.
    """
    details = await workers.worker_details(call.ctx, as_text(hostname))
    worker = details.worker
    shown = {
        "hostname": worker.hostname,
        "description": worker.description,
        "state": WorkerState(worker.state).display,
        "health": WorkerHealth(worker.health).display,
        "devices": details.devices,
        "last_ping": worker.last_ping,
        "job_limit": worker.job_limit,
        "version": worker.version,
        "default_config": FileKind.WORKER_CONFIG not in details.own_files,
        "default_env": FileKind.WORKER_ENV not in details.own_files,
        "default_env_dut": FileKind.WORKER_ENV_DUT not in details.own_files,
    }
    if details.token is not None:
        shown["token"] = details.token
    return shown


async def update(
    call: Call,
    hostname: Any,
    description: Any = None,
    health: Any = None,
    job_limit: Any = None,
) -> None:
    """Name
    ----
    `scheduler.workers.update` (`hostname`, `description=None`, `health=None`,
    `job_limit=None`)

    Change what is given: the description, the health (`ACTIVE`, `MAINTENANCE` or
    `RETIRED`; going Active sends its Good devices to Unknown for a health check,
    retiring it retires its devices) and the job limit (an integer, 0 for no limit).
    Requires the `change_worker` permission. Returns nothing.
    """
    text = _optional_text(description, "description")
    await workers.update_worker(call.ctx, as_text(hostname), text, health, job_limit)


async def delete(call: Call, hostname: Any) -> None:
    """Name
    ----
    `scheduler.workers.delete` (`hostname`)

    Delete a worker. Its devices stay, attached to no worker; jobs that asked for this
    worker are deleted. Requires the `delete_worker` permission. Returns nothing.
    """
    await workers.delete_worker(call.ctx, as_text(hostname))


async def _get_file(call: Call, kind: FileKind, hostname: Any) -> xmlrpc.client.Binary:
    name = _file_name(hostname)
    text = await workers.read_worker_file(call.ctx, kind, name)
    if text is None:
        raise Fault(404, MISSING_FILE[kind].format(name))
    return xmlrpc.client.Binary(text.encode())


async def _set_file(call: Call, kind: FileKind, hostname: Any, text: Any) -> bool:
    if not isinstance(text, str):
        raise Fault(400, "Invalid content: a string is expected")
    await workers.write_worker_file(call.ctx, kind, _file_name(hostname), text)
    return True


def _file_name(hostname: Any) -> str:
    if not isinstance(hostname, str):
        raise Fault(400, "Invalid worker name")
    return hostname


@read_only
async def get_config(call: Call, hostname: Any) -> xmlrpc.client.Binary:
    """Name
    ----
    `scheduler.workers.get_config` (`hostname`)

    The worker's dispatcher configuration (YAML), in base64.
    """
    return await _get_file(call, FileKind.WORKER_CONFIG, hostname)


async def set_config(call: Call, hostname: Any, config: Any) -> bool:
    """Name
    ----
    `scheduler.workers.set_config` (`hostname`, `config`)

    Store the worker's dispatcher configuration, which must be YAML; an empty string
    removes it. Requires the `change_worker` permission. Returns true.
    """
    return await _set_file(call, FileKind.WORKER_CONFIG, hostname, config)


@read_only
async def get_env(call: Call, hostname: Any) -> xmlrpc.client.Binary:
    """Name
    ----
    `scheduler.workers.get_env` (`hostname`)

    The environment the worker's dispatcher runs jobs in (YAML), in base64.
    """
    return await _get_file(call, FileKind.WORKER_ENV, hostname)


async def set_env(call: Call, hostname: Any, env: Any) -> bool:
    """Name
    ----
    `scheduler.workers.set_env` (`hostname`, `env`)

    Store the worker's environment, which must be YAML; an empty string removes it.
    Requires the `change_worker` permission. Returns true.
    """
    return await _set_file(call, FileKind.WORKER_ENV, hostname, env)


@read_only
async def get_env_dut(call: Call, hostname: Any) -> xmlrpc.client.Binary:
    """Name
    ----
    `scheduler.workers.get_env_dut` (`hostname`)

    The environment the worker gives its devices under test (YAML), in base64.
    """
    return await _get_file(call, FileKind.WORKER_ENV_DUT, hostname)


async def set_env_dut(call: Call, hostname: Any, env: Any) -> bool:
    """Name
    ----
    `scheduler.workers.set_env_dut` (`hostname`, `env`)

    Store the environment for the worker's devices under test, which must be YAML; an
    empty string removes it. Requires the `change_worker` permission. Returns true.
    """
    return await _set_file(call, FileKind.WORKER_ENV_DUT, hostname, env)


METHODS = {
    "add": add,
    "list": list_workers,
    "show": show,
    "update": update,
    "delete": delete,
    "get_config": get_config,
    "set_config": set_config,
    "get_env": get_env,
    "set_env": set_env,
    "get_env_dut": get_env_dut,
    "set_env_dut": set_env_dut,
}
