"""The Dask side: connecting, checking the workers, running stages, tree reductions.

Imports ``distributed`` (absolute imports: this package is ``ngramvec.models.distributed``,
the Dask library is the top-level ``distributed``).
"""
from __future__ import annotations

import logging
import os
import sys
from typing import Any, Callable, Sequence

import distributed
from dask.sizeof import sizeof
from distributed import Client

from ngramvec.base.exceptions import ClusterError

__all__ = ["connect", "check_workers", "worker_addresses", "Stage", "tree_reduce", "Bag",
           "unbox", "pick", "near_data"]

logger = logging.getLogger(__name__)


class Bag:
    """One value shipped by Dask as a single pickle. Dask serializes a list, tuple or
    dict result item by item (about 0.1 ms an item: 0.3 s for a lexicon of 3,000
    words); in a Bag it is one object."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __reduce__(self):
        return Bag, (self.value,)

    def __sizeof__(self) -> int:
        # what Dask's memory manager, scheduler and transfer logs count: the content
        return int(sizeof(self.value)) + 16


def unbox(x: Any) -> Any:
    """The value of a Bag, or ``x`` itself."""
    return x.value if isinstance(x, Bag) else x


def pick(x: Any, i: int) -> Bag:
    """Item ``i`` of a (boxed) sequence, boxed: a task run where the sequence lives, so
    only that item moves."""
    return Bag(unbox(x)[i])


def near_data(holders: dict, future) -> dict:
    """Submit options placing a task on a worker holding ``future`` (from
    ``client.who_has``), or anywhere when that worker is gone: for the small tasks of one
    big dependency, which Dask would otherwise spread as root tasks (moving the data)."""
    where = list(holders.get(future.key, ()))[:1]
    return dict(workers=where, allow_other_workers=True) if where else {}


def connect(scheduler: "str | Client | None" = None, n_workers: int | None = None,
            timeout: float = 10.0, **cluster_kwargs) -> Client:
    """A :class:`distributed.Client`: of a running scheduler (its address), or of a new
    ``LocalCluster`` of ``n_workers`` processes (one thread each).

    Raises
    ------
    ClusterError
        The scheduler does not answer within ``timeout`` seconds.
    """
    if isinstance(scheduler, Client):
        return scheduler
    if scheduler is not None:
        try:
            return Client(scheduler, timeout=timeout)
        except (OSError, TimeoutError) as exc:
            raise ClusterError(f"cannot reach the Dask scheduler at {scheduler!r} within "
                               f"{timeout:g} s ({exc}); is it running, and is the address "
                               "(tcp://host:port) right?") from None
    cluster = distributed.LocalCluster(n_workers=n_workers or 1, threads_per_worker=1,
                                       processes=True, **cluster_kwargs)
    client = Client(cluster, timeout=timeout)
    client._ngramvec_owns_cluster = True   # closed by close() with its cluster
    return client


def close(client: Client) -> None:
    """Close a client made by :func:`connect` (and the LocalCluster it started)."""
    cluster = client.cluster if getattr(client, "_ngramvec_owns_cluster", False) else None
    client.close()
    if cluster is not None:
        cluster.close()


def version() -> str:
    """The ngramvec version of this process (the root package is always imported before
    any of its modules; reading it from there keeps this layer from importing it)."""
    return str(sys.modules["ngramvec"].__version__)


def _worker_versions() -> dict:
    """Runs on a worker: what must agree with the client."""
    return {"version": version(), "pid": os.getpid()}


def worker_addresses(client: Client, owner: str) -> list[str]:
    """The addresses of the workers now (sorted), asked of the scheduler.

    Raises
    ------
    ClusterError
        No worker, or the scheduler does not answer.
    """
    try:
        addresses = sorted(client.ncores())
    except (OSError, TimeoutError) as exc:
        raise ClusterError(f"{owner}: the Dask scheduler does not answer ({exc})") from None
    if not addresses:
        raise ClusterError(f"{owner}: the Dask cluster has no worker")
    return addresses


def check_workers(client: Client, owner: str) -> int:
    """Refuse workers that run another ngramvec version than this process.

    Returns
    -------
    int
        The number of workers.

    Raises
    ------
    ClusterError
        No worker, or a worker with another version (the message names it).
    """
    if not isinstance(client, Client):
        raise TypeError(f"The 'client' parameter of {owner} must be a distributed.Client. "
                        f"Got {type(client).__name__} instead.")
    try:
        info = client.run(_worker_versions)
    except (OSError, TimeoutError) as exc:
        raise ClusterError(f"{owner}: the Dask scheduler does not answer ({exc})") from None
    if not info:
        raise ClusterError(f"{owner}: the Dask cluster has no worker")
    bad = {addr: v["version"] for addr, v in info.items() if v["version"] != version()}
    if bad:
        listed = ", ".join(f"{a} runs {v}" for a, v in sorted(bad.items()))
        raise ClusterError(f"{owner}: workers with another ngramvec version than this "
                           f"process ({version()}) are refused: {listed}; install "
                           "the same version everywhere")
    return len(info)


class Stage:
    """Futures of one step of work; waits for them with an optional progress bar
    (fed by Dask's task completions) and cancels every future of the run on error."""

    def __init__(self, client: Client, progress: bool, owner: str) -> None:
        self.client, self.progress, self.owner = client, progress, owner
        self.futures: list = []

    def submit(self, fn: Callable, *args, key: str | None = None, **kwargs):
        fut = self.client.submit(fn, *args, pure=False, key=key, **kwargs)
        self.futures.append(fut)
        return fut

    def put(self, obj: Any):
        """``obj`` as a task result: a task that returns it, so that Dask can compute it
        again when the worker holding it is lost (scattered data cannot be: Dask's
        memory manager keeps one replica, and a lost worker can take it away)."""
        return self.submit(_identity, obj)

    def wait(self, futures: Sequence, desc: str) -> None:
        """Block until ``futures`` are done; raise the first task error."""
        bar = None
        if self.progress:
            from tqdm.auto import tqdm  # reason: tqdm loads only for a progress bar
            bar = tqdm(total=len(futures), desc=desc, unit="task", leave=False)
        try:
            for fut in distributed.as_completed(list(futures)):
                if fut.status == "error":
                    fut.result()            # raises the task's exception here
                if bar is not None:
                    bar.update(1)
        finally:
            if bar is not None:
                bar.close()

    def cancel(self) -> None:
        """Cancel every task of the run (on error: running tasks end, queued ones never
        start)."""
        if self.futures:
            self.client.cancel(self.futures)
            self.futures = []

    def release(self, keep: Sequence = ()) -> None:
        """Drop this process's references to the run's futures but ``keep`` (their
        results are then freed by Dask once nothing depends on them)."""
        keys = {f.key for f in keep}
        for f in self.futures:
            if f.key not in keys:
                f.release()
        self.futures = [f for f in self.futures if f.key in keys]


def _identity(x: Any) -> Any:
    return x


def tree_reduce(stage: Stage, parts: list, fn: Callable, fan_in: int = 2,
                name: str = "reduce") -> Any:
    """Combine futures pairwise (``fn(a, b)``, or ``fn(*group)`` of ``fan_in``) into one
    future, level by level: no process ever holds more than ``fan_in`` parts."""
    if not parts:
        raise ValueError("nothing to reduce")
    level = list(parts)
    while len(level) > 1:
        nxt = []
        for i in range(0, len(level), fan_in):
            group = level[i:i + fan_in]
            nxt.append(group[0] if len(group) == 1 else stage.submit(fn, *group))
        level = nxt
    return level[0]
