"""Every method this server answers, by full name, built from the namespace modules."""

from __future__ import annotations

from types import ModuleType

from xmlrpc_compat import scheduler, scheduler_jobs, system
from xmlrpc_compat.methods import Method

NAMESPACES: tuple[ModuleType, ...] = (system, scheduler, scheduler_jobs)


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
