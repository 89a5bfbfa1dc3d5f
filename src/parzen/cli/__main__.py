"""``python -m parzen.cli``: the ``parzen`` command."""

import sys

from parzen.cli import main

sys.exit(main())
