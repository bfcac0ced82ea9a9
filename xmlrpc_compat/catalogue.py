"""Every method this server answers, by full name, built from the namespace modules."""

from __future__ import annotations

from types import ModuleType

from xmlrpc_compat import (
    auth_groups,
    auth_groups_perms,
    auth_users,
    auth_users_groups,
    auth_users_perms,
    results,
    scheduler,
    scheduler_aliases,
    scheduler_device_types,
    scheduler_device_types_aliases,
    scheduler_devices,
    scheduler_devices_tags,
    scheduler_jobs,
    scheduler_remote_artifact_tokens,
    scheduler_tags,
    scheduler_workers,
    system,
)
from xmlrpc_compat.methods import Method

NAMESPACES: tuple[ModuleType, ...] = (
    system,
    scheduler,
    scheduler_jobs,
    scheduler_devices,
    scheduler_devices_tags,
    scheduler_device_types,
    scheduler_device_types_aliases,
    scheduler_aliases,
    scheduler_tags,
    scheduler_workers,
    results,
    scheduler_remote_artifact_tokens,
    auth_users,
    auth_users_groups,
    auth_users_perms,
    auth_groups,
    auth_groups_perms,
)


def _methods(module: ModuleType) -> dict[str, Method]:
    return {
        f"{module.NAMESPACE}.{name}": Method(f"{module.NAMESPACE}.{name}", module.API_CLASS, fn)
        for name, fn in module.METHODS.items()
    }


def build_catalogue() -> dict[str, Method]:
    """Method name -> method, for every namespace module."""
    catalogue: dict[str, Method] = {}
    for module in NAMESPACES:
        catalogue |= _methods(module)
    catalogue |= {
        f"system.{name}": Method(f"system.{name}", system.INTROSPECTION_CLASS, fn)
        for name, fn in system.INTROSPECTION.items()
    }
    return catalogue


CATALOGUE = build_catalogue()
