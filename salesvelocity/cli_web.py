"""The team edition's commands: `serve` and `user` (registered on the main app)."""

import sys
from typing import Annotated

import typer

from salesvelocity.cli import app, console, err, open_store, settings

user_app = typer.Typer(
    help="Accounts of the web app: add, list, set a password, make an API token.", no_args_is_help=True
)
app.add_typer(user_app, name="user")


def _password(from_stdin: bool) -> str:
    """A new password: from standard input (scripts), or asked twice without echo."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    if not sys.stdin.isatty():
        from salesvelocity.errors import SalesVelocityError

        raise SalesVelocityError("no terminal to ask for the password", hint="pipe it in with --password-stdin")
    return typer.prompt("password (at least 10 characters)", hide_input=True, confirmation_prompt=True)


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="The person's name as others read it.")],
    email: Annotated[str, typer.Option("--email", help="The address they sign in with.")],
    role: Annotated[str, typer.Option("--role", help="rep, manager, exec or admin.")],
    person: Annotated[
        str | None, typer.Option("--person", help="Who they are in the people table (id or name); not for an admin.")
    ] = None,
    invite: Annotated[
        bool, typer.Option("--invite", help="Print an invitation link instead of setting a password now.")
    ] = False,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
) -> None:
    """Make an account (the first admin is made here; the admin invites the rest in the web app)."""
    from salesvelocity.web.accounts import add_user

    password = None if invite else _password(password_stdin)
    with open_store(create=True) as store:
        user, token = add_user(store, name, email, role, person, password)
    console.print(f"added {user.name} <{user.email}> as {user.role}", highlight=False)
    if token:
        console.print(f"invitation (valid 7 days): http://HOST:PORT/invite/{token}", highlight=False)


@user_app.command("list")
def user_list() -> None:
    """Every account: name, e-mail, role, the person they are."""
    from salesvelocity.web.accounts import users

    with open_store() as store:
        found = users(store)
    if not found:
        console.print("no accounts yet: `salesvelocity user add NAME --email … --role admin`")
    for u in found:
        state = "invited" if u["invited"] else ("active" if u["active"] else "disabled")
        console.print(f"{u['name']:24} {u['email']:32} {u['role']:8} {u['person'] or '':20} {state}", highlight=False)


@user_app.command("set-password")
def user_set_password(
    email: Annotated[str, typer.Argument(help="The account's e-mail address.")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
) -> None:
    """Set an account's password (it is signed out everywhere)."""
    from salesvelocity.web.accounts import set_password

    password = _password(password_stdin)
    with open_store(write=True) as store:
        set_password(store, email, password)
    console.print(f"password set for {email}", highlight=False)


@user_app.command("token")
def user_token(
    email: Annotated[str, typer.Argument(help="The account's e-mail address.")],
    name: Annotated[str, typer.Argument(help="What the token is for, e.g. 'weekly export'.")],
) -> None:
    """Make a personal API token (printed once; send it as `Authorization: Bearer …`; an admin revokes it)."""
    from salesvelocity.web.accounts import add_token, find_user

    with open_store(write=True) as store:
        token = add_token(store, find_user(store, email), name)
    console.print(token, highlight=False, markup=False)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on (0.0.0.0: every interface).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """The team edition: a web app where reps, managers, execs and admins each see their page.

    It holds the database while it runs (DuckDB allows one writing program): use the web app, or point
    salesvelocity at a PostgreSQL server to use the command line beside it. Make the first admin with
    `salesvelocity user add NAME --email … --role admin` first.
    """
    import uvicorn

    from salesvelocity.web.accounts import users
    from salesvelocity.web.app import create_app

    store = open_store(create=True)
    if not users(store):
        err.print(
            "note: no accounts yet — stop the server and run `salesvelocity user add NAME --email … --role admin`"
        )
    console.print(f"salesvelocity team edition on http://{host}:{port}  (Ctrl+C stops it)", highlight=False)
    try:
        uvicorn.run(create_app(settings(), store), host=host, port=port, log_level="warning")
    finally:
        store.close()
