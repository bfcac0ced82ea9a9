"""XML-RPC proxies on the lab's server as the scenario's users, shared by these tests."""

from __future__ import annotations

import pytest

from tests.support.xmlrpc import proxy_as


@pytest.fixture
def admin(lab):
    """The scenario's superuser."""
    return proxy_as(lab, "vis-admin")


@pytest.fixture
def member(lab):
    """A member of the scenario's team."""
    return proxy_as(lab, "vis-member")


@pytest.fixture
def owner(lab):
    """The owner of the scenario's private jobs."""
    return proxy_as(lab, "vis-owner")


@pytest.fixture
def outsider(lab):
    """A user in no group."""
    return proxy_as(lab, "vis-outsider")


@pytest.fixture
def anonymous(lab):
    """No credentials."""
    return proxy_as(lab)
