"""Settings of the test suites: the site's own, in demo mode (its public keys), which production refuses.

Set in the environment before the site's settings are read, so commands the tests start
in a subprocess run in demo mode too.
"""

import os

os.environ.setdefault("LIANXIN_DEMO", "1")

from lianxin.settings import *  # noqa: E402, F403
