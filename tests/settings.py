"""Settings of the test suites: the site's own, in demo mode (its public keys), which production refuses.

Set in the environment before the site's settings are read, so commands the tests start
in a subprocess run in demo mode too.
"""

import os

os.environ.setdefault("LIANXIN_DEMO", "1")

# Uploaded files (tip photos) of the suites go to a throw-away folder, never the checkout's var/.
import atexit  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

from lianxin.settings import *  # noqa: E402, F403

MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="lianxin-test-media-"))
atexit.register(shutil.rmtree, MEDIA_ROOT, True)
