"""The ``wetval`` command line (console script ``wetval = "wetval.cli:main"``).

- :mod:`wetval.cli.app` — the parser, the core commands and :func:`main`;
- :mod:`wetval.cli.common` — what every subcommand shares: output
  (``--json``/``--quiet``), atomic file writes, loading results, error
  reporting and the exit codes;
- :mod:`wetval.cli.review`, :mod:`wetval.cli.ledger` — one module per command group.
"""

from wetval.cli.app import main
from wetval.cli.common import EXIT_BROKEN_PIPE, EXIT_INPUT, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE

__all__ = ["EXIT_BROKEN_PIPE", "EXIT_INPUT", "EXIT_INTERNAL", "EXIT_OK", "EXIT_USAGE", "main"]
