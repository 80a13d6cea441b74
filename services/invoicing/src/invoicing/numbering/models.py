from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from invoicing.base import Base


class NumberCounter(Base):
    """The last number used per series and year: numbers are gap-free within both."""

    __tablename__ = "number_counters"

    series: Mapped[str] = mapped_column(String(10), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer)
