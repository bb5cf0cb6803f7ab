"""The Google emulator: OAuth 2.0 (``/google/accounts``, ``/google/oauth2``), Meet REST v2 (``/google/meet``), RISC."""
