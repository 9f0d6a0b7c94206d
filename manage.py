#!/usr/bin/env python
"""Django's command-line utility for KAM."""

import gc
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kam.settings")
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    finally:
        # The command is over: the interpreter's teardown would run the garbage collector over
        # every object Django, pandas and the rest left behind (about 0.2 s of a command's
        # time); frozen, they are freed as the modules go, without those passes.
        gc.freeze()
