"""The `salesvelocity` command's entry point.

`salesvelocity --version` is answered here, before the command line (Typer, Rich and two dozen commands)
is loaded: scripts and package managers ask for it often and expect it at once. Everything else goes to
``salesvelocity.cli.main``.
"""

import sys


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        from salesvelocity import __version__

        print(f"salesvelocity {__version__}")
        return
    from salesvelocity.cli import main as run

    run()
