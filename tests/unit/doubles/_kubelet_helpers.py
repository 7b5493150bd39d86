"""Helpers of the kubelet / build double tests: load a double from tests/doubles by path."""

import importlib.util
import os
import sys

DOUBLES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "doubles")
if DOUBLES not in sys.path:
    sys.path.insert(0, DOUBLES)


def load(name, filename, version=None):
    """Import tests/doubles/<filename> as module ``name``; VERSION replaced when given."""
    spec = importlib.util.spec_from_file_location(name, os.path.join(DOUBLES, filename))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if version:
        module.VERSION = version
    return module
