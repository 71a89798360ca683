"""Long fuzz runs and replays: ``python -m tests.fuzz --minutes 10`` (see README.md)."""
from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import time
from pathlib import Path

from .runner import (DEFAULT_FAILURE_DIR, FAILURE_STATUSES, TARGET_NAMES, Campaign, FailureStore,
                     decode_payload, known_issue, strategies)
from .server import DEFAULT_MEMORY_LIMIT, Server


def _replay(directory: Path, server: Server, timeout: float) -> int:
    record = json.loads((directory / "case.json").read_text())
    payload = decode_payload(record["payload"])
    print(f"replaying {record['target']} case from {directory} (signature {record['signature']})")
    out = server.run(record["target"], payload, timeout)
    print(f"status: {out['status']}")
    if out.get("exc_type"):
        print(f"{out['exc_type']}: {out.get('message', '')}")
    for key in ("traceback", "stderr"):
        if out.get(key):
            print(f"--- {key} ---\n{out[key]}")
    return 1 if out["status"] in FAILURE_STATUSES else 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__)
    p.add_argument("--minutes", type=float, default=10.0, help="time budget (default 10)")
    p.add_argument("--seed", type=int, default=None, help="base seed (default: random, printed)")
    p.add_argument("--targets", default=",".join(TARGET_NAMES),
                   help=f"comma-separated targets (default: {','.join(TARGET_NAMES)})")
    p.add_argument("--examples", type=int, default=100,
                   help="examples per hypothesis round (default 100)")
    p.add_argument("--out", type=Path, default=DEFAULT_FAILURE_DIR,
                   help=f"failure directory (default {DEFAULT_FAILURE_DIR}, or $NGRAMVEC_FUZZ_DIR)")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds before a case is a hang")
    p.add_argument("--memory-limit", type=int, default=DEFAULT_MEMORY_LIMIT,
                   help="address-space limit of each case in bytes (0: none)")
    p.add_argument("--no-shrink", action="store_true", help="save failing inputs unshrunk")
    p.add_argument("--replay", type=Path, metavar="DIR", help="run one saved failing case again")
    args = p.parse_args(argv)

    with Server(memory_limit=args.memory_limit) as server:
        if args.replay:
            return _replay(args.replay, server, args.timeout)
        seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 31)
        targets = [t.strip() for t in args.targets.split(",") if t.strip()]
        unknown = set(targets) - set(TARGET_NAMES)
        if unknown:
            p.error(f"unknown targets {sorted(unknown)}; choose among {', '.join(TARGET_NAMES)}")
        print(f"fuzz: seed {seed}, {args.minutes:g} min, targets {', '.join(targets)}, "
              f"{args.examples} examples a round; failures go to {args.out}", flush=True)
        campaign = Campaign(server, FailureStore(args.out), timeout=args.timeout)
        strats = strategies(campaign.bases)
        t0 = time.monotonic()
        deadline = t0 + 60.0 * args.minutes
        rnd = 0
        while time.monotonic() < deadline:
            for target in targets:
                if time.monotonic() >= deadline:
                    break
                # round r of target t is reproducible on its own from this seed
                round_seed = (seed * 1_000_003 + rnd * 101 + TARGET_NAMES.index(target)) % (1 << 32)
                campaign.fuzz(target, strats[target], args.examples, round_seed,
                              shrink=not args.no_shrink)
            rnd += 1
            c = {t: sum(v.values()) for t, v in campaign.counts.items()}
            print(f"  round {rnd}: {campaign.total()} cases in {time.monotonic() - t0:.0f} s "
                  f"({', '.join(f'{t} {n}' for t, n in sorted(c.items()))}); "
                  f"{len(campaign.failures)} distinct failures", flush=True)
        elapsed = time.monotonic() - t0
        print(f"fuzz: seed {seed}: {campaign.total()} cases in {elapsed:.0f} s")
        print(campaign.summary())
        new = [s for s in campaign.failures if not known_issue(s)]
        report = {
            "seed": seed, "minutes": args.minutes, "seconds": round(elapsed, 1),
            "targets": targets, "examples_per_round": args.examples, "rounds": rnd,
            "cases": campaign.total(),
            "counts": {t: dict(v) for t, v in sorted(campaign.counts.items())},
            "failures": {s: {"count": f["count"], "path": str(f["path"]),
                             "known": known_issue(s)} for s, f in sorted(campaign.failures.items())},
            "crashes": sum(f["count"] for f in campaign.failures.values()
                           if f["outcome"]["status"] in ("crash", "hang")),
            "python": platform.python_version(), "machine": platform.machine(),
            "ngramvec": server.info.get("ngramvec"),
        }
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "last-run.json").write_text(json.dumps(report, indent=1))
        print(f"figures written to {args.out / 'last-run.json'}")
        return 1 if new else 0


if __name__ == "__main__":
    sys.exit(main())
