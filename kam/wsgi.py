import gc
import os
from importlib import import_module

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kam.settings")
application = get_wsgi_application()
# The URL configuration, and so every view and what views import (pandas, for the scoring's
# ranking), loads now rather than at the first request: it is part of start-up.
import_module(settings.ROOT_URLCONF)

# What start-up made lives as long as the process: keep the garbage collector from walking it
# again at every full collection, which pages making thousands of objects trigger. Frozen
# before the URL configuration loaded, a full collection took about 45 ms of CPU on the
# shortlist; after, about 17 ms (scripts/bench_pages.py, a collection every 40 to 70 requests).
gc.freeze()
