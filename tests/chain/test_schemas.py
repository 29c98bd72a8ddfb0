"""The chain schemas are Klayr's own: same as @klayr/chain's (oracle), and valid Klayr schemas."""

from __future__ import annotations

import pytest

from klayr_py import codec
from klayr_py.chain import schemas
from tests.oracle.node import require_oracle, run_node

ALL = {
    "transactionSchema": schemas.TRANSACTION_SCHEMA,
    "signingBlockHeaderSchema": schemas.SIGNING_BLOCK_HEADER_SCHEMA,
    "blockHeaderSchema": schemas.BLOCK_HEADER_SCHEMA,
    "blockHeaderSchemaWithId": schemas.BLOCK_HEADER_SCHEMA_WITH_ID,
    "blockSchema": schemas.BLOCK_SCHEMA,
    "blockAssetSchema": schemas.BLOCK_ASSET_SCHEMA,
    "eventSchema": schemas.EVENT_SCHEMA,
    "standardEventDataSchema": schemas.STANDARD_EVENT_DATA_SCHEMA,
}


@pytest.mark.parametrize("name", sorted(ALL))
def test_schema_is_a_valid_klayr_schema(name: str) -> None:
    codec.validate_schema(ALL[name])


def test_schemas_equal_klayr_chain() -> None:
    require_oracle("@klayr/chain")
    theirs = run_node(
        # The package index loads lisk-db's native binary, which npm cannot fetch here.
        "const chain = {...require('@klayr/chain/dist-node/schema'),"
        " ...require('@klayr/chain/dist-node/transaction')};"
        "output(Object.fromEntries(input.map(n => [n, chain[n]])));",
        sorted(ALL),
    )
    for name, schema in ALL.items():
        assert theirs[name] == schema, name
