"""Database: SQLAlchemy models with LAVA's table names, the engine, and migrations."""
