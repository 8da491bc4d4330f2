"""Constants and small helpers shared by the tests."""
from pathlib import Path

import sqlalchemy as sa

from app.extensions import db

ARTIFACTS = Path(__file__).parent / "artifacts"
PASSWORD = "correct horse battery"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True}


def count(model) -> int:
    """Rows of ``model`` in the database."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))
