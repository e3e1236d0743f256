"""``python -m nn.cli``: the same as the ``valuegrad`` command."""

import sys

from . import main

sys.exit(main())
