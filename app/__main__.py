"""`python -m app`: the headless command line (no window; `python -m ui` or `anchor-console` opens windows)."""

from app.cli import main

raise SystemExit(main())
