"""Allow `python -m app` as well as the `anchor-console` entry point."""

from app.cli import main

raise SystemExit(main())
