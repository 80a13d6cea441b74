from sqlalchemy.orm import DeclarativeBase

from receivables_shared.db.base import make_metadata


class Base(DeclarativeBase):
    metadata = make_metadata()
