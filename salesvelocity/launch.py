"""The `salesvelocity` command's entry point.

`salesvelocity --version` is answered here, before the command line (Typer, Rich and two dozen commands)
is loaded: scripts and package managers ask for it often and expect it at once. Everything else goes to
``salesvelocity.cli.main``.

When the command is done, the process ends without tearing down every module it loaded: Python's own
clean-up of Ibis, sqlglot, pandas and pyarrow takes about 0.9 s on this project's machines — a quarter of
a report on a small database — and has nothing left to do. By then the command has closed its database and
written its files; output is flushed and the exit handlers (temporary files, libraries' own) still run.
"""

import sys


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        from salesvelocity import __version__

        print(f"salesvelocity {__version__}")
        return
    from salesvelocity.cli import main as run

    try:
        run()
        code = 0
    except SystemExit as exc:
        code = exc.code
    leave(code)


def leave(code: object) -> None:
    """Exit with ``code`` as ``sys.exit`` would (None: 0; a text: said on stderr, 1), skipping module
    teardown."""
    import atexit
    import os

    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`| head`) or stream: nothing more can be said
            code = code or 120  # what Python itself answers when flushing standard output fails
    os._exit(code)
