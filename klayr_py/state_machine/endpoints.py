"""Calling module endpoints: ``hello_getHello`` -> ``HelloEndpoint.get_hello(ctx)``.

The RPC server (and tests) use this one mechanism: find the endpoint by its Klayr name, validate
the request against the endpoint's request schema (JSON form), and call it with a context whose
on-chain stores are read-only and whose off-chain stores are writable, as in Klayr.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic.alias_generators import to_camel

from klayr_py import validator
from klayr_py.contexts.event_queue import ReadOnlyEventQueue
from klayr_py.contexts.hooks import EndpointContext, HeaderInfo
from klayr_py.errors import NotFoundError
from klayr_py.interfaces import StateReader, StateStoreLike
from klayr_py.modules.base_module import BaseModule

_LOGGER = logging.getLogger("klayr_py.endpoints")


def endpoint_name(module: BaseModule, python_name: str) -> str:
    """The Klayr name of an endpoint method: ``hello`` + ``get_hello`` -> ``hello_getHello``."""
    return f"{module.name}_{to_camel(python_name)}"


def list_endpoints(modules: Iterable[BaseModule]) -> dict[str, tuple[BaseModule, str]]:
    """Every endpoint by Klayr name: the module and the Python method name."""
    return {
        endpoint_name(module, python_name): (module, python_name)
        for module in modules
        for python_name in module.endpoint.endpoint_names()
    }


def call_endpoint(
    module: BaseModule,
    python_name: str,
    params: Mapping[str, Any],
    *,
    state_store: StateStoreLike,
    offchain_store: StateReader,
    chain_id: bytes,
    header: HeaderInfo,
    logger: logging.Logger = _LOGGER,
) -> Any:
    """Validate ``params`` against the endpoint's request schema and call the endpoint.

    Raises NotFoundError for an unknown endpoint and ValidationError naming each bad parameter.
    """
    endpoint = module.endpoint
    if python_name not in endpoint.endpoint_names():
        raise NotFoundError(f"endpoint {endpoint_name(module, python_name)} does not exist")
    schema = endpoint.request_schemas.get(python_name)
    if schema is not None:
        validator.validate(schema, dict(params))
    ctx = EndpointContext(
        logger=logger,
        chain_id=chain_id,
        params=dict(params),
        state_store=state_store.read_only(),
        offchain_store=offchain_store,
        header=header,
        event_queue=ReadOnlyEventQueue(header.height),
    )
    return getattr(endpoint, python_name)(ctx)
