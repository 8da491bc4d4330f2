"""Organisations that organise or fund courses, with their logos."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime, utcnow
from ..extensions import db
from ..i18n.multilingual import MultilingualText, MultilingualType


class Organisation(db.Model):
    """An organiser, donor or host: ASEAN-IPR, UN Women, a government."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[MultilingualText] = mapped_column(MultilingualType)
    acronym: Mapped[str] = mapped_column(sa.String(40), default="")
    country: Mapped[str | None] = mapped_column(sa.String(2))
    website: Mapped[str] = mapped_column(sa.String(300), default="")
    logo: Mapped[str | None] = mapped_column(sa.String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.acronym or self.name.get('en')}>"
