"""The long hostile-input run behind ``make fuzz``: the ingest fuzz (>= 10,000 inputs, CLI
batches, full-size giant inputs), the SIGKILL trials and the schema-driven API fuzz, each a
pytest run with raised counts. Prints the figures the README's "Reliability" section quotes
and writes them to ``out/fuzz/summary.json``; exits non-zero when any part failed.

    python scripts/fuzz.py [--inputs 10500] [--cli-batches 30] [--kill-trials 10]
                           [--api-examples 300] [--seed 1] [--only ingest,kill,api]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "out" / "fuzz"


def run_part(name: str, tests: list[str], env: dict[str, str]) -> dict[str, Any]:
    """One pytest run; its wall time and exit status, its figures from the report file."""
    print(f"--- {name}: {' '.join(f'{k}={v}' for k, v in env.items())} pytest {' '.join(tests)}",
          flush=True)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           *tests], cwd=REPO, env={**os.environ, **env})
    out: dict[str, Any] = {"exit": proc.returncode,
                           "seconds": round(time.perf_counter() - t0, 1)}
    report = env.get("FRONTLENS_FUZZ_REPORT") or env.get("FRONTLENS_KILL_REPORT")
    if report and Path(report).exists():
        out["figures"] = json.loads(Path(report).read_text())
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--inputs", type=int, default=10_500, help="in-process ingest inputs")
    ap.add_argument("--cli-batches", type=int, default=30, help="batches via frontlens ingest")
    ap.add_argument("--kill-trials", type=int, default=10, help="SIGKILL trials per command")
    ap.add_argument("--api-examples", type=int, default=300, help="API cases per operation")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--only", default="ingest,kill,api")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    parts = set(args.only.split(","))
    summary: dict[str, Any] = {"seed": args.seed}
    t0 = time.perf_counter()
    if "ingest" in parts:
        summary["ingest"] = run_part("ingest fuzz", ["tests/test_ingest_fuzz.py"], {
            "FRONTLENS_FUZZ_INPUTS": str(args.inputs),
            "FRONTLENS_FUZZ_CLI_BATCHES": str(args.cli_batches),
            "FRONTLENS_FUZZ_GIANT": "1", "FRONTLENS_FUZZ_SEED": str(args.seed),
            "FRONTLENS_FUZZ_REPORT": str(OUT / "ingest.json")})
    if "kill" in parts:
        summary["kill"] = run_part("kill trials", ["tests/test_kill.py"], {
            "FRONTLENS_KILL_TRIALS": str(args.kill_trials),
            "FRONTLENS_KILL_SEED": str(args.seed),
            "FRONTLENS_KILL_REPORT": str(OUT / "kill.json")})
    if "api" in parts:
        summary["api"] = run_part("API fuzz", ["tests/test_api_fuzz.py"], {
            "FRONTLENS_FUZZ_EXAMPLES": str(args.api_examples)})
    summary["seconds"] = round(time.perf_counter() - t0, 1)
    (OUT / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print_summary(summary)
    return 0 if all(p["exit"] == 0 for k, p in summary.items() if isinstance(p, dict)) else 1


def print_summary(s: dict[str, Any]) -> None:
    print(f"--- summary (seed {s['seed']}, {s['seconds'] / 60:.1f} min; out/fuzz/summary.json)")
    if "ingest" in s:
        p, f = s["ingest"], s["ingest"].get("figures", {})
        giants = f.get("giants", {})
        worst = max(giants.items(), key=lambda kv: kv[1]["rss_mb"], default=("-", {}))
        slowest = max(giants.items(), key=lambda kv: kv[1]["seconds"], default=("-", {}))
        print(f"ingest fuzz: exit {p['exit']} in {p['seconds']:.0f} s; {f.get('inputs', 0)} "
              f"inputs in-process ({f.get('rejected_inputs', 0)} rejected, "
              f"{f.get('item_errors', 0)} item errors) + {f.get('cli_inputs', 0)} in "
              f"{f.get('cli_batches', 0)} CLI batches + {len(giants)} giant inputs; crashes "
              f"{f.get('crashes', 0)}, hangs {f.get('hangs', 0)}, max "
              f"{f.get('max_input_seconds', 0):.2f} s per generated input; giants: slowest "
              f"{slowest[0]} {slowest[1].get('seconds', 0)} s, peak RSS {worst[0]} "
              f"{worst[1].get('rss_mb', 0)} MB ({worst[1].get('rss_above_baseline_mb', '?')} MB "
              f"above the {f.get('cli_baseline_rss_mb', '?')} MB of a small input); peak RSS "
              "in-process "
              f"{f.get('peak_rss_mb_in_process', 0)} MB (pytest and hypothesis included), "
              f"CLI {f.get('peak_rss_mb_cli', 0)} MB; network attempts "
              f"{f.get('network_attempts', 0)}")
    if "kill" in s:
        p, f = s["kill"], s["kill"].get("figures", {})
        rows = ", ".join(f"{k} {f['survived'].get(k, 0)}/{n} (killed mid-run "
                         f"{f['killed_mid_run'].get(k, 0)}, between commits "
                         f"{f['left_partial'].get(k, 0)})"
                         for k, n in f.get("trials", {}).items())
        print(f"kill trials: exit {p['exit']} in {p['seconds']:.0f} s; survived {rows}")
    if "api" in s:
        print(f"API fuzz: exit {s['api']['exit']} in {s['api']['seconds']:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
