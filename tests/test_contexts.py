"""Arbitrary contexts: pairs files (PairsFile), positional contexts, pairs from a corpus,
counting and SGNS over them, and bad input (ngramvec/data/pairs.py, models/pairs.py)."""
from __future__ import annotations

import bz2
import collections
import gzip
import lzma
import re

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import ngramvec as nv
from ngramvec.base.exceptions import CorpusError
from ngramvec.data.pairs import positional_key

N_WORDS, N_CTX = 30, 40


@pytest.fixture(scope="module")
def pair_lines():
    """Random (word, context) lines: word i pairs with contexts near 4 * i / 3 (Zipf-ish)."""
    rng = np.random.default_rng(11)
    w = rng.zipf(1.5, 4000) % N_WORDS
    c = (w * 4 // 3 + rng.integers(-3, 4, w.size)) % N_CTX
    return [(f"w{a}", f"dep{b}_x") for a, b in zip(w.tolist(), c.tolist())]


def _write(path, lines, opener=open, sep=" "):
    with opener(path, "wt", encoding="utf-8") as f:
        for a, b in lines:
            f.write(f"{a}{sep}{b}\n")
    return path


def _as_dict(cooc):
    m = cooc.matrix.tocoo()
    rk, ck = cooc.row_vocab.index_to_key, cooc.col_vocab.index_to_key
    return {(rk[r], ck[c]): float(v) for r, c, v in zip(m.row, m.col, m.data)}


@pytest.mark.parametrize("opener, suffix", [(open, ".txt"), (gzip.open, ".gz"),
                                            (bz2.open, ".bz2"), (lzma.open, ".xz")])
def test_counts_of_a_pairs_file_are_exact(tmp_path, pair_lines, opener, suffix):
    path = _write(tmp_path / f"pairs{suffix}", pair_lines, opener, sep="\t")
    pf = nv.PairsFile(path, min_count=1)
    counts = nv.count_cooccurrences(pf, n_threads=2)
    assert _as_dict(counts) == {k: float(v) for k, v in
                                collections.Counter(pair_lines).items()}
    wc = collections.Counter(a for a, _ in pair_lines)
    cc = collections.Counter(b for _, b in pair_lines)
    assert dict(zip(pf.vocab.index_to_key, pf.vocab.counts.tolist())) == dict(wc)
    assert dict(zip(pf.context_vocab.index_to_key, pf.context_vocab.counts.tolist())) == dict(cc)
    assert pf.vocab.counts.tolist() == sorted(pf.vocab.counts.tolist(), reverse=True)
    assert counts.stats["pairs"] == len(pair_lines)
    # the matrix goes on as any co-occurrence matrix does (rows and columns differ)
    ppmi = nv.PPMI(cds=0.75).fit_transform(counts)
    assert ppmi.shape == counts.shape and ppmi.matrix.data.min() >= 0
    assert nv.SVD(dim=3).fit(ppmi).vectors_.shape == (len(pf.vocab), 3)


def test_min_counts_prune_each_side_and_their_pairs(tmp_path, pair_lines):
    path = _write(tmp_path / "p.txt", pair_lines)
    pf = nv.PairsFile(path, min_count=20, context_min_count=50)
    wc = collections.Counter(a for a, _ in pair_lines)
    cc = collections.Counter(b for _, b in pair_lines)
    words = {k for k, v in wc.items() if v >= 20}
    ctxs = {k for k, v in cc.items() if v >= 50}
    assert set(pf.vocab.index_to_key) == words and set(pf.context_vocab.index_to_key) == ctxs
    kept = [(a, b) for a, b in pair_lines if a in words and b in ctxs]
    enc = pf.encoded()
    assert enc.stats == {"lines": len(pair_lines), "pairs": len(kept),
                         "dropped": len(pair_lines) - len(kept)}
    got = _as_dict(nv.count_cooccurrences(pf))
    assert got == {k: float(v) for k, v in collections.Counter(kept).items()}
    # the pairs keep the file's order
    keys = [(pf.vocab.index_to_key[w], pf.context_vocab.index_to_key[c])
            for w, c in enc.pairs.tolist()]
    assert keys == kept


def test_counting_does_not_depend_on_threads_or_memory(tmp_path):
    rng = np.random.default_rng(8)
    lines = [(f"w{a}", f"c{b}") for a, b in rng.integers(0, 300, (30000, 2)).tolist()]
    pf = nv.PairsFile(_write(tmp_path / "p.txt", lines), min_count=1)
    a = nv.count_cooccurrences(pf, n_threads=1)
    b = nv.count_cooccurrences(pf, n_threads=3, memory_limit=400_000, tmp_dir=tmp_path)
    assert (a.matrix != b.matrix).nnz == 0
    assert b.stats["spills"] > 0
    assert _as_dict(a) == {k: float(v) for k, v in collections.Counter(lines).items()}


def test_fixed_vocabularies(tmp_path, pair_lines):
    path = _write(tmp_path / "p.txt", pair_lines)
    full = nv.PairsFile(path, min_count=1)
    wv = nv.Vocabulary(["w0", "w1", "w2"], [3, 2, 1])
    pf = nv.PairsFile(path, vocab=wv, context_vocab=full.context_vocab, oov="drop")
    assert pf.vocab is wv and pf.context_vocab is full.context_vocab
    kept = [p for p in pair_lines if p[0] in ("w0", "w1", "w2")]
    assert _as_dict(nv.count_cooccurrences(pf)) == {
        k: float(v) for k, v in collections.Counter(kept).items()}
    # a context outside a given context vocabulary is an error naming file and line
    cv = nv.Vocabulary(["dep1_x"], [1])
    first = next(i for i, (_, b) in enumerate(pair_lines) if b != "dep1_x")
    with pytest.raises(CorpusError, match=rf"p\.txt, line {first + 1}: the context "
                                          rf"'{pair_lines[first][1]}' is not in the given "
                                          "context vocabulary"):
        nv.PairsFile(path, context_vocab=cv).encoded()
    first = next(i for i, (a, _) in enumerate(pair_lines) if a not in ("w0", "w1", "w2"))
    with pytest.raises(CorpusError, match=rf"line {first + 1}: the word '{pair_lines[first][0]}'"
                                          " is not in the given word vocabulary"):
        nv.PairsFile(path, vocab=wv).encoded()


@pytest.mark.parametrize("text, line, what", [
    ("a b\nc\n", 2, "one field"),
    ("a b\nc d e\n", 2, "3 fields"),
    ("a  b\n", 1, "an empty field"),
    ("a b\nc d \n", 2, "an empty field"),
    ("\tb\n", 1, "an empty field"),
    ("a b\n\nc d\n", 2, "an empty line"),
    ("a b\r\nc\r\n", 2, "one field"),
])
def test_bad_lines_name_the_file_and_line(tmp_path, text, line, what):
    path = tmp_path / "bad.txt"
    path.write_bytes(text.encode())
    with pytest.raises(CorpusError, match=rf"bad\.txt, line {line}: {what}; a pairs file has "
                                          "one 'word context' pair a line"):
        nv.count_cooccurrences(nv.PairsFile(path, min_count=1))


def test_line_numbers_count_across_read_blocks(tmp_path, monkeypatch):
    import ngramvec.data.pairs as pairs_mod
    real = pairs_mod._file_blocks
    monkeypatch.setattr(pairs_mod, "_file_blocks",
                        lambda p: real(p, block_size=64))     # many small blocks
    path = tmp_path / "p.txt"
    path.write_text("".join(f"w{i} c{i}\n" for i in range(100)) + "oops\n")
    with pytest.raises(CorpusError, match=r"line 101: one field"):
        nv.PairsFile(path, min_count=1).encoded()


def test_encoded_pairs_checks_its_arrays():
    v = nv.Vocabulary(["a", "b"], [2, 1])
    with pytest.raises(ValueError, match=r"int32 array of shape \(n, 2\)"):
        nv.EncodedPairs(np.zeros((3, 2), np.int64), v, v, "x")
    bad = nv.EncodedPairs(np.array([[0, 5]], np.int32), v, v, "x")   # context 5 of 2
    with pytest.raises(ValueError, match="outside the counter's shape"):
        nv.count_cooccurrences(bad)
    with pytest.raises(ValueError, match="outside syn0 / syn1"):
        nv.SGNS(dim=2, n_threads=1).fit(bad)


def test_bad_files_and_parameters(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(CorpusError, match=r"empty\.txt: the pairs file has no pairs"):
        nv.PairsFile(empty).encoded()
    with pytest.raises(CorpusError, match="is a directory|not a directory"):
        nv.PairsFile(tmp_path)
    with pytest.raises(CorpusError, match="no such file"):
        nv.PairsFile(tmp_path / "missing.txt")
    ok = tmp_path / "ok.txt"
    ok.write_text("a b\na c\n")
    for kw, match in [({"min_count": 0}, r"The 'min_count' parameter of PairsFile must be an "
                                         r"int in the range \[1, inf\)\. Got 0"),
                      ({"context_min_count": -1}, "The 'context_min_count' parameter"),
                      ({"max_size": 0}, "The 'max_size' parameter"),
                      ({"oov": "skip"}, "The 'oov' parameter of PairsFile")]:
        with pytest.raises(ValueError, match=match):
            nv.PairsFile(ok, **kw)
    with pytest.raises(TypeError, match="The 'vocab' parameter of PairsFile must be a "
                                        "Vocabulary"):
        nv.PairsFile(ok, vocab=["a"])
    with pytest.raises(CorpusError, match=r"no word occurs in at least min_count=5 pairs"):
        nv.PairsFile(ok).encoded()
    pf = nv.PairsFile(ok, min_count=1)
    with pytest.raises(ValueError, match=r"\['sample'\] apply to a corpus; a pair source is "
                                         "counted as it is"):
        nv.count_cooccurrences(pf, sample=1e-3)
    with pytest.raises(ValueError, match=r"\['vocab'\] apply to a corpus"):
        nv.count_cooccurrences(pf, pf.vocab)
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"a b\n\x00\x01 c\n")
    with pytest.raises(CorpusError, match="NUL byte"):
        nv.PairsFile(binary).encoded()
    bad_utf8 = tmp_path / "u.txt"
    bad_utf8.write_bytes(b"a\xff b\n")
    with pytest.raises(CorpusError, match=r"u\.txt: a word is not valid UTF-8"):
        nv.PairsFile(bad_utf8, min_count=1).encoded()


# ---------------------------------------------------------------------- positional


def _reference_pos(sentences, vocab, window):
    """Slow positional pairs, hyperwords' corpus2pairs --pos: OOV tokens are gaps."""
    out = collections.Counter()
    for toks in sentences:
        toks = [t if t in vocab else None for t in toks]
        for i, t in enumerate(toks):
            if t is None:
                continue
            for j in range(max(0, i - window), min(len(toks), i + window + 1)):
                if j != i and toks[j] is not None:
                    out[(t, positional_key(toks[j], j - i))] += 1
    return out


@pytest.fixture(scope="module")
def small_corpus():
    rng = np.random.default_rng(5)
    words = [f"t{i}" for i in range(25)]
    sents = [list(rng.choice(words, rng.integers(1, 12), p=np.r_[[0.2], [0.8 / 24] * 24]))
             for _ in range(300)]
    corpus = nv.Corpus([" ".join(s) for s in sents])
    vocab = nv.Vocabulary.build(corpus, min_count=8)
    return sents, corpus, vocab


@pytest.mark.parametrize("window", [1, 2, 4])
def test_positional_counts_match_the_slow_reference(small_corpus, window):
    sents, corpus, vocab = small_corpus
    got = nv.count_cooccurrences(corpus, vocab, window=window, contexts="pos")
    ref = _reference_pos(sents, set(vocab.index_to_key), window)
    assert _as_dict(got) == {k: float(v) for k, v in ref.items()}
    assert got.row_vocab is vocab and len(got.col_vocab) == len({c for _, c in ref})
    assert got.params["contexts"] == "pos"
    harmonic = nv.count_cooccurrences(corpus, vocab, window=window, contexts="pos",
                                      weighting="harmonic")
    want = {k: v / abs(int(k[1].rsplit("_", 1)[1])) for k, v in ref.items()}
    assert _as_dict(harmonic) == pytest.approx(want)


@pytest.mark.parametrize("subsampling, oov", [("clean", "keep"), ("dirty", "drop")])
def test_positional_counts_sum_to_the_word_counts(small_corpus, subsampling, oov):
    """Summed over offsets, positional counts are the word counts of count_cooccurrences
    with the same window, subsampling draws and dynamic windows (same seed)."""
    _, corpus, vocab = small_corpus
    kw = dict(window=3, sample=0.01, dynamic_window=True, subsampling=subsampling, oov=oov,
              seed=4)
    pos = nv.count_cooccurrences(corpus, vocab, contexts="pos", **kw)
    word = nv.count_cooccurrences(corpus, vocab, **kw)
    summed = collections.Counter()
    for (w, c), v in _as_dict(pos).items():
        summed[(w, c.rsplit("_", 1)[0])] += v
    assert dict(summed) == _as_dict(word)
    # the pairs the count sees are those pairs_from_corpus gives
    enc = nv.pairs_from_corpus(corpus, vocab, contexts="pos", **kw)
    assert enc.n_pairs == pos.stats["pairs"] == word.stats["pairs"]


def test_write_pairs_round_trip(small_corpus, tmp_path):
    sents, corpus, vocab = small_corpus
    path = tmp_path / "pos.txt.gz"
    enc = nv.write_pairs(corpus, vocab, path, window=2, contexts="pos")
    with gzip.open(path, "rt") as f:
        lines = [tuple(line.rstrip("\n").split(" ")) for line in f]
    assert len(lines) == enc.n_pairs
    assert collections.Counter(lines) == _reference_pos(sents, set(vocab.index_to_key), 2)
    back = nv.count_cooccurrences(nv.PairsFile(path, min_count=1))
    assert _as_dict(back) == _as_dict(nv.count_cooccurrences(corpus, vocab, window=2,
                                                             contexts="pos"))
    words = tmp_path / "words.txt"
    nv.write_pairs(corpus, vocab, words, window=1)       # ngram2vec / hyperwords word pairs
    got = collections.Counter(tuple(line.split(" ")) for line in words.read_text().splitlines())
    want = collections.Counter()
    for (w, c), v in _reference_pos(sents, set(vocab.index_to_key), 1).items():
        want[(w, c.rsplit("_", 1)[0])] += v
    assert got == want


def test_positional_parameter_checks(small_corpus):
    _, corpus, vocab = small_corpus
    with pytest.raises(ValueError, match="contexts='pos' counts both sides"):
        nv.count_cooccurrences(corpus, vocab, contexts="pos", direction="left")
    with pytest.raises(ValueError, match=r"\['col_vocab'\] do not apply to contexts='pos'"):
        nv.count_cooccurrences(corpus, vocab, contexts="pos", col_vocab=vocab)
    with pytest.raises(ValueError, match="The 'window' parameter of count_cooccurrences"):
        nv.count_cooccurrences(corpus, vocab, contexts="pos", window=0)
    with pytest.raises(ValueError, match="The 'contexts' parameter of pairs_from_corpus"):
        nv.pairs_from_corpus(corpus, vocab, contexts="deps")
    with pytest.raises(ValueError, match="The 'context_min_count' parameter of "
                                         "pairs_from_corpus"):
        nv.pairs_from_corpus(corpus, vocab, contexts="pos", context_min_count=0)
    with pytest.raises(TypeError, match="The 'vocab' parameter of pairs_from_corpus"):
        nv.pairs_from_corpus(corpus, None)
    with pytest.raises(TypeError, match="The 'vocab' parameter of count_cooccurrences"):
        nv.count_cooccurrences(corpus, contexts="pos")
    with pytest.raises(ValueError, match=r"The 'contexts' parameter of SGNS must be 'word' or "
                                         r"'X_Y' .*, or 'pos' \(positional contexts\)"):
        nv.SGNS(contexts="position").fit(corpus)


# ---------------------------------------------------------------------- SGNS


def _two_groups(tmp_path, n=4000, seed=0):
    """Words a0..a9 take contexts ca0..ca14 only; b0..b9 take cb0..cb14 only."""
    rng = np.random.default_rng(seed)
    g = rng.integers(0, 2, n)
    w = rng.integers(0, 10, n)
    c = rng.integers(0, 15, n)
    lines = [(f"{'ab'[x]}{y}", f"c{'ab'[x]}{z}") for x, y, z in zip(g, w, c)]
    return _write(tmp_path / "groups.txt", lines)


def _group_margin(model):
    wv = nv.KeyedVectors.from_model(model)
    v = wv.vectors / np.linalg.norm(wv.vectors, axis=1, keepdims=True)
    grp = np.array([k[0] for k in wv.index_to_key])
    sim = v @ v.T
    same = grp[:, None] == grp[None, :]
    np.fill_diagonal(same, False)
    other = grp[:, None] != grp[None, :]
    return float(sim[same].mean() - sim[other].mean()), wv


def test_sgns_learns_planted_word_context_structure(tmp_path):
    pf = nv.PairsFile(_two_groups(tmp_path), min_count=1)
    model = nv.SGNS(dim=10, epochs=5, negative=5, lr=0.05, n_threads=2, seed=1).fit(pf)
    margin, wv = _group_margin(model)
    assert margin > 0.5, margin
    for key in ("a3", "b7"):
        assert all(k[0] == key[0] for k, _ in wv.most_similar(key, topn=5))
    assert model.context_index_to_key_ == pf.context_vocab.index_to_key
    assert model.history_[-1]["pairs"] == 4000 and model.epochs_trained_ == 5
    assert model.history_[-1]["lr"] == pytest.approx(1e-4, rel=1e-3)
    # untrained (one pass at a tiny learning rate) there is no such structure
    weak = nv.SGNS(dim=10, epochs=1, lr=1e-4, min_lr=1e-5, n_threads=1).fit(pf)
    assert _group_margin(weak)[0] < 0.1


def test_sgns_pairs_one_thread_is_reproducible_and_saves(tmp_path):
    pf = nv.PairsFile(_two_groups(tmp_path, n=500), min_count=1)
    a = nv.SGNS(dim=6, epochs=2, n_threads=1, seed=3, compute_loss=True).fit(pf)
    b = nv.SGNS(dim=6, epochs=2, n_threads=1, seed=3, compute_loss=True).fit(pf)
    assert np.array_equal(a.vectors_, b.vectors_)
    assert np.array_equal(a.context_vectors_, b.context_vectors_)
    assert a.history_[-1]["loss"] < a.history_[0]["loss"]
    a.save(tmp_path / "m.npz")
    c = nv.SGNS.load(tmp_path / "m.npz")
    assert c.context_index_to_key_ == a.context_index_to_key_
    a.partial_fit(pf, epochs=1)
    c.partial_fit(pf, epochs=1)
    assert np.array_equal(a.vectors_, c.vectors_)
    assert a.epochs_trained_ == c.epochs_trained_ == 3
    with pytest.raises(ValueError, match="a pairs source brings its own contexts"):
        nv.SGNS(contexts="pos").fit(pf)
    with pytest.raises(ValueError, match="a pairs source has its own vocabularies"):
        nv.SGNS().fit(pf, vocab=pf.vocab)


def test_sgns_positional_contexts_on_two_clusters():
    """Words of two clusters that only co-occur inside their cluster: the neighbours
    of a cluster-A word are cluster-A words with positional contexts too."""
    rng = np.random.default_rng(2)
    sents = [" ".join(f"{g}{i}" for i in rng.integers(0, 8, 10))
             for g in rng.choice(["x", "y"], 600)]
    corpus = nv.Corpus(sents)
    model = nv.SGNS(dim=10, window=2, contexts="pos", min_count=1, sample=0, epochs=3,
                    lr=0.05, n_threads=2, seed=0).fit(corpus)
    assert len(model.context_vocabulary_) == 16 * 4          # 16 words x 4 offsets
    assert set(model.context_index_to_key_) == {positional_key(f"{g}{i}", d) for g in "xy"
                                                for i in range(8) for d in (-2, -1, 1, 2)}
    margin, wv = _group_margin(model)
    assert margin > 0.3, margin
    model.partial_fit(corpus, epochs=1)
    assert model.epochs_trained_ == 4


# ---------------------------------------------------------------------- CLI


@pytest.mark.needs_extensions
def test_cli_pairs_count_and_sgns(tmp_path, capsys):
    from ngramvec.cli import main
    corpus = tmp_path / "c.txt"
    corpus.write_text("the king and the queen\na man and a woman\n" * 30)
    pairs = tmp_path / "pairs.txt.gz"
    assert main(["pairs", str(corpus), "--min-count", "1", "--window", "2", "--contexts",
                 "pos", "-o", str(pairs), "--no-progress"]) == 0
    err = capsys.readouterr().err
    assert err.count(f"INFO ngramvec.saved: saved 840 (word, context) pairs to {pairs}\n") == 1
    with gzip.open(pairs, "rt") as f:
        assert f.readline() == "the king_1\n"
    counts = tmp_path / "c.npz"
    assert main(["count", "--pairs", str(pairs), "--min-count", "1", "-o", str(counts),
                 "--no-progress"]) == 0
    c = nv.Cooccurrence.load(counts)
    assert c.matrix.sum() == 840 and "king_1" in c.col_vocab
    assert c.matrix[c.row_vocab.get_index("the"), c.col_vocab.get_index("king_1")] == 30
    direct = tmp_path / "d.npz"
    assert main(["count", str(corpus), "--min-count", "1", "--window", "2", "--contexts", "pos",
                 "-o", str(direct), "--no-progress"]) == 0
    assert _as_dict(nv.Cooccurrence.load(direct)) == _as_dict(c)
    cv = tmp_path / "cv.txt"
    nv.Vocabulary(["king_1", "queen_1"], [30, 30]).save(cv)
    assert main(["count", "--pairs", str(pairs), "--context-vocab", str(cv), "-o",
                 str(counts), "--no-progress"]) == 2
    assert f"{pairs}, line 2: the context 'and_2' is not in the given context vocabulary" \
        in capsys.readouterr().err
    vec = tmp_path / "v.txt"
    assert main(["sgns", "--pairs", str(pairs), "--min-count", "1", "--dim", "4", "--epochs",
                 "1", "--threads", "1", "-o", str(vec), "--no-progress"]) == 0
    assert vec.read_text().startswith("7 4\n")
    assert main(["sgns", str(corpus), "--contexts", "pos", "--min-count", "1", "--dim", "4",
                 "--epochs", "1", "--threads", "1", "-o", str(vec), "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["count", str(corpus), "--pairs", str(pairs), "-o", str(counts)]) == 2
    assert "give a corpus or --pairs FILE, one of them" in capsys.readouterr().err
    assert main(["sgns", "-o", str(vec)]) == 2
    assert "give a corpus or --pairs FILE" in capsys.readouterr().err


# ---------------------------------------------------------------------- parser property


def _reference_parse(data: bytes):
    """Slow obvious parser: ("ok", Counter of pairs) or ("error", line, message start)."""
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    pairs = collections.Counter()
    for i, line in enumerate(lines, 1):
        if line.endswith(b"\r"):
            line = line[:-1]
        if not line:
            return ("error", i, "an empty line")
        fields = re.split(b"[ \t]", line)
        if any(f == b"" for f in fields):
            return ("error", i, "an empty field")
        if len(fields) != 2:
            return ("error", i, "one field" if len(fields) == 1 else f"{len(fields)} fields")
        pairs[(fields[0], fields[1])] += 1
    if not pairs:
        return ("empty",)
    try:
        return ("ok", collections.Counter({(a.decode(), b.decode()): n
                                           for (a, b), n in pairs.items()}))
    except UnicodeDecodeError:
        return ("utf8",)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from([b"a", b"b", b"cc", b" ", b"\t", b"\r", b"\n", b"\n",
                                 b"\xff", "é".encode()]), max_size=40))
def test_the_parser_agrees_with_a_slow_reference(tmp_path_factory, parts):
    data = b"".join(parts)
    path = tmp_path_factory.mktemp("fz") / "p.txt"
    path.write_bytes(data)
    want = _reference_parse(data)
    pf = nv.PairsFile(path, min_count=1)
    if want[0] == "ok":
        got = collections.Counter()
        enc = pf.encoded()
        for w, c in enc.pairs.tolist():
            got[(pf.vocab.index_to_key[w], pf.context_vocab.index_to_key[c])] += 1
        assert got == want[1]
    else:
        match = {"error": f"line {want[1]}: {want[2]}" if want[0] == "error" else "",
                 "empty": "the pairs file has no pairs", "utf8": "is not valid UTF-8"}[want[0]]
        with pytest.raises(CorpusError, match=match):
            pf.encoded()
