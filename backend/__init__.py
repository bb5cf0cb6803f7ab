"""Meetings for SuperOffice: one-click video meetings from SuperOffice CRM's follow-up dialog."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
"""The checkout: ``templates/`` and ``static/`` live here, beside the package."""
