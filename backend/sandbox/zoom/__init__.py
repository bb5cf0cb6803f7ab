"""The Zoom emulator: OAuth, the Meetings API, webhooks and the Marketplace's uninstall, per Zoom's contract."""
