"""``python -m wetval.cli``: the same as the ``wetval`` command."""

import sys

from wetval.cli import main

sys.exit(main())
