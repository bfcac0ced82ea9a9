"""The Query root: lookups by id, hostname or name, and paginated, filtered lists."""

from __future__ import annotations

import datetime as dt

import strawberry

from gql_server.resolvers import callback_secrets, devices, inventory, jobs, results, users
from gql_server.resolvers.devices import DeviceFilter
from gql_server.resolvers.jobs import JobFilter
from gql_server.schema.connections import Connection, page_args
from gql_server.schema.context import Info
from gql_server.schema.enums import Direction, JobOrderBy
from gql_server.schema.inputs import DeviceFilterInput, JobFilterInput, to_resolver_filter
from gql_server.schema.types import (
    Alias,
    Device,
    DeviceType,
    Group,
    Job,
    Tag,
    TestCase,
    TestSuite,
    User,
    Worker,
    job_connection,
    list_field,
    prefetch_page,
)


@strawberry.type(description="An API token. Its secret is shown only once, at creation.")
class Token:
    id: int
    description: str
    created_on: dt.datetime
    last_used_on: dt.datetime | None


@strawberry.type(
    description="A named secret for notify callbacks: a callback's token: of that name "
    "sends it. Its value is never shown."
)
class CallbackSecret:
    name: str
    created: dt.datetime = strawberry.field(description="When its value was last set.")


@strawberry.type(description="The IRC handle and server notifications to this user go to.")
class IrcProfile:
    handle: str | None
    server: str | None


@strawberry.type(description="Who is asking.")
class Viewer:
    is_authenticated: bool
    is_superuser: bool
    username: str | None

    @strawberry.field
    async def user(self, info: Info) -> User | None:
        if self.username is None:
            return None
        return await users.get_user(info.context.ctx, self.username)

    @strawberry.field
    async def groups(self, info: Info) -> list[Group]:
        if self.user_id is None:
            return []
        return await users.groups_of_user(info.context.ctx, self.user_id)

    @strawberry.field(description="The viewer's API tokens (never their secrets).")
    async def tokens(self, info: Info) -> list[Token]:
        if self.user_id is None:
            return []
        return await users.list_tokens(info.context.ctx, self.username)

    @strawberry.field(description="The viewer's callback secrets, by name (never their values).")
    async def callback_secrets(self, info: Info) -> list[CallbackSecret]:
        if self.user_id is None:
            return []
        return await callback_secrets.list_callback_secrets(info.context.ctx)

    @strawberry.field(description="The viewer's IRC profile; null when anonymous.")
    async def irc_profile(self, info: Info) -> IrcProfile | None:
        if self.user_id is None:
            return None
        return await callback_secrets.viewer_irc_profile(info.context.ctx)


@strawberry.type
class Query:
    @strawberry.field(description="Who is asking: anonymous, or the token's user.")
    def viewer(self, info: Info) -> Viewer:
        return info.context.ctx.viewer

    @strawberry.field(description="A job by id; null when absent or not visible.")
    async def job(self, info: Info, id: int) -> Job | None:
        return await jobs.get_job(info.context.ctx, id)

    @strawberry.field(description="Visible jobs, newest first unless ordered otherwise.")
    async def jobs(
        self,
        info: Info,
        filter: JobFilterInput | None = None,
        order_by: JobOrderBy = JobOrderBy.ID,
        direction: Direction = Direction.DESC,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Job]:
        spec = to_resolver_filter(JobFilter, filter)
        return await job_connection(info, spec, order_by, direction, first, after, last, before)

    @strawberry.field(description="A device by hostname; null when absent or not visible.")
    async def device(self, info: Info, hostname: str) -> Device | None:
        return await devices.get_device(info.context.ctx, hostname)

    @strawberry.field(description="Visible devices by hostname.")
    async def devices(
        self,
        info: Info,
        filter: DeviceFilterInput | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Device]:
        spec = to_resolver_filter(DeviceFilter, filter)
        page = await devices.list_devices(
            info.context.ctx, spec, page=page_args(first, after, last, before)
        )
        await prefetch_page(info, "Device", page.items)
        return Connection(page=page)

    @strawberry.field(description="A device type by name; null when absent or not visible.")
    async def device_type(self, info: Info, name: str) -> DeviceType | None:
        return await inventory.get_device_type(info.context.ctx, name)

    device_types = list_field(
        DeviceType, inventory.list_device_types, "Visible device types by name."
    )

    @strawberry.field(description="A worker by hostname; null when absent or not visible.")
    async def worker(self, info: Info, hostname: str) -> Worker | None:
        return await inventory.get_worker(info.context.ctx, hostname)

    workers = list_field(Worker, inventory.list_workers, "Visible workers by hostname.")

    @strawberry.field(description="A tag by name.")
    async def tag(self, info: Info, name: str) -> Tag | None:
        return await inventory.get_tag(info.context.ctx, name)

    tags = list_field(Tag, inventory.list_tags, "Tags by name.")

    @strawberry.field(description="A device-type alias by name.")
    async def alias(self, info: Info, name: str) -> Alias | None:
        return await inventory.get_alias(info.context.ctx, name)

    aliases = list_field(Alias, inventory.list_aliases, "Aliases of visible device types, by name.")

    @strawberry.field(description="A test suite by id; null when its job is not visible.")
    async def test_suite(self, info: Info, id: int) -> TestSuite | None:
        return await results.get_suite(info.context.ctx, id)

    @strawberry.field(description="A test case by id; null when its job is not visible.")
    async def test_case(self, info: Info, id: int) -> TestCase | None:
        return await results.get_test_case(info.context.ctx, id)

    @strawberry.field(description="A user by username.")
    async def user(self, info: Info, username: str) -> User | None:
        return await users.get_user(info.context.ctx, username)
