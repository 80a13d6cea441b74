from receivables_shared.db.base import make_metadata
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    metadata = make_metadata()
