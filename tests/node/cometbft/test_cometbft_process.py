"""The ABCI server under a real CometBFT v0.38 process: the framing holds, blocks are committed."""

from __future__ import annotations

import asyncio
from pathlib import Path

from klayr_py.node.cometbft.application import AbciApplication
from klayr_py.node.cometbft.proto.tendermint.abci import types_pb2 as abci
from klayr_py.node.cometbft.server import AbciServer
from tests.node.cometbft.cometbft_env import single_home, start_cometbft, wait_for_height


class _RecordingApp(AbciApplication):
    """CometBFT's default answers, recording the heights it finalizes."""

    def __init__(self) -> None:
        self.finalized: list[int] = []
        self.commits = 0

    def finalize_block(self, request: abci.RequestFinalizeBlock) -> abci.ResponseFinalizeBlock:
        self.finalized.append(request.height)
        return super().finalize_block(request)

    def commit(self, request: abci.RequestCommit) -> abci.ResponseCommit:
        self.commits += 1
        return super().commit(request)


def test_cometbft_drives_the_default_application(cometbft_binary: Path, tmp_path: Path) -> None:
    app = _RecordingApp()

    async def scenario() -> None:
        server = AbciServer(app, port=0)
        await server.start()
        rpc_port = single_home(cometbft_binary, tmp_path / "home", server.port)
        process = start_cometbft(cometbft_binary, tmp_path / "home")
        try:
            await wait_for_height(rpc_port, 3)
        finally:
            process.terminate()
            process.wait(10)
            await server.close()

    asyncio.run(scenario())
    assert app.finalized[:3] == [1, 2, 3]
    assert app.commits >= 3
