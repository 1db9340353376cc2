"""`python -m salesvelocity` runs the command line."""

from salesvelocity.launch import main

main()
