"""Campaigns: hypothesis draws the inputs, the fork server runs them, failures are saved.

A campaign runs hypothesis on one target for a number of examples from a seed
(``@hypothesis.seed``, no example database: the same seed gives the same inputs).
Every outcome is counted; a failure (``crash``, ``hang``, ``bare``, ``mismatch``,
``unusable``, ``harness-error``) is written to the failure directory under its
*signature* (target, status, exception type and the innermost ngramvec function, or
the check that failed), keeping the smallest input seen for each signature. A new
signature makes the hypothesis test fail, so that hypothesis shrinks the input
before it is saved; signatures already known only count.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from hypothesis.errors import HypothesisException

from . import inputs
from .server import Server

__all__ = ["FAILURE_STATUSES", "KNOWN_ISSUES", "known_issue", "Campaign", "FailureStore", "strategies", "encode_payload",
           "decode_payload", "signature", "TARGET_NAMES", "DEFAULT_FAILURE_DIR"]

FAILURE_STATUSES = ("crash", "hang", "bare", "mismatch", "unusable", "harness-error")
TARGET_NAMES = ("encoder", "corpus", "word2vec", "w2v_engines", "npz", "encoded")
DEFAULT_FAILURE_DIR = Path(os.environ.get("NGRAMVEC_FUZZ_DIR", "fuzz-failures"))


#: Failures found by the harness in code this suite does not own, reported and left to
#: their owners: (regular expression matched against the signature, reason). A test
#: whose only failures are known ones is marked xfail with the reason; anything else
#: fails. Remove an entry once its fix is merged.
KNOWN_ISSUES: list[tuple[str, str]] = [
]


def known_issue(sig: str) -> str | None:
    """The reason of the known issue ``sig`` matches, or None."""
    for pattern, reason in KNOWN_ISSUES:
        if re.search(pattern, sig):
            return reason
    return None


def strategies(bases: Callable[[], dict[str, bytes]], npz_loaders: list[str] | None = None
               ) -> dict[str, st.SearchStrategy]:
    """The input strategy of each target (``bases`` gives the valid saved files)."""
    loaders = npz_loaders or inputs.LOADERS
    return {
        "encoder": inputs.encoder_payloads(),
        "corpus": inputs.corpus_payloads(),
        "word2vec": st.one_of(inputs.word2vec_payloads(binary=False),
                              inputs.word2vec_payloads(binary=True),
                              inputs.word2vec_payloads(binary=False, header=False)),
        "w2v_engines": inputs.w2v_engine_payloads(),
        "npz": inputs.npz_payloads(loaders, bases),
        "encoded": inputs.encoded_payloads(),
    }


# --------------------------------------------------------------------------- payloads


def encode_payload(obj: Any) -> Any:
    """JSON-able form of a payload: bytes as {"b64": ...}, tuples as {"tuple": [...]},
    str with lone surrogates as {"surrogatepass_b64": ...}; :func:`decode_payload` inverts it."""
    if isinstance(obj, (bytes, bytearray)):
        return {"b64": base64.b64encode(bytes(obj)).decode("ascii")}
    if isinstance(obj, dict):
        return {k: encode_payload(v) for k, v in obj.items()}
    if isinstance(obj, tuple):
        return {"tuple": [encode_payload(v) for v in obj]}
    if isinstance(obj, list):
        return [encode_payload(v) for v in obj]
    if isinstance(obj, str) and any(0xD800 <= ord(c) < 0xE000 for c in obj):
        return {"surrogatepass_b64": base64.b64encode(obj.encode("utf-8", "surrogatepass")).decode()}
    if isinstance(obj, float) and obj != obj:
        return {"float": "nan"}
    return obj


def decode_payload(obj: Any) -> Any:
    if isinstance(obj, dict):
        if set(obj) == {"b64"}:
            return base64.b64decode(obj["b64"])
        if set(obj) == {"tuple"}:
            return tuple(decode_payload(v) for v in obj["tuple"])
        if set(obj) == {"surrogatepass_b64"}:
            return base64.b64decode(obj["surrogatepass_b64"]).decode("utf-8", "surrogatepass")
        if set(obj) == {"float"}:
            return float(obj["float"])
        return {k: decode_payload(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [decode_payload(v) for v in obj]
    return obj


def payload_size(payload: dict) -> int:
    files = payload.get("files", {})
    return sum(len(v) for v in files.values()) + len(repr(payload.get("ops", "")))


def signature(target: str, payload: dict, outcome: dict) -> str:
    status = outcome["status"]
    parts = [target, status]
    opts = payload.get("options", {})
    if target == "npz":
        parts.append(opts.get("loader", ""))
    if status in ("crash", "hang"):
        parts += [outcome.get("exc_type", ""), outcome.get("phase", "")]
    else:
        parts += [outcome.get("exc_type", ""), outcome.get("where", ""),
                  str(outcome.get("phase", ""))]
    return "|".join(parts)


# --------------------------------------------------------------------------- failures


class FailureStore:
    """Failing inputs on disk: ``<root>/<target>-<status>-<hash>/`` per signature.

    Each directory holds ``case.json`` (target, payload, outcome, seed: enough to
    replay with ``python -m tests.fuzz --replay DIR``), ``files/`` (the input files as
    the target saw them) and ``outcome.txt`` (traceback or stderr, readable).
    """

    def __init__(self, root: Path = DEFAULT_FAILURE_DIR) -> None:
        self.root = Path(root)
        self.sizes: dict[str, int] = {}
        self.paths: dict[str, Path] = {}

    def save(self, sig: str, target: str, payload: dict, outcome: dict, meta: dict) -> Path:
        size = payload_size(payload)
        if sig in self.sizes and self.sizes[sig] <= size:
            return self.paths[sig]
        digest = hashlib.sha1(sig.encode()).hexdigest()[:10]
        d = self.root / f"{target}-{outcome['status']}-{digest}"
        d.mkdir(parents=True, exist_ok=True)
        files = d / "files"
        if files.exists():
            for p in sorted(files.rglob("*"), reverse=True):
                p.unlink() if p.is_file() else p.rmdir()
        for name, data in payload.get("files", {}).items():
            p = files / name
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data)
        record = {"target": target, "signature": sig, "meta": meta,
                  "outcome": {k: v for k, v in outcome.items() if k not in ("traceback", "stderr")},
                  "payload": encode_payload(payload)}
        (d / "case.json").write_text(json.dumps(record, indent=1, ensure_ascii=True))
        text = [f"signature: {sig}", f"status: {outcome['status']}",
                f"{outcome.get('exc_type', '')}: {outcome.get('message', '')}",
                f"replay: python -m tests.fuzz --replay {d}", "",
                outcome.get("traceback", "") or "", "--- stderr of the child (tail) ---",
                outcome.get("stderr", "") or ""]
        (d / "outcome.txt").write_text("\n".join(text))
        self.sizes[sig] = size
        self.paths[sig] = d
        return d


# --------------------------------------------------------------------------- campaign


class _NewFailure(Exception):
    pass


@dataclass
class Campaign:
    """Counts and failures of a fuzz run over several targets.

    Parameters
    ----------
    server : Server
    store : FailureStore
    timeout : float
        Seconds a case may take before it counts as a hang.
    """

    server: Server
    store: FailureStore
    timeout: float = 60.0
    counts: dict[str, Counter] = field(default_factory=dict, repr=False)
    failures: dict[str, dict] = field(default_factory=dict, repr=False)
    seconds: float = 0.0
    _bases: dict[str, bytes] | None = field(default=None, repr=False)

    def bases(self) -> dict[str, bytes]:
        if self._bases is None:
            out = self.server.run("bases", {}, timeout=600.0)
            if "bases" not in out:
                raise RuntimeError(f"cannot build the valid base files: {out.get('message')}\n"
                                   f"{out.get('traceback', '')}{out.get('stderr', '')}")
            self._bases = out["bases"]
        return self._bases

    def run_case(self, target: str, payload: dict, meta: dict) -> dict:
        outcome = self.server.run(target, payload, self.timeout)
        self.counts.setdefault(target, Counter())[outcome["status"]] += 1
        if outcome["status"] in FAILURE_STATUSES:
            sig = signature(target, payload, outcome)
            path = self.store.save(sig, target, payload, outcome, meta)
            entry = self.failures.setdefault(sig, {"count": 0, "outcome": outcome, "path": path,
                                                   "target": target})
            entry["count"] += 1
            entry["path"] = path
            if payload_size(payload) <= self.store.sizes.get(sig, 1 << 62):
                entry["outcome"] = outcome
        return outcome

    def fuzz(self, target: str, strategy: st.SearchStrategy, max_examples: int, seed: int,
             shrink: bool = True, fail_on: tuple[str, ...] = FAILURE_STATUSES) -> None:
        """One hypothesis run of ``max_examples`` inputs of ``target`` from ``seed``.

        A failure whose status is in ``fail_on`` and whose signature is new stops the
        run (after hypothesis has shrunk it); other failures are saved and counted.
        """
        known = set(self.failures)
        meta = {"seed": seed, "max_examples": max_examples}

        @settings(max_examples=max_examples, deadline=None, database=None,
                  verbosity=Verbosity.quiet, report_multiple_bugs=False,
                  suppress_health_check=list(HealthCheck),
                  phases=[Phase.generate, Phase.shrink] if shrink else [Phase.generate])
        @hypothesis_seed(seed)
        @given(payload=strategy)
        def case(payload: dict) -> None:
            outcome = self.run_case(target, payload, meta)
            if outcome["status"] in fail_on:
                if signature(target, payload, outcome) not in known:
                    raise _NewFailure(signature(target, payload, outcome))

        t0 = time.perf_counter()
        try:
            case()
        except _NewFailure:
            pass
        except HypothesisException:   # flaky failures and the like: counted and saved already
            pass
        except Exception as exc:  # noqa: BLE001 - a bug of the input generators: reported
            import traceback
            sig = f"{target}|harness-error|generator|{type(exc).__name__}"
            entry = self.failures.setdefault(sig, {"count": 0, "path": None, "target": target,
                                                   "outcome": {"status": "harness-error",
                                                               "exc_type": type(exc).__name__,
                                                               "message": str(exc)[:2000],
                                                               "traceback": traceback.format_exc()}})
            entry["count"] += 1
        finally:
            self.seconds += time.perf_counter() - t0

    # ------------------------------------------------------------------ report

    def failing(self, statuses: tuple[str, ...] = FAILURE_STATUSES, target: str | None = None
                ) -> list[str]:
        """Signatures of the failures with one of ``statuses`` (of ``target``)."""
        return [sig for sig, f in self.failures.items() if f["outcome"]["status"] in statuses
                and (target is None or f["target"] == target)]

    def total(self) -> int:
        return sum(sum(c.values()) for c in self.counts.values())

    def summary(self) -> str:
        lines = []
        for target in sorted(self.counts):
            c = self.counts[target]
            lines.append(f"  {target:9s} {sum(c.values()):7d} cases  " +
                         "  ".join(f"{k} {v}" for k, v in sorted(c.items())))
        n_fail = sum(f["count"] for f in self.failures.values())
        lines.append(f"  total     {self.total():7d} cases in {self.seconds:.0f} s; "
                     f"{len(self.failures)} distinct failures ({n_fail} failing cases)")
        for sig, f in sorted(self.failures.items()):
            o = f["outcome"]
            tag = "KNOWN" if known_issue(sig) else "FAIL"
            lines.append(f"  {tag} {sig}  x{f['count']}\n       {o.get('exc_type')}: "
                         f"{str(o.get('message', ''))[:300]}\n       saved in {f['path']}")
        return "\n".join(lines)
