"""``python -m graders.host``: the host process of a classroom-graded kata (see ``server.py``)."""

import sys

from graders.host.server import main

sys.exit(main())
