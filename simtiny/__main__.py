"""`python -m simtiny`: the command line, as the `simtiny` command."""

import sys

from simtiny.cli import main

sys.exit(main())
