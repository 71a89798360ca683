"""Tests of the co-occurrence counting kernel against a slow reference."""
from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ngramvec as nv
from ngramvec.data.spill import dense_layout
from ngramvec.models.cooccur import Cooccurrence, count_cooccurrences, distance_weights

from _reference import count_pairs


def _dense(d: dict, shape) -> np.ndarray:
    out = np.zeros(shape)
    for (r, c), v in d.items():
        out[r, c] = v
    return out


def _setup(sentences, min_count=1):
    corpus = nv.Corpus(sentences)
    vocab = nv.Vocabulary.build(corpus, min_count=min_count)
    enc = corpus.encoded()
    sents = [list(enc.sentence(s)) for s in range(enc.n_sentences)]
    return corpus, vocab, enc, sents


sentences_st = st.lists(st.lists(st.sampled_from("abcdefgh"), min_size=0, max_size=14),
                        min_size=1, max_size=12).filter(lambda s: any(s))


@pytest.mark.filterwarnings("ignore:.*no pair was counted")
@settings(max_examples=60, deadline=None)
@given(sentences=sentences_st,
       window=st.integers(1, 5),
       weighting=st.sampled_from(["uniform", "harmonic"]),
       dynamic=st.booleans(),
       direction=st.sampled_from(["both", "left", "right"]),
       sampling=st.sampled_from([None, "dirty", "clean"]),
       oov=st.sampled_from(["drop", "keep"]),
       min_count=st.integers(1, 3),
       n_threads=st.integers(1, 3),
       seed=st.integers(0, 2**40))
def test_kernel_matches_reference(sentences, window, weighting, dynamic, direction, sampling,
                                  oov, min_count, n_threads, seed):
    corpus = nv.Corpus([" ".join(s) for s in sentences])
    try:
        vocab = nv.Vocabulary.build(corpus, min_count=min_count)
    except nv.CorpusError:
        return
    enc = corpus.encoded()
    sents = [list(enc.sentence(s)) for s in range(enc.n_sentences)]
    remap = enc.remap(vocab)
    sample = 0.05 if sampling else None
    keep = np.ones(len(remap))
    if sample:
        kv = vocab.keep_probs(sample)
        keep[remap >= 0] = kv[remap[remap >= 0]]
    ref = count_pairs(sents, remap, remap, keep, window, weighting, dynamic, direction,
                      sampling, oov == "drop", seed)
    got = count_cooccurrences(corpus, vocab, window=window, weighting=weighting,
                              dynamic_window=dynamic, direction=direction, sample=sample,
                              subsampling=sampling or "dirty", oov=oov, n_threads=n_threads,
                              seed=seed, dtype=np.float64)
    np.testing.assert_allclose(got.matrix.toarray(), _dense(ref, got.shape), rtol=1e-12)
    assert got.matrix.has_sorted_indices
    got.matrix.check_format(full_check=True)


def test_symmetric_and_closed_form_total(rng):
    # no OOV, fixed window, both directions: pairs = sum over sentences of
    # sum_{d=1..w} 2 * max(0, n - d)
    sents = [" ".join(rng.choice(list("abcdefghij"), size=rng.integers(1, 30)))
             for _ in range(50)]
    corpus = nv.Corpus(sents)
    vocab = nv.Vocabulary.build(corpus, min_count=1)
    for window in (1, 3, 7):
        m = count_cooccurrences(corpus, vocab, window=window).matrix
        assert abs(m - m.T).max() == 0
        lengths = [len(s.split()) for s in sents]
        closed = sum(2 * max(0, n - d) for n in lengths for d in range(1, window + 1))
        assert m.sum() == closed
        h = count_cooccurrences(corpus, vocab, window=window, weighting="harmonic",
                                dtype=np.float64).matrix
        closed_h = sum(2 * max(0, n - d) / d for n in lengths for d in range(1, window + 1))
        assert h.sum() == pytest.approx(closed_h, rel=1e-12)
        left = count_cooccurrences(corpus, vocab, window=window, direction="left").matrix
        right = count_cooccurrences(corpus, vocab, window=window, direction="right").matrix
        assert (left + right - m).count_nonzero() == 0
        assert (left - right.T).count_nonzero() == 0


def test_same_result_for_threads_and_spills(tmp_path, rng):
    sents = [" ".join(rng.choice([f"w{i}" for i in range(300)], size=rng.integers(5, 40)))
             for _ in range(400)]
    corpus = nv.Corpus(sents)
    vocab = nv.Vocabulary.build(corpus, min_count=1)
    kw = dict(window=4, weighting="harmonic", dynamic_window=True, sample=1e-2, seed=11)
    a = count_cooccurrences(corpus, vocab, n_threads=1, **kw)
    b = count_cooccurrences(corpus, vocab, n_threads=3, **kw)
    # a tiny memory limit forces many sorted runs that are merged at the end
    c = count_cooccurrences(corpus, vocab, n_threads=2, memory_limit="300KB", tmp_dir=tmp_path,
                            **kw)
    assert c.stats["spills"] > 0
    for other in (b, c):
        assert (a.matrix != other.matrix).nnz == 0
        np.testing.assert_array_equal(a.matrix.indptr, other.matrix.indptr)
    assert os.listdir(tmp_path) == []       # spill runs removed


def test_out_of_vocabulary_and_columns():
    corpus = nv.Corpus(["a x b", "a b c", "a b"])
    vocab = nv.Vocabulary.build(corpus, min_count=2)      # a, b
    dropped = count_cooccurrences(corpus, vocab, window=1).matrix.toarray()
    assert dropped.tolist() == [[0, 3], [3, 0]]           # x removed: a-b adjacent
    kept = count_cooccurrences(corpus, vocab, window=1, oov="keep").matrix.toarray()
    assert kept.tolist() == [[0, 2], [2, 0]]              # x is a gap
    cols = nv.Vocabulary(["c", "b"], [1, 3])
    m = count_cooccurrences(corpus, vocab, window=1, col_vocab=cols)
    assert m.shape == (2, 2) and m.matrix.toarray().tolist() == [[0, 3], [1, 0]]


def test_dense_layout_and_weights():
    lengths, offsets, total = dense_layout(10, 8, 2, 30)
    assert total <= 30 and lengths[0] == 8 and (np.diff(lengths) <= 0).all()
    owned = [np.arange(t, 10, 2) for t in range(2)]
    cells = sorted((int(offsets[r]) + k) for rows in owned for r in rows
                   for k in range(lengths[r]))
    assert cells == list(range(total))       # a partition of the block
    w, scale = distance_weights(4, "harmonic")
    assert scale == 12 and w.tolist() == [0, 12, 6, 4, 3]
    w, scale = distance_weights(30, "harmonic")
    assert scale == 2**32 and w[3] == round(2**32 / 3)


def test_save_load(tmp_path):
    corpus = nv.Corpus(["a b c", "c b ä"])
    counts = count_cooccurrences(corpus, nv.Vocabulary.build(corpus, min_count=1), window=2)
    counts.save(tmp_path / "c.npz")
    back = Cooccurrence.load(tmp_path / "c.npz")
    assert (back.matrix != counts.matrix).nnz == 0
    assert back.row_vocab.index_to_key == counts.row_vocab.index_to_key
    assert back.params["window"] == 2
    (tmp_path / "bad.npz").write_bytes(b"nonsense")
    with pytest.raises(nv.VectorsFormatError, match="bad.npz: not a co-occurrence"):
        Cooccurrence.load(tmp_path / "bad.npz")
    with pytest.raises(ValueError, match=r"the matrix has shape \(4, 4\) but the vocabularies "
                                         r"have 2 rows"):
        Cooccurrence(counts.matrix, nv.Vocabulary(["a", "b"], [1, 1]), counts.col_vocab)


def test_validation(tmp_path):
    corpus = nv.Corpus(["a b c"])
    vocab = nv.Vocabulary.build(corpus, min_count=1)
    cases = [
        (dict(window=0), ValueError, r"The 'window' parameter of count_cooccurrences must be an "
                                     r"int in the range \[1, 10000\]. Got 0 instead."),
        (dict(window=2.0), TypeError, "'window' parameter"),
        (dict(weighting="linear"), ValueError, "'weighting' parameter"),
        (dict(sample=-1.0), ValueError, "'sample' parameter"),
        (dict(subsampling="x"), ValueError, "'subsampling' parameter"),
        (dict(direction="up"), ValueError, "'direction' parameter"),
        (dict(oov="x"), ValueError, "'oov' parameter"),
        (dict(memory_limit="lots"), ValueError, "'memory_limit' parameter"),
        (dict(memory_limit=100), MemoryError, "too small to hold even one buffer"),
        (dict(dtype=np.int32), ValueError, "'dtype' parameter"),
        (dict(tmp_dir=tmp_path / "missing"), FileNotFoundError, "'tmp_dir' .* does not exist"),
        (dict(n_threads=1.5), TypeError, "'n_threads' parameter"),
    ]
    for kw, exc, match in cases:
        with pytest.raises(exc, match=match):
            count_cooccurrences(corpus, vocab, **kw)
    with pytest.raises(TypeError, match="'vocab' parameter of count_cooccurrences must be a "
                                        "Vocabulary"):
        count_cooccurrences(corpus, {"a": 0})


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_tmp_dir(tmp_path):  # pragma: no cover - not run as root
    d = tmp_path / "ro"
    d.mkdir()
    d.chmod(0o500)
    corpus = nv.Corpus(["a b c"])
    with pytest.raises(OSError, match="cannot create a spill directory"):
        count_cooccurrences(corpus, nv.Vocabulary.build(corpus, min_count=1), tmp_dir=d)


def test_spill_directory_fills_up(tmp_path):
    """A full disk (simulated with RLIMIT_FSIZE in a child process) gives an OSError
    naming the run file, and the spill directory is removed."""
    import subprocess
    import sys
    import textwrap
    code = textwrap.dedent(f"""
        import resource, signal, sys
        import numpy as np
        import ngramvec as nv
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        rng = np.random.default_rng(0)
        sents = [" ".join(rng.choice([f"w{{i}}" for i in range(400)], size=30)) for _ in range(800)]
        corpus = nv.Corpus(sents)
        vocab = nv.Vocabulary.build(corpus, min_count=1)
        corpus.encoded()
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
        try:
            nv.count_cooccurrences(corpus, vocab, window=5, memory_limit="300KB",
                                   tmp_dir={str(tmp_path)!r}, n_threads=1)
        except OSError as exc:
            print("ERR", exc)
            sys.exit(0)
        sys.exit(3)
    """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "cannot write a spill run (File too large)" in r.stdout
    assert ".run" in r.stdout and str(tmp_path) in r.stdout
    assert os.listdir(tmp_path) == []


def test_interrupt_removes_spill_runs(tmp_path, monkeypatch, rng):
    import ngramvec.data.spill as spill_mod
    import ngramvec.models.cooccur as cooccur_mod
    sents = [" ".join(rng.choice([f"w{i}" for i in range(300)], size=30)) for _ in range(3000)]
    corpus = nv.Corpus(sents)
    vocab = nv.Vocabulary.build(corpus, min_count=1)
    real = cooccur_mod.cooccur_count_shard
    calls = []

    def interrupted(*args):
        real(*args)                  # counts (and spills) the first chunk for real
        calls.append(1)
        raise KeyboardInterrupt

    monkeypatch.setattr(spill_mod, "_CHUNK_TOKENS", 20000)
    monkeypatch.setattr(cooccur_mod, "cooccur_count_shard", interrupted)
    with pytest.raises(KeyboardInterrupt):
        count_cooccurrences(corpus, vocab, window=5, memory_limit="300KB", tmp_dir=tmp_path)
    assert calls and os.listdir(tmp_path) == []


def test_all_unknown_corpus_warns():
    vocab = nv.Vocabulary(["a", "b"], [5, 5])
    with pytest.warns(UserWarning, match="no pair was counted"):
        m = count_cooccurrences(nv.Corpus(["x y z", "z y"]), vocab, window=2)
    assert m.nnz == 0 and m.shape == (2, 2)


@pytest.mark.parametrize("contexts", [None, "uni_bi"])
def test_shards_merge_to_the_whole(rng, contexts):
    """Shards counted apart (as cluster workers would) sum to the whole count."""
    sents = [" ".join(rng.choice([f"w{i}" for i in range(40)], size=rng.integers(2, 25)))
             for _ in range(300)]
    corpus = nv.Corpus(sents)
    vocab = nv.Vocabulary.build(corpus, min_count=2,
                                ngram_orders=(1, 2) if contexts else (1,))
    kw = dict(window=3, dynamic_window=True, sample=1e-2, seed=5, contexts=contexts,
              dtype=np.float64)
    whole = count_cooccurrences(corpus, vocab, **kw)
    parts = [count_cooccurrences(corpus, vocab, shard=(a, b), **kw)
             for a, b in ((0, 120), (120, 121), (121, 300))]
    merged = Cooccurrence.merge(parts)
    assert (merged.matrix != whole.matrix).nnz == 0
    assert merged.stats["pairs"] == whole.stats["pairs"]
    with pytest.raises(ValueError, match=r"The 'shard' parameter of count_cooccurrences must "
                                         r"be a pair \(start, stop\) with 0 <= start <= stop "
                                         r"<= 300"):
        count_cooccurrences(corpus, vocab, shard=(10, 400), **kw)
    other = count_cooccurrences(corpus, vocab, **dict(kw, window=2))
    with pytest.raises(ValueError, match="other settings"):
        Cooccurrence.merge([whole, other])


def test_kernels_check_their_inputs(tmp_path):
    """The compiled entry points validate what they are given (plain arrays, options)."""
    from ngramvec.data._ngrams import PairCounter
    from ngramvec.models._cooccur import CountOptions, UnitMaps, cooccur_count_shard
    w = np.array([0, 1, 1], dtype=np.int64)
    with pytest.raises(ValueError, match="weights must have window \\+ 1 entries"):
        CountOptions(3, w, False, 3, 0, True, False, 0)
    with pytest.raises(ValueError, match="window must be >= 1, direction in"):
        CountOptions(2, w, False, 4, 0, True, False, 0)
    with pytest.raises(ValueError, match="orders must be distinct and in \\[1, 6\\]"):
        UnitMaps((1, 1), (1,), {}, {}, {})
    with pytest.raises(ValueError, match="orders must be distinct and in \\[1, 6\\]"):
        UnitMaps((7,), (1,), {}, {}, {})
    with pytest.raises(ValueError, match="maps of order 1 differ in length"):
        UnitMaps((1,), (1,), {1: np.zeros(3, np.int32)}, {1: np.zeros(2, np.int32)}, {})
    with pytest.raises(ValueError, match="n_threads must be at least 1"):
        PairCounter(0, 2, 2, np.zeros(2), np.zeros(2), 1024, 1024, str(tmp_path))
    with pytest.raises(ValueError, match="the dense layout does not fit its block"):
        PairCounter(1, 2, 2, [3, 0], [0, 0], 1024, 1024, str(tmp_path))
    pc = PairCounter(1, 2, 2, np.zeros(2), np.zeros(2), 1024, 1024, str(tmp_path))
    opts = CountOptions(2, w, False, 3, 0, True, False, 0)
    maps = UnitMaps((1,), (1,), {1: np.array([0, 1], np.int32)},
                    {1: np.array([0, 1], np.int32)}, {1: np.ones(2)})
    ids = np.array([0, 1, 2], dtype=np.int32)           # id 2 has no map entry
    with pytest.raises(ValueError, match="an entry for every lexicon id"):
        cooccur_count_shard(pc, ids, np.array([3], np.int64), maps, opts, 0, 1)
    with pytest.raises(ValueError, match="sentence range out of bounds"):
        cooccur_count_shard(pc, ids[:2], np.array([3], np.int64), maps, opts, 0, 1)
    assert cooccur_count_shard(pc, ids[:2], np.array([2], np.int64), maps, opts, 0, 1) == 2


def test_full_tables_spill_between_rounds(tmp_path):
    """A table that fills stops its thread; the run is written between rounds and the
    thread resumes: counts equal an unbounded count, with several runs per thread."""
    from ngramvec.data._ngrams import PairCounter, assemble_csr, finish_counts
    from ngramvec.models._cooccur import CountOptions, UnitMaps, cooccur_count_shard
    rng = np.random.default_rng(1)
    n_lex = 3000
    ids = rng.integers(0, n_lex, size=20000).astype(np.int32)
    ends = np.arange(40, 20001, 40, dtype=np.int64)
    ident = np.arange(n_lex, dtype=np.int32)
    maps = UnitMaps((1,), (1,), {1: ident}, {1: ident}, {1: np.ones(n_lex)})
    opts = CountOptions(3, np.array([0, 1, 1, 1]), False, 3, 0, True, False, 0)
    out = []
    for T, cap in ((1, 1 << 22), (3, 1024)):
        d = tmp_path / f"t{T}"
        d.mkdir()
        pc = PairCounter(T, n_lex, n_lex, np.zeros(n_lex), np.zeros(n_lex), 1024, cap, str(d))
        # 500 sentences of 40 tokens, window 3: 2 * (40 * 3 - 6) pairs each
        assert cooccur_count_shard(pc, ids, ends, maps, opts, 0, len(ends)) == 500 * 228
        if cap == 1024:
            assert min(pc.spills()) >= 2
        bound, _ = finish_counts(pc)
        indptr = np.zeros(n_lex + 1, np.int64)
        indices = np.empty(bound, np.int32)
        data = np.empty(bound, np.float64)
        nnz, ticks = assemble_csr(pc, indptr, indices, data, 1.0)
        assert ticks == 500 * 228
        out.append((indptr.copy(), indices[:nnz].copy(), data[:nnz].copy()))
    for a, b in zip(*out):
        np.testing.assert_array_equal(a, b)
