"""``python -m ngramvec.cli``: the ``ngramvec`` command."""
import sys

from ngramvec.cli import main

sys.exit(main())
