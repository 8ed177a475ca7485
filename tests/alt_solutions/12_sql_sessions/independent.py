"""Kata 12, solved independently from the README: the engine on app.state, sessionmaker.begin(),
Core UPDATE statements and a savepoint for the unique owner.
"""

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import CheckConstraint, ForeignKey, create_engine, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

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
# Written from the README.
# ---------------------------------------------------------------------------


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    engine = create_engine(Settings().database_url)
    Base.metadata.create_all(engine)
    app.state.sessions = sessionmaker(engine, expire_on_commit=False)
    try:
        yield
    finally:
        engine.dispose()


app = FastAPI(lifespan=lifespan)


def get_session(request: Request) -> Iterator[Session]:
    # begin() commits when the block ends normally and rolls back when an exception comes in.
    with request.app.state.sessions.begin() as session:
        yield session


Db = Annotated[Session, Depends(get_session, scope="function")]


def to_out(account: Account) -> AccountOut:
    return AccountOut.model_validate(account)


@app.post("/accounts", status_code=201)
async def open_account(body: AccountIn, db: Db) -> AccountOut:
    account = Account(owner=body.owner, balance=body.balance)
    try:
        with db.begin_nested():  # a savepoint: only this INSERT is undone on a duplicate
            db.add(account)
    except IntegrityError:
        raise HTTPException(409, "owner already has an account") from None
    return to_out(account)


@app.get("/accounts/{account_id}")
async def get_account(account_id: int, db: Db) -> AccountOut:
    account = db.scalar(select(Account).where(Account.id == account_id))
    if not account:
        raise HTTPException(404, "account not found")
    return to_out(account)


@app.post("/transfers", status_code=201)
async def transfer(body: TransferIn, db: Db) -> TransferOut:
    found = set(db.scalars(select(Account.id).where(Account.id.in_([body.from_id, body.to_id]))))
    if {body.from_id, body.to_id} - found:
        raise HTTPException(404, "account not found")
    debited = db.execute(
        update(Account).where(Account.id == body.from_id, Account.balance >= body.amount)
        .values(balance=Account.balance - body.amount)
    )
    if debited.rowcount != 1:
        raise HTTPException(409, "insufficient funds")
    db.execute(update(Account).where(Account.id == body.to_id).values(balance=Account.balance + body.amount))
    record = Transfer(from_id=body.from_id, to_id=body.to_id, amount=body.amount)
    db.add(record)
    db.flush()
    try:
        audit(record.id)
    except AuditError as exc:
        raise HTTPException(503, "audit unavailable") from exc
    return TransferOut.model_validate(record)
