"""The Dask backend (ngramvec.distributed) against the one-machine path, on a LocalCluster
of two worker processes started here: equal vocabularies and matrices bit for bit,
faults (a killed worker, a missing file, no scheduler, another version), clean-up."""
from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
import scipy.sparse as sp

import ngramvec as nv
from ngramvec.base.exceptions import ClusterError, CorpusError

distributed = pytest.importorskip("distributed")
dask = pytest.importorskip("dask")
nvd = nv.distributed

pytestmark = pytest.mark.needs_extensions

# Dask stores results above this many bytes of a worker's managed memory on its disk
# ("target" fraction of the memory limit; the RSS-based spill, pause and terminate
# thresholds are off so that the worker processes' own size does not matter).
_WORKER_MEMORY = 256 << 20
_TARGET = 0.001                   # about 256 kB


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    spill = tmp_path_factory.mktemp("dask-spill")
    with dask.config.set({"distributed.worker.memory.target": _TARGET,
                          "distributed.worker.memory.spill": False,
                          "distributed.worker.memory.pause": False,
                          "distributed.worker.memory.terminate": False,
                          "distributed.scheduler.allowed-failures": 5}):
        cluster = distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                           memory_limit=_WORKER_MEMORY,
                                           dashboard_address=None,
                                           local_directory=str(spill))
        c = distributed.Client(cluster)
        try:
            yield c
        finally:
            c.close()
            cluster.close()


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory):
    """A directory of the demo corpus's first lines: a plain file (cut into several
    splits), a gzip file and a plain file in a subdirectory, read in name order."""
    d = tmp_path_factory.mktemp("corpus")
    with gzip.open(nv.dataset_path("demo"), "rt", encoding="utf-8") as f:
        lines = [next(f) for _ in range(3000)]
    (d / "a.txt").write_text("".join(lines[:1800]), encoding="utf-8")
    with gzip.open(d / "b.txt.gz", "wt", encoding="utf-8") as f:
        f.write("".join(lines[1800:2400]))
    (d / "sub").mkdir()
    (d / "sub" / "c.txt").write_text("".join(lines[2400:]).rstrip("\n"), encoding="utf-8")
    return d


@pytest.fixture(scope="module")
def local(corpus_dir):
    return nv.Corpus(str(corpus_dir))


@pytest.fixture(scope="module")
def cluster_corpus(client, corpus_dir):
    return nvd.encode(str(corpus_dir), client, split_bytes=25_000)


@pytest.fixture(scope="module")
def vocab12(local):
    return nv.Vocabulary.build(local, min_count=(3, 2), ngram_orders=(1, 2))


def _same_matrix(a: nv.Cooccurrence, b: nv.Cooccurrence) -> None:
    assert a.row_vocab.index_to_key == b.row_vocab.index_to_key
    assert a.col_vocab.index_to_key == b.col_vocab.index_to_key
    assert a.matrix.dtype == b.matrix.dtype and a.shape == b.shape
    assert np.array_equal(a.matrix.indptr, b.matrix.indptr)
    assert np.array_equal(a.matrix.indices, b.matrix.indices)
    assert a.matrix.data.tobytes() == b.matrix.data.tobytes()      # bit for bit
    assert a.params == b.params


def test_splits_follow_the_corpus_order(client, corpus_dir, cluster_corpus, local):
    splits = cluster_corpus.splits
    names = [os.path.basename(s.path) for s in splits]
    assert list(dict.fromkeys(names)) == ["a.txt", "b.txt.gz", "c.txt"]   # corpus order
    assert names.count("a.txt") >= 4 and names.count("b.txt.gz") == 1     # gzip: whole
    assert splits[names.index("b.txt.gz")].whole and not splits[0].whole
    ends = [(s.path, s.start, s.stop) for s in splits if not s.whole]
    assert all(a[2] == b[1] for a, b in zip(ends, ends[1:]) if a[0] == b[0])
    assert cluster_corpus.total_tokens == local.encoded().n_tokens
    assert int(cluster_corpus.n_sentences.sum()) == local.encoded().n_sentences
    # the encoded splits went to the workers' disks (Dask's spill: tiny target)
    on_disk = client.run(lambda dask_worker: len(dask_worker.data.slow))
    assert sum(on_disk.values()) > 0


@pytest.mark.parametrize("orders, min_count, max_size", [
    ((1,), 3, None), ((1, 2), (3, 2), None), ((1, 2, 3), 2, 5000)])
def test_vocabulary_equals_one_machine(client, corpus_dir, local, orders, min_count, max_size):
    ref = nv.Vocabulary.build(local, min_count=min_count, ngram_orders=orders,
                              max_size=max_size)
    got = nvd.build_vocabulary(str(corpus_dir), client, min_count=min_count,
                               ngram_orders=orders, max_size=max_size, split_bytes=25_000,
                               memory_limit="8MB")
    assert got.index_to_key == ref.index_to_key
    assert np.array_equal(got.counts, ref.counts)
    assert (got.total_tokens, got.word_total, got.min_count) == \
        (ref.total_tokens, ref.word_total, ref.min_count)


@pytest.mark.parametrize("kw", [
    dict(window=5),
    dict(window=4, sample=1e-3, dynamic_window=True),
    dict(window=3, sample=1e-3, subsampling="clean", oov="keep", direction="left",
         weighting="harmonic", dtype=np.float64),
    dict(window=2, contexts="uni_bi"),
    dict(window=3, contexts="uni_bi", sample=1e-3, dynamic_window=True, weighting="harmonic"),
    dict(window=2, contexts="bi_bi", overlap=True, direction="right"),
    dict(window=3, contexts="uni_bi", sample=1e-3, dynamic_window=True, oov="drop",
         subsampling="dirty"),
], ids=["words", "words-sample-dynamic", "words-clean-left-harmonic", "uni_bi",
        "uni_bi-sample-dynamic-harmonic", "bi_bi-overlap-right", "uni_bi-gaps-drop"])
def test_counts_equal_one_machine(client, cluster_corpus, local, vocab12, kw):
    ref = nv.count_cooccurrences(local, vocab12, seed=3, **kw)
    got = nvd.count_cooccurrences(cluster_corpus, vocab12, client, seed=3, n_blocks=3, **kw)
    _same_matrix(ref, got)
    assert got.stats["pairs"] == ref.stats["pairs"]


@pytest.mark.parametrize("kw", [dict(row_groups=1), dict(chunk_tokens=4000),
                                dict(row_groups=3, n_blocks=5, chunk_tokens=9000)],
                         ids=["split-parallel", "chunks", "3-groups-chunks"])
def test_counts_equal_one_machine_any_grouping(client, cluster_corpus, local, vocab12, kw):
    """Rows dealt to 1 or 3 groups, splits counted in several runs (their pieces summed
    block by block): still the one-machine matrix."""
    for contexts in ("uni_uni", "uni_bi"):
        opts = dict(window=3, contexts=contexts, sample=1e-3, dynamic_window=True, seed=5)
        ref = nv.count_cooccurrences(local, vocab12, **opts)
        got = nvd.count_cooccurrences(cluster_corpus, vocab12, client, **opts, **kw)
        _same_matrix(ref, got)
        assert got.stats["pairs"] == ref.stats["pairs"]
        assert got.stats["chunks"] > 1 or kw.get("row_groups") == 1
        assert got.stats["row_groups"] == kw.get("row_groups", 2)


def test_rows_that_are_not_columns_keep_their_positions(client, cluster_corpus, local):
    """A word in the row vocabulary but not in the column one is a gap, never dropped
    (oov="drop" drops only tokens that are neither), also in the groups that do not
    count it as a centre."""
    rows = nv.Vocabulary.build(local, min_count=2)
    cols = nv.Vocabulary.build(local, min_count=20)
    ref = nv.count_cooccurrences(local, rows, col_vocab=cols, window=3)
    got = nvd.count_cooccurrences(cluster_corpus, rows, client, col_vocab=cols, window=3)
    _same_matrix(ref, got)


def test_counts_from_paths_with_spills_and_clean_tmp(client, corpus_dir, local, vocab12,
                                                     tmp_path):
    """Sources given as a glob and a directory; tiny accumulators spill sorted runs on
    the workers; their spill directories are gone afterwards."""
    ref = nv.count_cooccurrences(local, vocab12, window=3, contexts="uni_bi", sample=1e-3)
    got = nvd.count_cooccurrences([str(corpus_dir / "*.txt"), str(corpus_dir / "b.txt.gz"),
                                   str(corpus_dir / "sub")], vocab12, client, window=3,
                                  contexts="uni_bi", sample=1e-3, memory_limit="2MB",
                                  tmp_dir=tmp_path, split_bytes=40_000)
    _same_matrix(ref, got)
    assert got.stats["spills"] > 0
    assert os.listdir(tmp_path) == []


def test_memory_error_leaves_no_temporaries(client, cluster_corpus, vocab12, tmp_path):
    with pytest.raises(MemoryError, match="memory_limit"):
        nvd.count_cooccurrences(cluster_corpus, vocab12, client, window=5,
                                memory_limit=1000, tmp_dir=tmp_path)
    # the first failure reaches the client while other tasks still run on the workers
    # (Dask cannot interrupt a running task, and the scheduler stops listing tasks whose
    # futures were released): each removes its spill directory when it ends
    deadline = time.time() + 30
    while os.listdir(tmp_path) and time.time() < deadline:
        time.sleep(0.1)
    assert os.listdir(tmp_path) == []


def test_blocks_saved_by_the_workers_and_ppmi(client, cluster_corpus, local, vocab12,
                                              tmp_path):
    ref = nv.count_cooccurrences(local, vocab12, window=3)
    blocks = nvd.count_cooccurrences(cluster_corpus, vocab12, client, window=3, n_blocks=4,
                                     gather=False)
    assert isinstance(blocks, nvd.CooccurrenceBlocks) and len(blocks.futures) == 4
    paths = blocks.save(tmp_path)
    parts = [nv.Cooccurrence.load(p) for p in paths]
    whole = sp.vstack([p.matrix for p in parts], format="csr")
    assert np.array_equal(whole.indptr, ref.matrix.indptr)
    assert np.array_equal(whole.indices, ref.matrix.indices)
    assert whole.data.tobytes() == ref.matrix.data.tobytes()
    assert sum((p.row_vocab.index_to_key for p in parts), []) == ref.row_vocab.index_to_key
    ppmi_ref = nv.PPMI(cds=0.75, shift=2.0).fit_transform(ref)
    ppmi = blocks.ppmi(cds=0.75, shift=2.0).gather()
    a, b = ppmi_ref.matrix, ppmi.matrix
    assert np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)
    np.testing.assert_allclose(b.data, a.data, rtol=1e-6)
    blocks.release()


@pytest.mark.slow
def test_a_worker_killed_mid_task_is_recovered(client, corpus_dir, local, vocab12):
    """SIGKILL one worker process while counting tasks run: Dask reruns its tasks (and
    the encodings it held) elsewhere, and the matrix is still the one-machine one."""
    ref = nv.count_cooccurrences(local, vocab12, window=8, contexts="uni_bi", sample=1e-3,
                                 dynamic_window=True)
    pids = client.run(os.getpid)
    out: dict = {}

    def run():
        try:
            out["result"] = nvd.count_cooccurrences(
                str(corpus_dir), vocab12, client, window=8, contexts="uni_bi", sample=1e-3,
                dynamic_window=True, split_bytes=12_000, memory_limit="16MB")
        except BaseException as exc:  # handed to the test thread
            out["error"] = exc

    t = threading.Thread(target=run)
    t.start()
    victim = None
    deadline = time.time() + 60
    while victim is None and time.time() < deadline and t.is_alive():
        for addr, keys in client.processing().items():
            if any("_count_split" in str(k) for k in keys) and addr in pids:
                victim = addr
                break
        time.sleep(0.02)
    assert victim is not None, "no counting task was seen running"
    os.kill(pids[victim], signal.SIGKILL)
    t.join(180)
    assert not t.is_alive()
    if "error" in out:
        raise out["error"]
    _same_matrix(ref, out["result"])
    client.wait_for_workers(2, timeout=60)
    assert victim not in client.scheduler_info()["workers"]


def test_missing_file_is_named(client, corpus_dir, tmp_path):
    missing = tmp_path / "nowhere.txt"
    with pytest.raises(CorpusError, match="nowhere.txt"):
        nvd.build_vocabulary([str(corpus_dir / "a.txt"), str(missing)], client)
    with pytest.raises(CorpusError, match="matches no file"):
        nvd.build_vocabulary(str(tmp_path / "*.nothing"), client)


def test_file_gone_before_its_task_is_named(client, tmp_path):
    path = tmp_path / "gone.txt"
    path.write_text("a b c\n" * 100)
    split = nvd.Split(str(path), 0, 300)
    path.unlink()
    from ngramvec.models.distributed._splits import encode_split
    fut = client.submit(encode_split, split, dict(tokenizer="words", lowercase=True,
                                                  max_sentence_length=100), pure=False)
    with pytest.raises(CorpusError, match="gone.txt"):
        fut.result()


def test_unreachable_scheduler_times_out():
    t0 = time.perf_counter()
    with pytest.raises(ClusterError, match="cannot reach the Dask scheduler at 'tcp://127.0.0.1:9'"):
        nvd.connect("tcp://127.0.0.1:9", timeout=2)
    assert time.perf_counter() - t0 < 20


def test_workers_of_another_version_are_refused(client, corpus_dir):
    def set_version(v):
        sys.modules["ngramvec"].__version__ = v

    one = sorted(client.scheduler_info()["workers"])[0]
    client.run(set_version, "0.0.0-other", workers=[one])
    try:
        with pytest.raises(ClusterError, match=r"another ngramvec version.*0\.0\.0-other"):
            nvd.build_vocabulary(str(corpus_dir), client)
    finally:
        client.run(set_version, nv.__version__, workers=[one])
    assert nvd.check_workers(client, "test") == 2


def test_validation(client, cluster_corpus, vocab12):
    with pytest.raises(TypeError, match="must be a distributed.Client"):
        nvd.build_vocabulary("x.txt", object())
    with pytest.raises(ValueError, match="The 'window' parameter of count_cooccurrences"):
        nvd.count_cooccurrences(cluster_corpus, vocab12, client, window=0)
    with pytest.raises(TypeError, match="must be a Vocabulary"):
        nvd.count_cooccurrences(cluster_corpus, {"a": 1}, client)
    with pytest.raises(ValueError, match="The 'fan_in' parameter"):
        nvd.count_cooccurrences(cluster_corpus, vocab12, client, fan_in=1)
    with pytest.raises(ValueError, match="no entries of order"):
        nvd.count_cooccurrences(cluster_corpus, vocab12, client, contexts="uni_tri")


def test_importing_ngramvec_does_not_import_dask():
    code = ("import sys, ngramvec; assert 'dask' not in sys.modules and "
            "'distributed' not in sys.modules; d = ngramvec.distributed; "
            "assert 'distributed' in sys.modules; print(d.__name__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ngramvec.models.distributed"


@pytest.mark.slow
def test_randomized_svd_on_the_cluster(client, cluster_corpus, local):
    """The row blocks of PPMI stay on the workers; singular values and the word
    vectors' neighbourhoods match the one-machine randomized SVD."""
    from ngramvec.models.svd import randomized_svd
    vocab = nv.Vocabulary.build(local, min_count=5)
    ppmi_ref = nv.PPMI().fit_transform(nv.count_cooccurrences(local, vocab, window=2))
    blocks = nvd.count_cooccurrences(cluster_corpus, vocab, client, window=2, n_blocks=3,
                                     gather=False).ppmi()
    u, s, vt = blocks.svd(10, n_iter=4, n_oversamples=10, seed=1)
    u1, s1, vt1 = randomized_svd(ppmi_ref.matrix.astype(np.float64), 10, n_oversamples=10,
                                 n_iter=4, seed=1)
    np.testing.assert_allclose(s, s1, rtol=1e-3)
    assert u.shape == (len(vocab), 10) and vt.shape == (10, len(vocab))
    # the same leading singular vectors (up to the sign rule, which both apply)
    cos = np.sum(u[:, :5] * u1[:, :5], axis=0)
    assert cos.min() > 0.99
    with pytest.raises(ValueError, match="The 'dim' parameter of CooccurrenceBlocks.svd"):
        blocks.svd(len(vocab))
    blocks.release()
