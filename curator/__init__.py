"""curator: content curation and editorial planning for a steady professional presence."""

__version__ = "0.1.0"
