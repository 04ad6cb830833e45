"""`python -m triage`: see triage/cli.py."""

from .cli import main

raise SystemExit(main())
