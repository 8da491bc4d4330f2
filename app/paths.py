"""Where the project's files are: a leaf module, so that any layer may ask without importing
the application factory (``app/__init__.py``, which imports every feature)."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
