"""Breaks rule 6: the session commits in `finally`, so a route that raised after writing keeps its writes.

The reference solution with one mistake; the kata's tests must catch it (tests/test_wrong_apps.py).
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
# The engine, the tables, the session.
# ---------------------------------------------------------------------------

settings = Settings()
engine = create_engine(settings.database_url)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    Base.metadata.create_all(engine)  # at startup: importing the module touches no file
    yield
    engine.dispose()


app = FastAPI(lifespan=lifespan)


def get_session() -> Iterator[Session]:
    with Session(engine) as session:  # closed whatever happens: its connection goes back to the pool
        try:
            yield session
        finally:
            session.commit()


# Key idea: scope="function" runs the code after `yield` as soon as the route returns, so the
# commit happens (or fails, as a 500) before the response is sent, not after the client has it.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def account_or_404(session: Session, account_id: int) -> Account:
    account = session.get(Account, account_id)
    if account is None:
        raise HTTPException(status_code=404, detail="account not found")
    return account


@app.post("/accounts", status_code=201, response_model=AccountOut)
def create_account(body: AccountIn, session: SessionDep) -> Account:
    account = Account(owner=body.owner, balance=body.balance)
    session.add(account)
    try:
        session.flush()  # the INSERT runs now, so the unique constraint answers here
    except IntegrityError:
        raise HTTPException(status_code=409, detail="owner already has an account") from None
    return account


@app.get("/accounts/{account_id}", response_model=AccountOut)
def read_account(account_id: int, session: SessionDep) -> Account:
    return account_or_404(session, account_id)


@app.post("/transfers", status_code=201, response_model=TransferOut)
def create_transfer(body: TransferIn, session: SessionDep) -> Transfer:
    source = account_or_404(session, body.from_id)
    target = account_or_404(session, body.to_id)
    if source.balance < body.amount:
        raise HTTPException(status_code=409, detail="insufficient funds")
    source.balance -= body.amount
    target.balance += body.amount
    transfer = Transfer(from_id=source.id, to_id=target.id, amount=body.amount)
    session.add(transfer)
    session.flush()  # the INSERT runs now: the transfer has its id
    try:
        audit(transfer.id)
    except AuditError:
        # Raised after the writes: get_session rolls all of them back.
        raise HTTPException(status_code=503, detail="audit unavailable") from None
    return transfer
