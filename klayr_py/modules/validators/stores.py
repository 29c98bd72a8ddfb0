"""The validators module's stores (Klayr's indices, keys and schemas)."""

from __future__ import annotations

from typing import Any

from klayr_py.modules import BaseSingletonStore, BaseStore
from klayr_py.modules.validators.schemas import VALIDATOR_KEYS_SCHEMA, VALIDATORS_PARAMS_SCHEMA


class ValidatorKeysStore(BaseStore[dict[str, Any]]):
    """``validatorKeys``: address -> {generatorKey, blsKey} (index 0)."""

    schema = VALIDATOR_KEYS_SCHEMA


class ValidatorsParamsStore(BaseSingletonStore[dict[str, Any]]):
    """``validatorsParams``: the active validators and BFT thresholds (index 1)."""

    schema = VALIDATORS_PARAMS_SCHEMA
