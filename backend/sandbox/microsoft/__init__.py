"""The Microsoft emulator: identity platform v2.0 (``/microsoft/login``) and Graph (``/microsoft/graph``)."""
