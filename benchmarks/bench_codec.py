"""Codec throughput: klayr_py against Klayr's own @klayr/codec on the same objects, in one run.

Run by hand (not in CI):  python benchmarks/bench_codec.py
The Node.js side runs when Node and tests/oracle/node_modules are present
(npm install --prefix tests/oracle); otherwise only klayr_py's figures are printed.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import timeit
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from klayr_py import codec  # noqa: E402
from klayr_py.chain.schemas import BLOCK_HEADER_SCHEMA, TRANSACTION_SCHEMA  # noqa: E402

ORACLE = ROOT / "tests" / "oracle"

TRANSACTION = {
    "module": "token",
    "command": "transfer",
    "nonce": 17,
    "fee": 100_000_000,
    "senderPublicKey": bytes(range(32)),
    "params": bytes(range(70)),
    "signatures": [bytes(range(64))],
}
BLOCK_HEADER = {
    "version": 2,
    "timestamp": 1_700_000_000,
    "height": 1_234_567,
    "previousBlockID": bytes([1]) * 32,
    "generatorAddress": bytes([2]) * 20,
    "transactionRoot": bytes([3]) * 32,
    "assetRoot": bytes([4]) * 32,
    "eventRoot": bytes([5]) * 32,
    "stateRoot": bytes([6]) * 32,
    "maxHeightPrevoted": 1_234_500,
    "maxHeightGenerated": 1_234_000,
    "impliesMaxPrevotes": True,
    "validatorsHash": bytes([7]) * 32,
    "aggregateCommit": {
        "height": 1_234_400,
        "aggregationBits": bytes([255, 1]),
        "certificateSignature": bytes([8]) * 96,
    },
    "signature": bytes([9]) * 64,
}
CASES = [
    ("transaction", TRANSACTION_SCHEMA, TRANSACTION),
    ("block header", BLOCK_HEADER_SCHEMA, BLOCK_HEADER),
]

_NODE_BENCH = r"""
const { codec } = require('@klayr/codec');
const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const rate = (fn) => {
  for (let i = 0; i < 20000; i++) fn();              // warm up the JIT
  let best = 0;
  for (let r = 0; r < 7; r++) {
    const n = 100000; const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    const s = Number(process.hrtime.bigint() - t) / 1e9;
    best = Math.max(best, n / s);
  }
  return best;
};
const out = {};
for (const c of cases) {
  const value = codec.fromJSON(c.schema, c.json);
  const bytes = codec.encode(c.schema, value);
  if (bytes.toString('hex') !== c.hex) throw new Error('encodings differ for ' + c.name);
  out[c.name] = { encode: rate(() => codec.encode(c.schema, value)),
                  decode: rate(() => codec.decode(c.schema, bytes)) };
}
process.stdout.write(JSON.stringify(out));
"""


def _python_rate(fn: Any) -> float:
    timer = timeit.Timer(fn)
    number, _ = timer.autorange()
    best = min(timer.repeat(repeat=7, number=number))
    return number / best


def _node_rates() -> dict[str, dict[str, float]] | None:
    if shutil.which("node") is None or not (ORACLE / "node_modules" / "@klayr" / "codec").is_dir():
        return None
    payload = [
        {
            "name": name,
            "schema": schema,
            "json": codec.to_json(schema, value),
            "hex": codec.encode(schema, value).hex(),
        }
        for name, schema, value in CASES
    ]
    proc = subprocess.run(
        ["node", "-e", _NODE_BENCH],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        cwd=ORACLE,
        check=True,
    )
    result: dict[str, dict[str, float]] = json.loads(proc.stdout)
    return result


def _python_rates() -> dict[str, dict[str, float]]:
    rates = {}
    for name, schema, value in CASES:
        data = codec.encode(schema, value)
        rates[name] = {
            "encode": _python_rate(lambda s=schema, v=value: codec.encode(s, v)),
            "decode": _python_rate(lambda s=schema, d=data: codec.decode(s, d)),
        }
    return rates


def _best(runs: list[dict[str, dict[str, float]]]) -> dict[str, dict[str, float]]:
    return {
        name: {op: max(run[name][op] for run in runs) for op in runs[0][name]} for name in runs[0]
    }


def main(rounds: int = 3) -> None:
    """Print the best operations per second of ``rounds`` alternating runs, and the ratio."""
    ours: list[dict[str, dict[str, float]]] = []
    theirs: list[dict[str, dict[str, float]]] = []
    for _ in range(rounds):  # alternate, so a noisy spell on a shared machine hits both sides
        ours.append(_python_rates())
        node = _node_rates()
        if node is not None:
            theirs.append(node)
    best_ours = _best(ours)
    best_theirs = _best(theirs) if theirs else None
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"best of {rounds} alternating rounds")
    print(f"{'case':<14}{'op':<8}{'klayr_py ops/s':>16}{'@klayr/codec ops/s':>20}{'ratio':>8}")
    for name, _, _ in CASES:
        for op, rate in best_ours[name].items():
            other = best_theirs[name][op] if best_theirs else None
            ratio = f"{rate / other:7.2f}x" if other else "      -"
            other_text = f"{other:>20,.0f}" if other else f"{'(no Node.js)':>20}"
            print(f"{name:<14}{op:<8}{rate:>16,.0f}{other_text}{ratio}")


if __name__ == "__main__":
    main()
