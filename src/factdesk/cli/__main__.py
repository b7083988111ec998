"""`python -m factdesk.cli`: the same as the `factdesk` command."""

from factdesk.cli import main

main()
