"""Storage: SQLAlchemy models, the migrated database, and repository functions returning types."""

from curator.store.db import Database

__all__ = ["Database"]
