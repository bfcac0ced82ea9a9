"""The Mutation root."""

from __future__ import annotations

import strawberry

from gql_server.resolvers import callback_secrets, devices, inventory, submissions, users
from gql_server.schema.context import Info
from gql_server.schema.enums import DeviceHealth, WorkerHealth
from gql_server.schema.query import CallbackSecret, IrcProfile, Token
from gql_server.schema.types import Device, Job, Worker


@strawberry.type(description="A token just made. Keep the secret: it is not shown again.")
class CreatedToken:
    token: Token
    secret: str


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Make a new API token for the viewer.")
    async def create_token(self, info: Info, description: str = "") -> CreatedToken:
        made = await users.create_token(info.context.ctx, description)
        return CreatedToken(token=made.token, secret=made.secret)

    @strawberry.mutation(
        description="Set a device's health: MAINTENANCE, back to UNKNOWN (online), RETIRED..."
    )
    async def set_device_health(self, info: Info, hostname: str, health: DeviceHealth) -> Device:
        return await devices.set_device_health(info.context.ctx, hostname, health)

    @strawberry.mutation(description="Set a worker's health; its devices follow as in LAVA.")
    async def set_worker_health(self, info: Info, hostname: str, health: WorkerHealth) -> Worker:
        return await inventory.set_worker_health(info.context.ctx, hostname, health)

    @strawberry.mutation(
        description="Submit a LAVA job definition (YAML); a multinode one gives a job per node."
    )
    async def submit_job(self, info: Info, definition: str) -> list[Job]:
        return await submissions.submit_job(info.context.ctx, definition)

    @strawberry.mutation(description="Cancel a job, and the rest of its multinode group.")
    async def cancel_job(self, info: Info, id: int) -> list[Job]:
        return await submissions.cancel_job(info.context.ctx, id)

    @strawberry.mutation(description="Submit again the definition of a job one may see.")
    async def resubmit_job(self, info: Info, id: int) -> list[Job]:
        return await submissions.resubmit_job(info.context.ctx, id)

    @strawberry.mutation(description="Revoke one of the viewer's API tokens.")
    async def delete_token(self, info: Info, id: int) -> Token:
        return await users.delete_token(info.context.ctx, id)

    @strawberry.mutation(
        description="Keep a secret for the viewer's notify callbacks under a name (1-100 "
        "characters), replacing one of that name; a callback's token: of that name sends it."
    )
    async def set_callback_secret(self, info: Info, name: str, secret: str) -> CallbackSecret:
        return await callback_secrets.set_callback_secret(info.context.ctx, name, secret)

    @strawberry.mutation(description="Forget one of the viewer's callback secrets.")
    async def delete_callback_secret(self, info: Info, name: str) -> CallbackSecret:
        return await callback_secrets.delete_callback_secret(info.context.ctx, name)

    @strawberry.mutation(
        description="Set the viewer's IRC handle and server (up to 40 characters, no "
        "spaces); null clears one."
    )
    async def set_irc_profile(
        self, info: Info, handle: str | None = None, server: str | None = None
    ) -> IrcProfile:
        return await callback_secrets.set_irc_profile(info.context.ctx, handle, server)
