"""Helpers shared by the benchmark scripts: timing subprocesses with peak memory,
machine facts, JSON output."""
from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from typing import Sequence


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> dict:
    import numpy
    import scipy
    info = {"python": sys.version.split()[0], "numpy": numpy.__version__,
            "scipy": scipy.__version__, "cpu": cpu_model(), "cores": os.cpu_count(),
            "platform": platform.platform()}
    try:
        import ngramvec
        info["ngramvec"] = ngramvec.__version__
    except ImportError:
        pass
    return info


def run_measured(cmd: Sequence[str] | str, shell: bool = False, env: dict | None = None,
                 cwd: str | None = None) -> tuple[float, float, str]:
    """Run a command; return (wall seconds, peak RSS of the process tree in MB, stdout).

    Peak memory is sampled every 20 ms with psutil over the process and its children.
    """
    import tempfile

    import psutil
    # output goes to files, not pipes: a chatty child must never block on a full pipe
    fout = tempfile.TemporaryFile(mode="w+")
    ferr = tempfile.TemporaryFile(mode="w+")
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, shell=shell, env=env, cwd=cwd, stdout=fout, stderr=ferr, text=True)
    proc = psutil.Process(p.pid)
    peak = 0
    while p.poll() is None:
        try:
            rss = proc.memory_info().rss
            for ch in proc.children(recursive=True):
                try:
                    rss += ch.memory_info().rss
                except psutil.Error:
                    pass
            peak = max(peak, rss)
        except psutil.Error:
            pass
        time.sleep(0.02)
    p.wait()
    wall = time.perf_counter() - t0
    fout.seek(0)
    ferr.seek(0)
    out, err = fout.read(), ferr.read()
    fout.close()
    ferr.close()
    if p.returncode != 0:
        raise RuntimeError(f"command failed ({p.returncode}): {cmd}\n{err[-2000:]}")
    return wall, peak / 2**20, out


def add_ppmi_svd_args(ap, json_name: str) -> None:
    """The corpus and PPMI-SVD settings shared by the quality scripts."""
    ap.add_argument("--corpus", default=None, help="raw text (default: bundled demo corpus)")
    ap.add_argument("--min-count", type=int, default=5)
    ap.add_argument("--window", type=int, default=2)
    ap.add_argument("--cds", type=float, default=0.75)
    ap.add_argument("--dim", type=int, default=300)
    ap.add_argument("--eig", type=float, default=0.5)
    ap.add_argument("--json", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                   "results", json_name))


def median(xs):
    return statistics.median(xs)


def write_json(path: str, payload: dict) -> None:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    payload = dict(payload, machine=machine(), date=time.strftime("%Y-%m-%d %H:%M:%S"))
    with open(path, "w") as f:
        json.dump(payload, f, indent=1)
