#!/usr/bin/env bash
# Regenerate the committed *_pb2.py/.pyi from the vendored CometBFT v0.38.26 ABCI protos.
# Dev-time only: needs grpcio-tools (pip install grpcio-tools); the package needs only protobuf.
# protoc names imports by proto path (``from tendermint.crypto import ...``); they are rewritten
# to this package's path so the generated code lives inside klayr_py.
set -euo pipefail
cd "$(dirname "$0")"
PYTHON="${PYTHON:-python3}"
INCLUDE="$("$PYTHON" -c 'import grpc_tools, os; print(os.path.join(os.path.dirname(grpc_tools.__file__), "_proto"))')"
"$PYTHON" -m grpc_tools.protoc -I. -I"$INCLUDE" --python_out=. --pyi_out=. \
    gogoproto/gogo.proto tendermint/crypto/proof.proto tendermint/crypto/keys.proto \
    tendermint/types/params.proto tendermint/types/validator.proto tendermint/abci/types.proto
find . -name '*_pb2.py*' -exec sed -i -E \
    's/^from (tendermint|gogoproto)([. ])/from klayr_py.node.cometbft.proto.\1\2/' {} +
