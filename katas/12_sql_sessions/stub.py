"""Kata 12 · A real database session per request: SQLAlchemy on SQLite, commit or roll back.

The task is in README.md next to this file. Grade it with:  pytest katas/12_sql_sessions
"""

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException
from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import CheckConstraint, ForeignKey, create_engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

# ---------------------------------------------------------------------------
# Given: the settings, the tables and the JSON shapes. Leave them as they are.
# ---------------------------------------------------------------------------


class Settings(BaseSettings):
    """KATA_DATABASE_URL in the environment overrides the default (the tests set it)."""

    model_config = SettingsConfigDict(env_prefix="KATA_")

    database_url: str = "sqlite:///./kata_bank.db"


class Base(DeclarativeBase):
    pass


class Account(Base):
    __tablename__ = "accounts"
    __table_args__ = (CheckConstraint("balance >= 0"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(unique=True)
    balance: Mapped[int]


class Transfer(Base):
    __tablename__ = "transfers"

    id: Mapped[int] = mapped_column(primary_key=True)
    from_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    to_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    amount: Mapped[int]


class AccountIn(BaseModel):
    owner: str
    balance: int = Field(default=0, ge=0)


class AccountOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    owner: str
    balance: int


class TransferIn(BaseModel):
    from_id: int
    to_id: int
    amount: int = Field(gt=0)


class TransferOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    from_id: int
    to_id: int
    amount: int


class AuditError(Exception):
    """The audit service did not take the report."""


AUDIT: dict = {"down": False, "seen": []}  # the tests take the service down and read what it saw


def audit(transfer_id: int) -> None:
    """Report a stored transfer to the audit service; it raises AuditError while the service is down."""
    if AUDIT["down"]:
        raise AuditError(transfer_id)
    AUDIT["seen"].append(transfer_id)


# ---------------------------------------------------------------------------
# Your part.
# ---------------------------------------------------------------------------

settings = Settings()

# TODO: the engine, from settings.database_url.


# TODO: a lifespan that creates the tables (Base.metadata.create_all) at startup, and pass it to FastAPI.
app = FastAPI()


def get_session() -> Iterator[Session]:
    # TODO: a new Session for this request; yield it; commit when the route succeeded,
    #       roll back when it raised (and raise again), close it in every case.
    #       The commit must happen before the response is sent.
    raise NotImplementedError


# TODO: POST /accounts           → 201 AccountOut; an owner already taken → 409 {"detail": "owner already has an account"}
# TODO: GET /accounts/{id}       → AccountOut, or 404 {"detail": "account not found"}
# TODO: POST /transfers          → 201 TransferOut: both balances change, the transfer is stored, then
#                                  reported with audit(transfer.id); all or nothing.
#                                  unknown account → 404 {"detail": "account not found"},
#                                  not enough money → 409 {"detail": "insufficient funds"},
#                                  AuditError → 503 {"detail": "audit unavailable"}, and nothing of it stays
