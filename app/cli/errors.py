"""What every command of the command line raises or returns: a usage error (one bilingual line on stderr, exit 2)."""

EXIT_USAGE = 2
EXIT_RUNTIME = 1


class UsageError(Exception):
    """A bad argument or a refused request: printed as one line, in the language asked for; exit 2."""
