"""ASGI entry point (uvicorn); live push uses async views under it."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings")
application = get_asgi_application()
