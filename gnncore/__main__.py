import sys

from gnncore.cli import main

sys.exit(main())
