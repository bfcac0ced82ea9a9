"""What is taken for an email address."""

from __future__ import annotations

import pytest

from gql_server.lab.email_address import is_email_address


@pytest.mark.parametrize(
    "address",
    ["a@b.c", "first.last+tag@mail.example.org", "ünïcode@exämple.de"],
)
def test_plain_addresses_are_valid(address):
    assert is_email_address(address)


@pytest.mark.parametrize(
    "address",
    [
        "",
        "owner",
        "@example.com",
        "owner@",
        "owner@example",
        "a@b@c.d",
        "owner@.com",
        "owner@example.",
        "owner@exa..mple",
        "tab\t@example.com",
        "nul\x00@example.com",
        "owner@example.com\n",
    ],
)
def test_other_strings_are_not_addresses(address):
    assert not is_email_address(address)
