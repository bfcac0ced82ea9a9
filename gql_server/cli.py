"""The ``gql-server`` command: serve, migrate, demo, export-schema, tokens, users, groups."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from gql_server.config import Settings, load_settings
from gql_server.db.engine import create_engine, session_factory
from gql_server.db.migrate import migrate
from gql_server.resolvers import users
from gql_server.resolvers.context import RequestContext, Viewer
from gql_server.resolvers.errors import LabError

# The command line is the machine's administrator: it acts as a superuser.
ADMINISTRATOR = Viewer(is_superuser=True)
QUICKSTART_JOBS = 3000
DEMO_MAIL_FOLDER = "gql-server-mail"


async def _with_context(
    settings: Settings, work: Callable[[RequestContext], Awaitable[Any]]
) -> Any:
    engine = create_engine(settings.database_url)
    try:
        await migrate(engine)
        ctx = RequestContext(session_factory(engine), ADMINISTRATOR)
        try:
            return await work(ctx)
        finally:
            await ctx.close()
    finally:
        await engine.dispose()


async def _generate_demo(settings: Settings, jobs: int, seed: int, logs: int | None) -> Any:
    from gql_server.demo.generator import generate_demo, text_progress

    engine = create_engine(settings.database_url)
    try:
        await migrate(engine)
        return await generate_demo(engine, jobs, seed=seed, logs=logs, progress=text_progress())
    finally:
        await engine.dispose()


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from gql_server.app import create_app

    if args.demo:
        asyncio.run(_seed_demo_if_empty(settings))
        settings = settings.with_overrides(simulate_lab=True)
        if settings.demo_mail_folder is None:
            settings = settings.with_overrides(demo_mail_folder=DEMO_MAIL_FOLDER)
    scheme = "https" if settings.ssl_certfile else "http"
    print(f"gql-server: GraphiQL at {scheme}://{settings.host}:{settings.port}/graphql", flush=True)
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        ssl_certfile=settings.ssl_certfile,
        ssl_keyfile=settings.ssl_keyfile,
        log_level="warning" if args.quiet else "info",
        timeout_graceful_shutdown=5,
    )
    return 0


async def _seed_demo_if_empty(settings: Settings) -> None:
    from gql_server.resolvers.jobs import lab_has_jobs

    if await _with_context(settings, lab_has_jobs):
        print("gql-server: the database already holds a lab; not adding demo data")
        return
    summary = await _generate_demo(settings, QUICKSTART_JOBS, seed=2023, logs=None)
    print(f"gql-server: demo lab ready: {summary}")


def cmd_publisher(settings: Settings, _args: argparse.Namespace) -> int:
    from gql_server.events.publisher import run_publisher
    from gql_server.resolvers.changes import ChangeCounter

    async def run() -> None:
        stop = asyncio.current_task().cancel  # type: ignore[union-attr]
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop)
        engine = create_engine(settings.database_url)
        try:
            await migrate(engine)
            print(
                f"gql-server: publishing on {settings.event_socket}, receiving pushed events"
                f" on {settings.internal_event_socket}",
                flush=True,
            )
            await run_publisher(
                session_factory(engine),
                ChangeCounter(),
                settings.event_socket,
                internal_endpoint=settings.internal_event_socket,
                topic_prefix=settings.event_topic,
                private_jobs=settings.open_stream_private_jobs,
            )
        finally:
            await engine.dispose()

    with contextlib.suppress(KeyboardInterrupt, asyncio.CancelledError):
        asyncio.run(run())
    return 0


def cmd_migrate(settings: Settings, _args: argparse.Namespace) -> int:
    async def run() -> None:
        engine = create_engine(settings.database_url)
        await migrate(engine)
        await engine.dispose()

    asyncio.run(run())
    print("gql-server: database is up to date")
    return 0


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    summary = asyncio.run(_generate_demo(settings, args.jobs, args.seed, args.logs))
    print(f"gql-server: demo lab ready: {summary}")
    return 0


def cmd_export_schema(_settings: Settings, args: argparse.Namespace) -> int:
    from gql_server.schema.build import build_schema

    text = build_schema().as_str() + "\n"
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(text)
    else:
        sys.stdout.write(text)
    return 0


def cmd_tokens(settings: Settings, args: argparse.Namespace) -> int:
    async def add(ctx: RequestContext) -> None:
        await users.ensure_user(ctx, args.user, superuser=args.superuser or None)
        made = await users.create_token(ctx, args.description, username=args.user)
        print(f"token {made.token.id} for {args.user} ({args.description or 'no description'})")
        print(made.secret)

    async def listing(ctx: RequestContext) -> None:
        tokens = await users.list_tokens(ctx, args.user)
        owners = await users.users_by_id(ctx, sorted({token.user_id for token in tokens}))
        print(f"{'id':>5}  {'user':<20} {'created':<20} {'last used':<20} description")
        for token in tokens:
            used = token.last_used_on.strftime("%Y-%m-%d %H:%M") if token.last_used_on else "-"
            created = token.created_on.strftime("%Y-%m-%d %H:%M")
            owner = owners[token.user_id].username
            print(f"{token.id:>5}  {owner:<20} {created:<20} {used:<20} {token.description}")

    async def delete(ctx: RequestContext) -> None:
        token = await users.delete_token(ctx, args.id)
        print(f"token {token.id} deleted")

    actions = {"add": add, "list": listing, "delete": delete}
    asyncio.run(_with_context(settings, actions[args.action]))
    return 0


def cmd_users(settings: Settings, args: argparse.Namespace) -> int:
    async def add(ctx: RequestContext) -> None:
        user = await users.ensure_user(
            ctx,
            args.name,
            superuser=args.superuser or None,
            staff=args.staff or None,
            email=args.email,
        )
        print(f"user {user.username} (id {user.id}{', superuser' if user.is_superuser else ''})")

    async def listing(ctx: RequestContext) -> None:
        for user in await users.list_users(ctx):
            flags = ", ".join(
                f for f, on in (("superuser", user.is_superuser), ("staff", user.is_staff)) if on
            )
            print(f"{user.username}{f' ({flags})' if flags else ''}")

    asyncio.run(_with_context(settings, {"add": add, "list": listing}[args.action]))
    return 0


def cmd_groups(settings: Settings, args: argparse.Namespace) -> int:
    async def add(ctx: RequestContext) -> None:
        group = await users.ensure_group(ctx, args.name, args.member or ())
        print(f"group {group.name} (id {group.id})")

    async def listing(ctx: RequestContext) -> None:
        for group in await users.list_groups(ctx):
            print(group.name)

    asyncio.run(_with_context(settings, {"add": add, "list": listing}[args.action]))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``gql-server`` command."""
    parser = argparse.ArgumentParser(prog="gql-server", description=__doc__)
    parser.add_argument("--config", help="YAML settings file (else $GQL_SERVER_CONFIG)")
    parser.add_argument("--database-url", help="SQLAlchemy URL (else $GQL_SERVER_DATABASE_URL)")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the server")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--ssl-certfile", help="serve HTTPS with this certificate (PEM)")
    serve.add_argument("--ssl-keyfile", help="the certificate's private key (PEM)")
    serve.add_argument(
        "--demo",
        action="store_true",
        help="add a demo lab to an empty database and simulate it working",
    )
    serve.add_argument("--quiet", action="store_true", help="log warnings only")
    serve.add_argument(
        "--events-from",
        metavar="ENDPOINT",
        help="also record and serve the events of a LAVA lava-publisher (tcp://HOST:PORT)",
    )
    serve.add_argument(
        "--no-publisher",
        action="store_true",
        help="do not publish events here (a separate `gql-server publisher` does)",
    )
    serve.set_defaults(handler=cmd_serve)

    publisher = commands.add_parser(
        "publisher", help="publish the event outbox and receive pushed events (one per database)"
    )
    publisher.add_argument("--event-socket", help="ZMQ PUB endpoint to bind")
    publisher.add_argument("--internal-event-socket", help="ZMQ PULL endpoint to bind")
    publisher.set_defaults(handler=cmd_publisher)

    commands.add_parser("migrate", help="create or upgrade the database").set_defaults(
        handler=cmd_migrate
    )

    demo = commands.add_parser("demo", help="fill an empty database with a demo lab")
    demo.add_argument("--jobs", type=int, default=QUICKSTART_JOBS)
    demo.add_argument("--seed", type=int, default=2023)
    demo.add_argument("--logs", type=int, help="how many of the newest jobs get a log")
    demo.set_defaults(handler=cmd_demo)

    export = commands.add_parser("export-schema", help="print the GraphQL schema (SDL)")
    export.add_argument("--output", "-o", help="write to this file instead")
    export.set_defaults(handler=cmd_export_schema)

    tokens = commands.add_parser("tokens", help="manage API tokens")
    token_actions = tokens.add_subparsers(dest="action", required=True)
    token_add = token_actions.add_parser("add", help="make a token (the user is created if needed)")
    token_add.add_argument("--user", required=True)
    token_add.add_argument("--superuser", action="store_true", help="make the user a superuser")
    token_add.add_argument("--description", default="")
    token_list = token_actions.add_parser("list", help="list tokens (never their secrets)")
    token_list.add_argument("--user")
    token_delete = token_actions.add_parser("delete", help="revoke a token")
    token_delete.add_argument("id", type=int)
    tokens.set_defaults(handler=cmd_tokens)

    users_parser = commands.add_parser("users", help="manage users")
    user_actions = users_parser.add_subparsers(dest="action", required=True)
    user_add = user_actions.add_parser("add", help="create or update a user")
    user_add.add_argument("name")
    user_add.add_argument("--superuser", action="store_true")
    user_add.add_argument("--staff", action="store_true")
    user_add.add_argument("--email")
    user_actions.add_parser("list", help="list users")
    users_parser.set_defaults(handler=cmd_users)

    groups = commands.add_parser("groups", help="manage groups")
    group_actions = groups.add_subparsers(dest="action", required=True)
    group_add = group_actions.add_parser("add", help="create a group and add members")
    group_add.add_argument("name")
    group_add.add_argument("--member", action="append", help="a username (repeatable)")
    group_actions.add_parser("list", help="list groups")
    groups.set_defaults(handler=cmd_groups)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        settings = load_settings(args.config).with_overrides(
            database_url=args.database_url,
            host=getattr(args, "host", None),
            port=getattr(args, "port", None),
            ssl_certfile=getattr(args, "ssl_certfile", None),
            ssl_keyfile=getattr(args, "ssl_keyfile", None),
            event_socket=getattr(args, "event_socket", None),
            internal_event_socket=getattr(args, "internal_event_socket", None),
            embedded_publisher=False if getattr(args, "no_publisher", False) else None,
            events_from=getattr(args, "events_from", None),
        )
        return args.handler(settings, args)
    except (LabError, ValueError) as exc:
        print(f"gql-server: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
