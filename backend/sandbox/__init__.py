"""Emulators of the outside world (SuperOffice, the video providers), served on their own port.

They follow the published contracts so the product's real adapters run against them unchanged, only with other
base URLs. Nothing here imports the product: the product reaches the sandbox only over HTTP.
"""
