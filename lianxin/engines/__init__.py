"""Pure computation engines: plain values in, plain results out.

Engines never import Django, settings, another lianxin package, or read the clock;
tests/engines/test_import_purity.py enforces it.
"""
