"""``python -m ngramvec``: the ``ngramvec`` command."""
import sys

from ngramvec.cli import main

if __name__ == "__main__":
    sys.exit(main())
