"""Owners of vaults: the identifier check (personal ID or tax code, as in SPEC) and the owner's catalogue row,
created on first use under its keyed partition.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.identifiers import InvalidIdentifier, owner_kind, owner_partition, validate_personal_id, validate_tax_code
from vault.errors import InvalidInput
from vault.models import Owner


def check_owner_id(owner_id: str) -> str:
    """The owner id in its canonical form; InvalidInput when it is neither a personal ID nor a tax code."""
    try:
        kind = owner_kind(owner_id)
        if kind == "person":
            validate_personal_id(owner_id)
        else:
            owner_id = validate_tax_code(owner_id)
    except InvalidIdentifier as exc:
        raise InvalidInput(str(exc)) from exc
    return owner_id


def owner_row(session: Session, owner_id: str, partition_key: bytes, display_name: str | None = None) -> Owner:
    """The owner's row, created when new; a given display name is recorded only when none is (the first name stays:
    an officer's typo in a later batch does not rename a citizen; `Vault.rename_owner` changes it explicitly)."""
    owner = session.execute(select(Owner).where(Owner.owner_id == owner_id)).scalar_one_or_none()
    if owner is None:
        owner_id = check_owner_id(owner_id)
        owner = session.execute(select(Owner).where(Owner.owner_id == owner_id)).scalar_one_or_none()
    if owner is None:
        owner = Owner(
            owner_id=owner_id,
            partition=owner_partition(owner_id, partition_key),
            kind=owner_kind(owner_id),
            display_name=display_name,
        )
        session.add(owner)
        session.flush()
    elif display_name and not owner.display_name:
        owner.display_name = display_name
    return owner
