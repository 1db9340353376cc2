"""`python -m salesvelocity` runs the command line."""

from salesvelocity.cli import main

main()
