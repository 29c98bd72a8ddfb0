"""Committed token transfers per second: a local CometBFT network beside the single-node generator.

Run by hand (not in CI; needs the CometBFT binary, see docs/network.md):
    python benchmarks/bench_network.py [--validators 4] [--senders 200] [--per-sender 10]
        [--max-transactions-size 1048576] [--interval 1]

The network's CometBFT ``timeout_commit`` is ``--timeout-commit`` (500ms: with one consensus
round on top, blocks come about every second under load, like the single node's). Both chains
run the default modules with the same genesis shape (``--senders`` funded dev
accounts) and the same ``maxTransactionsSize``. ``senders x per-sender`` signed transfers (signed
beforehand, not timed) are posted over the Klayr JSON-RPC (``txpool_postTransaction``, 32 requests
in flight): to the network, each sender's transactions to one node, senders spread over all
nodes; to the single node, all of them. The watcher polls node 0 for new blocks and records when
each transaction is first seen in a committed block (final on both: CometBFT commits are final,
and the single node's blocks are what it serves).

Prints, for each: transactions committed per second (from the first post to the last inclusion),
the mean block interval over the blocks holding the load, and post-to-finality latency (median,
95th percentile). ``--rounds N`` alternates single node and network N times (side by side under
the same machine load). ``--profile`` adds the CPU seconds each process spent during the load
(every node's Python process and its children -- a validator's CometBFT, the single node's
event-root worker -- read from ``/proc``; the load generator's own), CPU milliseconds per
committed transaction of all node processes, and from each CometBFT's Prometheus metrics how
often it called each ABCI method (CheckTx, of them rechecks, PrepareProposal, ProcessProposal,
FinalizeBlock, Commit). ``--idle N`` measures the idle network's CPU over N s instead;
``--set SECTION.KEY=VALUE`` overrides a CometBFT setting on every node (A/B runs).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from klayr_py import codec  # noqa: E402
from klayr_py.chain import Transaction  # noqa: E402
from klayr_py.modules.token import TRANSFER_PARAMS_SCHEMA  # noqa: E402
from klayr_py.node.cometbft.home import set_config  # noqa: E402
from klayr_py.node.dev import dev_account, native_token_id  # noqa: E402

CHAIN_ID = bytes.fromhex("04000000")
FEE = 10_000_000
IN_FLIGHT = 32


def _transfers(senders: int, per_sender: int) -> list[list[Transaction]]:
    token = native_token_id(CHAIN_ID)
    batches = []
    for index in range(senders):
        account = dev_account(index)
        recipient = dev_account((index + 1) % senders).address
        batch = []
        for nonce in range(per_sender):
            params = {"tokenID": token, "amount": 1, "recipientAddress": recipient, "data": ""}
            batch.append(
                Transaction(
                    module="token",
                    command="transfer",
                    nonce=nonce,
                    fee=FEE,
                    sender_public_key=account.public_key,
                    params=codec.encode(TRANSFER_PARAMS_SCHEMA, params),
                ).sign(CHAIN_ID, account.private_key)
            )
        batches.append(batch)
    return batches


_TICKS = os.sysconf("SC_CLK_TCK")
_METRICS = ("check_tx", "prepare_proposal", "process_proposal", "finalize_block", "commit")


def _stat(pid: int) -> list[str]:
    """Fields of /proc/<pid>/stat after the command name (field 3 onwards)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds ``pid`` has used so far (0 once it is gone)."""
    try:
        fields = _stat(pid)
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS


def _children(pid: int) -> list[int]:
    """The running child processes of ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int(_stat(int(entry.name))[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return found


class _Profile:
    """CPU seconds of named processes (and of this one) and CometBFT metrics, over the load."""

    def __init__(self, nodes: dict[str, int], metrics: dict[str, str]) -> None:
        self.nodes = nodes
        self.pids = dict(nodes)
        self.metrics_urls = metrics
        self.cpu: dict[str, float] = {}
        self.counts: dict[str, float] = {}

    def _sample(self) -> dict[str, float]:
        sample = {name: _cpu_seconds(pid) for name, pid in self.pids.items()}
        sample["load generator"] = time.process_time()
        return sample

    async def _metrics(self, session: aiohttp.ClientSession) -> dict[str, float]:
        totals: dict[str, float] = {}
        for url in self.metrics_urls.values():
            async with session.get(url) as reply:
                text = await reply.text()
            for line in text.splitlines():
                name, _, value = line.rpartition(" ")
                for method in _METRICS:
                    if name.startswith("cometbft_abci_connection_method_timing_seconds_count") and (
                        f'method="{method}"' in name
                    ):
                        totals[method] = totals.get(method, 0.0) + float(value)
                if name.startswith("cometbft_mempool_recheck_times"):
                    totals["recheck"] = totals.get("recheck", 0.0) + float(value)
        return totals

    async def start(self, session: aiohttp.ClientSession) -> None:
        for name, pid in self.nodes.items():  # a CometBFT node's child: its cometbft process
            for child in _children(pid):
                command = Path(f"/proc/{child}/comm").read_text().strip()
                self.pids[f"{name} {command}"] = child
        self.cpu = self._sample()
        if self.metrics_urls:
            self.counts = await self._metrics(session)

    async def stop(self, session: aiohttp.ClientSession) -> dict[str, float]:
        after = self._sample()
        result = {f"cpu {name}": after[name] - self.cpu[name] for name in after}
        if self.metrics_urls:
            counts = await self._metrics(session)
            result |= {f"calls {k}": v - self.counts.get(k, 0.0) for k, v in counts.items()}
        return result


def _override(folder: Path, args: argparse.Namespace, spec: dict[str, Any]) -> None:
    """Apply ``--set section.key=value`` to every node's config.toml (A/B runs of settings)."""
    settings: dict[str, dict[str, str | int | bool]] = {}
    for item in args.set:
        name, _, value = item.partition("=")
        section, _, key = name.rpartition(".")
        parsed: str | int | bool = value
        if value in ("true", "false"):
            parsed = value == "true"
        elif value.isdigit():
            parsed = int(value)
        settings.setdefault(section, {})[key] = parsed
    if settings:
        for node in spec["nodes"]:
            set_config(folder / "net" / node["name"] / "cometbft", settings)


def idle(folder: Path, args: argparse.Namespace, seconds: float) -> dict[str, float]:
    """CPU seconds of an idle network (empty blocks) over ``seconds``: the baseline."""
    config = _base_config(folder / "base", args, args.base_port + 950)
    _cli(
        "testnet", "--validators", str(args.validators), "--dir", str(folder / "net"),
        "--config", str(config), "--accounts", str(args.senders),
        "--base-port", str(args.base_port),
        "--timeout-commit", args.timeout_commit, "--timeout-propose", "3s",
        cwd=folder,
    )  # fmt: skip
    spec = json.loads((folder / "net" / "network.json").read_text())
    _override(folder, args, spec)
    processes = [_start(node["start"], folder / f"{node['name']}.log") for node in spec["nodes"]]
    names = [node["name"] for node in spec["nodes"]]
    profile = _Profile(dict(zip(names, (p.pid for p in processes), strict=True)), {})

    async def measure() -> dict[str, float]:
        async with aiohttp.ClientSession() as session:
            url = spec["nodes"][0]["rpc_http"]
            await _wait_height(session, url, 2)
            start = (await _call(session, url, "system_getNodeInfo", {}))["height"]
            await profile.start(session)
            await asyncio.sleep(seconds)
            result = await profile.stop(session)
            end = (await _call(session, url, "system_getNodeInfo", {}))["height"]
            return result | {"blocks": end - start}

    try:
        return asyncio.run(measure())
    finally:
        _stop(processes)


def _cli(*args: str, cwd: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "klayr_py.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"klayr-py {args[0]} failed: {done.stderr}")
    return done.stdout


def _base_config(folder: Path, args: argparse.Namespace, rpc_port: int) -> Path:
    config = {
        "system": {"dataPath": str(folder / "data"), "logLevel": args.log_level},
        "genesis": {
            "chainID": CHAIN_ID.hex(),
            "blockTime": args.interval,
            "maxTransactionsSize": args.max_transactions_size,
            "block": {"fromFile": str(folder / "genesis.blob")},
        },
        "transactionPool": {"maxTransactions": 100_000, "maxTransactionsPerAccount": 1000},
        "rpc": {"modes": ["http"], "host": "127.0.0.1", "port": rpc_port},
        "generator": {"keys": {"fromFile": str(folder / "keys.json")}},
    }
    path = folder / "config.json"
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(config))
    return path


async def _call(session: aiohttp.ClientSession, url: str, method: str, params: Any) -> Any:
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
    async with session.post(url, json=body) as reply:
        answer = await reply.json(content_type=None)
    if "error" in answer:
        raise RuntimeError(f"{method}: {answer['error']}")
    return answer["result"]


async def _wait_height(session: aiohttp.ClientSession, url: str, height: int) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            info = await _call(session, url, "system_getNodeInfo", {})
            if info["height"] >= height:
                return
        except (aiohttp.ClientError, RuntimeError, OSError):
            pass
        await asyncio.sleep(0.2)
    raise SystemExit(f"{url} did not reach height {height}")


async def _load(
    urls: list[str], batches: list[list[Transaction]], profile: _Profile | None = None
) -> dict[str, float]:
    """Post every batch (batch i to urls[i % n]); watch urls[0]'s blocks until all are in."""
    posted: dict[str, float] = {}
    seen: dict[str, float] = {}
    block_seen: list[float] = []
    async with aiohttp.ClientSession() as session:
        await _wait_height(session, urls[0], 2)
        start_height = (await _call(session, urls[0], "system_getNodeInfo", {}))["height"]
        queue: asyncio.Queue[tuple[str, Transaction]] = asyncio.Queue()
        for index, batch in enumerate(batches):
            for tx in batch:
                queue.put_nowait((urls[index % len(urls)], tx))
        total = queue.qsize()

        async def poster() -> None:
            while not queue.empty():
                url, tx = queue.get_nowait()
                posted[tx.id.hex()] = time.monotonic()
                await _call(
                    session, url, "txpool_postTransaction", {"transaction": tx.get_bytes().hex()}
                )

        async def watcher() -> None:
            height = start_height
            deadline = time.monotonic() + 180
            while len(seen) < total and time.monotonic() < deadline:
                info = await _call(session, urls[0], "system_getNodeInfo", {})
                while height < info["height"]:
                    height += 1
                    block = await _call(
                        session, urls[0], "chain_getBlockByHeight", {"height": height}
                    )
                    now = time.monotonic()
                    if block["transactions"]:
                        block_seen.append(now)
                    for tx in block["transactions"]:
                        seen.setdefault(tx["id"], now)
                await asyncio.sleep(0.05)

        if profile is not None:
            await profile.start(session)
        first = time.monotonic()
        watch = asyncio.create_task(watcher())
        await asyncio.gather(*(poster() for _ in range(IN_FLIGHT)))
        posting = time.monotonic() - first
        await watch
        profiled = await profile.stop(session) if profile is not None else {}
    if len(seen) < total:
        raise SystemExit(f"only {len(seen)} of {total} transactions committed")
    latencies = sorted(seen[tx_id] - posted[tx_id] for tx_id in seen)
    intervals = [b - a for a, b in itertools.pairwise(block_seen)]
    return {
        "transactions": total,
        "tps": total / (max(seen.values()) - first),
        "posting": posting,
        "blocks": len(block_seen),
        "interval": statistics.mean(intervals) if intervals else float("nan"),
        "latency_median": statistics.median(latencies),
        "latency_p95": latencies[int(0.95 * (len(latencies) - 1))],
    } | profiled


def _start(argv: list[str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        argv, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True
    )


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        os.killpg(process.pid, 15)
    for process in processes:
        process.wait(30)


def network(
    folder: Path, args: argparse.Namespace, batches: list[list[Transaction]]
) -> dict[str, float]:
    config = _base_config(folder / "base", args, args.base_port + 950)  # rpc replaced per node
    _cli(
        "testnet", "--validators", str(args.validators), "--dir", str(folder / "net"),
        "--config", str(config), "--accounts", str(args.senders),
        "--base-port", str(args.base_port),
        "--timeout-commit", args.timeout_commit, "--timeout-propose", "3s",
        cwd=folder,
    )  # fmt: skip
    spec = json.loads((folder / "net" / "network.json").read_text())
    _override(folder, args, spec)
    metrics = {}
    if args.profile:
        for index, node in enumerate(spec["nodes"]):
            port = args.base_port + 10 * index + 4
            set_config(
                folder / "net" / node["name"] / "cometbft",
                {
                    "instrumentation": {
                        "prometheus": True,
                        "prometheus_listen_addr": f"127.0.0.1:{port}",
                    },
                    "rpc": {"pprof_laddr": f"127.0.0.1:{port + 1}"},  # Go's /debug/pprof
                },
            )
            metrics[node["name"]] = f"http://127.0.0.1:{port}/metrics"
    processes = [_start(node["start"], folder / f"{node['name']}.log") for node in spec["nodes"]]
    profile = None
    if args.profile:
        names = [node["name"] for node in spec["nodes"]]
        profile = _Profile(dict(zip(names, (p.pid for p in processes), strict=True)), metrics)
    try:
        urls = [node["rpc_http"] for node in spec["nodes"]]
        return asyncio.run(_load(urls, batches, profile))
    finally:
        _stop(processes)


def single(
    folder: Path, args: argparse.Namespace, batches: list[list[Transaction]]
) -> dict[str, float]:
    port = args.base_port + 900
    config = _base_config(folder, args, port)
    _cli(
        "genesis", "create", "--config", str(config), "--validators", "1",
        "--accounts", str(args.senders), "--output", str(folder / "genesis.blob"),
        "--keys-output", str(folder / "keys.json"),
        cwd=folder,
    )  # fmt: skip
    process = _start(
        [sys.executable, "-m", "klayr_py.cli", "start", "--config", str(config)],
        folder / "node.log",
    )
    profile = _Profile({"node": process.pid}, {}) if args.profile else None
    try:
        return asyncio.run(_load([f"http://127.0.0.1:{port}/rpc"], batches, profile))
    finally:
        _stop([process])


def _print(name: str, result: dict[str, float]) -> None:
    print(
        f"{name:>22}: {result['transactions']:.0f} transfers, {result['tps']:7.1f} tx/s, "
        f"{result['blocks']:.0f} blocks, interval {result['interval']:.2f} s, "
        f"post-to-final median {result['latency_median']:.2f} s, "
        f"p95 {result['latency_p95']:.2f} s; all posted after {result['posting']:.2f} s",
        flush=True,
    )
    cpu = {k.removeprefix("cpu "): v for k, v in result.items() if k.startswith("cpu ")}
    if cpu:
        nodes = sum(v for k, v in cpu.items() if k != "load generator")
        per_tx = 1000 * nodes / result["transactions"]
        parts = ", ".join(f"{k} {v:.2f}" for k, v in cpu.items())
        print(f"{'':>24}CPU s: {parts}; nodes {nodes:.2f} = {per_tx:.2f} ms/tx", flush=True)
    calls = {k.removeprefix("calls "): v for k, v in result.items() if k.startswith("calls ")}
    if calls:
        parts = ", ".join(f"{k} {v:.0f}" for k, v in calls.items())
        print(f"{'':>24}ABCI calls (all nodes): {parts}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--validators", type=int, default=4)
    parser.add_argument("--senders", type=int, default=200)
    parser.add_argument("--per-sender", type=int, default=10)
    parser.add_argument("--max-transactions-size", type=int, default=1024 * 1024)
    parser.add_argument("--interval", type=int, default=1, help="Block interval target (s).")
    parser.add_argument(
        "--timeout-commit",
        default="500ms",
        help="CometBFT's pause after a block: 500ms gives blocks about every 1 s under load "
        "(the pause plus one consensus round), as the single node's --interval 1.",
    )
    parser.add_argument("--base-port", type=int, default=38000)
    parser.add_argument("--keep", action="store_true", help="Keep (and print) the directory.")
    parser.add_argument("--network-only", action="store_true")
    parser.add_argument("--rounds", type=int, default=1, help="Alternate single/network N times.")
    parser.add_argument("--profile", action="store_true", help="CPU seconds and ABCI calls.")
    parser.add_argument("--log-level", default="warn")
    parser.add_argument("--idle", type=float, help="Only the idle network's CPU over N s.")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="SECTION.KEY=VALUE",
        help="Override a CometBFT config.toml setting on every node (repeatable).",
    )
    args = parser.parse_args()
    batches = _transfers(args.senders, args.per_sender)
    name = f"{args.validators}-validator network"
    ratios = []
    print(f"load average before: {os.getloadavg()}", flush=True)
    if args.idle:
        with tempfile.TemporaryDirectory(prefix="klayr-py-bench-net-") as tmp:
            result = idle(Path(tmp), args, args.idle)
        blocks = result.pop("blocks")
        print(f"idle {name}, {args.idle:.0f} s, {blocks:.0f} blocks, CPU s:")
        print(", ".join(f"{k.removeprefix('cpu ')} {v:.2f}" for k, v in result.items()))
        return
    for round_ in range(args.rounds):
        tmp = tempfile.mkdtemp(prefix="klayr-py-bench-net-")
        results = {}
        try:
            if not args.network_only:
                results["single node"] = single(Path(tmp) / "single", args, batches)
                _print("single node", results["single node"])
            results[name] = network(Path(tmp) / "network", args, batches)
            _print(name, results[name])
        finally:
            if args.keep:
                print(f"kept {tmp}")
            else:
                shutil.rmtree(tmp, ignore_errors=True)
        if "single node" in results:
            ratios.append(results[name]["tps"] / results["single node"]["tps"])
            print(f"round {round_ + 1}: network / single node: {ratios[-1]:.2f}", flush=True)
    if ratios:
        print(
            f"network / single node over {len(ratios)} rounds: {min(ratios):.2f}-{max(ratios):.2f}"
        )
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
