"""Phrases: the same phrases, scores and merged sentences as gensim 4's Phrases on the
bundled demo corpus; the kernels against a slow reference on generated corpora (with
connector words, several threads, spills); save/load; the CLI; bad input."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ngramvec as nv
from ngramvec.base.exceptions import CorpusError, VectorsFormatError
from ngramvec.cli import main as cli_main

gensim_phrases = pytest.importorskip("gensim.models.phrases")
G = gensim_phrases.Phrases
E = gensim_phrases.ENGLISH_CONNECTOR_WORDS


@pytest.fixture(scope="module")
def demo():
    """The demo corpus tokenized once by ngramvec: what both libraries are given."""
    return list(nv.Corpus(nv.dataset_path("demo")))


SETTINGS = {
    "default": {},
    "connectors": {"connector_words": E},
    "npmi": {"scoring": "npmi", "threshold": 0.5},
    "npmi-connectors": {"scoring": "npmi", "threshold": 0.3, "connector_words": E,
                        "min_count": 3},
}


# --------------------------------------------------------------------------- gensim parity


def test_connector_words_are_gensims():
    assert nv.ENGLISH_CONNECTOR_WORDS == E


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_export_and_transform_equal_gensim(demo, name):
    kw = SETTINGS[name]
    g = G(demo, **kw)
    ours = nv.Phrases(**kw).fit(demo)
    expected = g.export_phrases()
    assert len(expected) > 400
    assert ours.export_phrases() == expected          # keys and scores, exactly
    assert ours.pass_stats_[0]["len_vocab"] == len(g.vocab)
    assert ours.corpus_word_count_ == g.corpus_word_count
    frozen = g.freeze()
    merged = ours.transform(demo)
    assert merged == [frozen[s] for s in demo]
    assert sum(len(s) for s in merged) < sum(len(s) for s in demo)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["default", "npmi-connectors"])
def test_trigrams_equal_two_chained_gensim_models(demo, name):
    """max_order=3 merges as gensim's Phrases(bigram[sentences]) applied after bigram;
    its second-pass scores are the ones gensim's find_phrases reports."""
    kw = SETTINGS[name]
    bigram = G(demo, **kw).freeze()
    once = [bigram[s] for s in demo]
    trigram = G(once, **kw)
    ours = nv.Phrases(max_order=3, **kw).fit(demo)
    assert ours.transform(demo) == [trigram[s] for s in once]
    found = trigram.find_phrases(once)
    exported = ours.export_phrases()
    assert len(found) > 50
    assert all(exported[k] == v for k, v in found.items())
    assert ours.pass_stats_[1]["len_vocab"] == len(trigram.vocab)
    second = [k for k, p in zip(ours.phrases_, ours.passes_) if p == 2]
    assert any(k.count("_") >= 2 for k in second)


def test_inputs_agree(demo, tmp_path):
    """Token lists, a Corpus, an EncodedCorpus and a path give the same phrases."""
    path = nv.dataset_path("demo")
    ref = nv.Phrases(connector_words=E).fit(demo).export_phrases()
    corpus = nv.Corpus(path)
    assert nv.Phrases(connector_words=E).fit(corpus).export_phrases() == ref
    assert nv.Phrases(connector_words=E).fit(corpus.encoded()).export_phrases() == ref
    assert nv.Phrases(connector_words=E).fit(path).export_phrases() == ref


def test_threads_and_spills_do_not_change_the_result(demo):
    ref = nv.Phrases(connector_words=E, n_threads=1).fit(demo)
    two = nv.Phrases(connector_words=E, n_threads=2, memory_limit=600_000).fit(demo)
    assert two.export_phrases() == ref.export_phrases()
    np.testing.assert_array_equal(two.counts_, ref.counts_)


# --------------------------------------------------------------------------- reference


def reference(sentences, min_count, threshold, scoring, connectors, delimiter="_"):
    """Gensim's rules written plainly: counts, scores, phrases (one pass)."""
    words: dict = {}
    cands: dict = {}
    total = 0
    for s in sentences:
        start, between = None, []
        for w in s:
            total += 1
            if w in connectors:
                if start is not None:
                    between.append(w)
                continue
            words[w] = words.get(w, 0) + 1
            if start is not None:
                key = (start, *between, w)
                cands[key] = cands.get(key, 0) + 1
            start, between = w, []
    len_vocab = len(words) + len(cands)
    out = {}
    for key, n in cands.items():
        a, b = words[key[0]], words[key[-1]]
        if scoring == "default":
            score = (n - min_count) / float(a * b) * len_vocab
        else:
            if n < min_count:
                continue
            pa, pb, pab = a / float(total), b / float(total), n / float(total)
            score = math.log(pab / (pa * pb)) / -math.log(pab)
        if score > threshold:
            out[delimiter.join(key)] = score
    return out


def merge_reference(sentence, phrases, connectors, delimiter="_"):
    """Greedy left-to-right merging, as gensim's analyze_sentence."""
    out, start, between = [], None, []
    for w in sentence:
        if w in connectors:
            if start is not None:
                between.append(w)
            else:
                out.append(w)
            continue
        if start is not None:
            key = delimiter.join([start, *between, w])
            if key in phrases:
                out.append(key)
                start, between = None, []
                continue
            out.extend([start, *between])
        start, between = w, []
    if start is not None:
        out.extend([start, *between])
    return out


def generated(seed, n_sent=300, vocab=12, conn=3):
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(vocab)] + [f"c{i}" for i in range(conn)]
    p = 1.0 / np.arange(1, len(words) + 1)
    p /= p.sum()
    # collocations planted among the random words, with connectors inside some
    planted = [["x0", "y0"], ["x1", "c0", "y1"], ["x2", "c1", "c0", "y2"], ["x0", "c2", "y3"]]
    sents = []
    for _ in range(n_sent):
        n = int(rng.integers(0, 15))
        sent = [words[i] for i in rng.choice(len(words), n, p=p)]
        for _ in range(int(rng.integers(0, 3))):
            at = int(rng.integers(0, len(sent) + 1))
            sent[at:at] = planted[int(rng.integers(0, len(planted)))]
        sents.append(sent)
    return sents, frozenset(f"c{i}" for i in range(conn))


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("scoring, threshold", [("default", 1.0), ("npmi", 0.05)])
def test_kernels_match_the_reference(seed, scoring, threshold):
    sents, conn = generated(seed)
    expected = reference(sents, 2, threshold, scoring, conn)
    assert expected, "the generated corpus must have phrases"
    model = nv.Phrases(min_count=2, threshold=threshold, scoring=scoring, connector_words=conn,
                       n_threads=1 + seed % 2).fit(sents)
    got = model.export_phrases()
    assert got.keys() == expected.keys()
    assert all(got[k] == expected[k] for k in got)
    assert model.transform(sents) == [merge_reference(s, expected, conn) for s in sents]


def test_token_table_ids_and_keys():
    """Token lists to ids: every kind of str (ASCII read in place, Latin-1, BMP, astral,
    a lone surrogate, a str subclass), lists and tuples; ids in order of first
    occurrence, keys given back equal, counts exact."""
    from ngramvec.models._phrases import TokenTable

    class Word(str):
        pass

    toks = ["new", "york", "café", "naïve", "\u4e2d\u6587", "\U0001f600", "a\udc80b",
            Word("new"), "é", "e\u0301", "\x00", "York"]
    sents = [toks[:5], tuple(toks[5:]), [], ["york", "new", "café"] * 3]
    table = TokenTable()
    ids, lengths = table.encode(sents)
    first: dict = {}
    expected = [first.setdefault(str(t), len(first)) for s in sents for t in s]
    assert ids.tolist() == expected
    assert lengths.tolist() == [len(s) for s in sents]
    assert table.keys() == list(first)
    assert table.counts().tolist() == np.bincount(expected).tolist()
    more, _ = table.encode([["york", "zz"]], 4)       # a second batch goes on numbering
    assert more.tolist() == [first["york"], len(first)]
    assert table.n_types == len(first) + 1 and table.n_tokens == len(expected) + 2
    with pytest.raises(TypeError, match="sentence 6 of the corpus is a str"):
        table.encode([["a"], "b c"], 5)
    with pytest.raises(TypeError, match=r"the corpus holds the token b'x' \(bytes\)"):
        table.encode([["a", b"x"]])


def _first_ids(sents):
    """Ids in order of first occurrence, the keys and the counts: what TokenTable gives."""
    first: dict = {}
    ids = [first.setdefault(str(t), len(first)) for s in sents for t in s]
    return ids, list(first), np.bincount(ids, minlength=len(first)).tolist()


_TOKENS = st.text(st.sampled_from(list("ab\x00é\u0301\u4e2d\U0001f600\udc80")), min_size=1,
                  max_size=4) | st.sampled_from(["ü" * 65, "a" * 70, "\u4e2d" * 64])


@settings(max_examples=60, deadline=None)
@given(sents=st.lists(st.lists(_TOKENS, max_size=12), max_size=30),
       n_threads=st.integers(1, 3), n_calls=st.integers(1, 3))
def test_token_table_ids_do_not_depend_on_threads(sents, n_threads, n_calls):
    """The threads' lookups and the one-thread interning of new tokens give the ids,
    keys and counts of one token at a time, for any str (the ASCII ones read in place,
    short non-ASCII ones encoded by the threads, longer ones the serial way)."""
    from ngramvec.models._phrases import TokenTable
    table = TokenTable()
    cut = [len(sents) * i // n_calls for i in range(n_calls + 1)]
    ids = []
    for a, b in zip(cut[:-1], cut[1:]):
        got, lengths = table.encode(sents[a:b], a, n_threads)
        assert lengths.tolist() == [len(s) for s in sents[a:b]]
        ids.extend(got.tolist())
    want_ids, want_keys, want_counts = _first_ids(sents)
    assert ids == want_ids
    assert table.keys() == want_keys
    assert table.counts().tolist() == want_counts
    assert table.n_tokens == len(want_ids)


@pytest.mark.parametrize("late", ["ü" * 200, "x", None])
def test_token_table_many_chunks_and_a_late_slow_token(late):
    """Enough tokens for several chunks of lookups (the first ones all new), a token
    the threads leave to the serial path late in the batch (the counts of the tokens
    before it are not counted twice), and the errors raised there."""
    from ngramvec.models._phrases import TokenTable
    rng = np.random.default_rng(7)
    words = [f"w{i}" for i in range(5000)] + ["naïve", "\u4e2d\u6587", "\U0001f600"]
    z = rng.zipf(1.3, 60_000) % len(words)
    flat = [words[i] for i in z]
    sents = [flat[i:i + 37] for i in range(0, len(flat), 37)]
    if late is not None:
        sents[-3] = sents[-3] + [late]
    for n_threads in (1, 2):
        table = TokenTable()
        ids, _ = table.encode(sents, 0, n_threads)
        want_ids, want_keys, want_counts = _first_ids(sents)
        assert ids.tolist() == want_ids
        assert table.keys() == want_keys
        assert table.counts().tolist() == want_counts
    with pytest.raises(TypeError, match=r"the corpus holds the token 3 \(int\)"):
        TokenTable().encode(sents + [["a", 3]], 0, 2)
    with pytest.raises(ValueError, match="the corpus holds an empty token"):
        TokenTable().encode(sents + [["a", ""]], 0, 2)


def test_non_ascii_tokens_equal_gensim():
    sents = [["über", "straße", "naïve", "café"], ["die", "über", "straße", "ist"],
             ["une", "naïve", "café", "noir"], ["über", "straße"]] * 4
    ours = nv.Phrases(min_count=1, threshold=0.5).fit(sents)
    assert ours.export_phrases() == G(sents, min_count=1, threshold=0.5).export_phrases()
    assert "über_straße" in ours.export_phrases()


@pytest.mark.parametrize("scoring, threshold", [(0, 1.0), (1, 0.05), (1, -0.5)])
def test_select_kernel_matches_the_scores(scoring, threshold):
    """phrases_select keeps exactly the candidates phrases_score scores above the
    threshold, with gapped rows mapped to their first word."""
    import scipy.sparse as sp

    from ngramvec.models._phrases import phrases_score, phrases_select
    rng = np.random.default_rng(scoring)
    n_units, n_lefts = 30, 7
    counts = rng.integers(1, 60, n_units).astype(np.int64)
    left_word = rng.integers(0, n_units, n_lefts).astype(np.int32)
    dense = rng.integers(0, 6, (n_units + n_lefts, n_units)) * (rng.random(
        (n_units + n_lefts, n_units)) < 0.3)
    m = sp.csr_matrix(dense.astype(np.float64))
    rows = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))
    first = np.where(rows < n_units, rows, left_word[np.maximum(rows - n_units, 0)])
    ca, cb, cab = counts[first], counts[m.indices], m.data.astype(np.int64)
    ref = np.empty(m.nnz)
    phrases_score(ca, cb, cab, scoring, 2, 500.0, 900.0, ref)
    keep = np.flatnonzero(ref > threshold)
    assert 0 < len(keep) < m.nnz
    r, f, last, c, sc, n_keep = phrases_select(m.indptr.astype(np.int64), m.indices, m.data,
                                                counts, left_word, scoring, 2, 500.0, 900.0,
                                                threshold)
    assert n_keep == len(keep) == len(r)
    np.testing.assert_array_equal(r, rows[keep])
    np.testing.assert_array_equal(f, first[keep])
    np.testing.assert_array_equal(last, m.indices[keep])
    np.testing.assert_array_equal(c, cab[keep])
    assert sc.tolist() == ref[keep].tolist()
    with pytest.raises(ValueError, match="the columns must be in"):
        bad = m.indices.copy()
        bad[0] = n_units
        phrases_select(m.indptr.astype(np.int64), bad, m.data, counts, left_word, scoring, 2,
                       500.0, 900.0, threshold)
    with pytest.raises(ValueError, match="indptr must have n_units"):
        phrases_select(m.indptr.astype(np.int64), m.indices, m.data, counts,
                       left_word[:-1], scoring, 2, 500.0, 900.0, threshold)


def test_unknown_words_and_connectors_in_transform():
    sents, conn = generated(7)
    model = nv.Phrases(min_count=2, threshold=1.0, connector_words=conn | {"zz"}).fit(sents)
    phrases = model.export_phrases()
    key = next(k for k in phrases if k.count("_") >= 2)      # a phrase with a connector
    toks = key.split("_")
    s = ["zz", "new"] + toks + ["zz", "q"] + toks[:-1] + ["zz"] + toks[-1:]
    assert model[s] == merge_reference(s, phrases, conn | {"zz"})
    assert model[s][2] == key


# --------------------------------------------------------------------------- API


def test_views_getitem_and_fit_transform(demo):
    model = nv.Phrases(connector_words=E).fit(demo)
    view = model.phrase_corpus(demo[:200])
    first = list(view)
    assert first == list(view) == model.transform(demo[:200])
    assert model[demo[:200]] is not None and list(model[demo[:200]]) == first
    assert model[demo[3]] == first[3]
    assert model[[]] == []
    assert nv.Phrases(connector_words=E).fit_transform(demo[:300]) == \
        nv.Phrases(connector_words=E).fit(demo[:300]).transform(demo[:300])
    # the view is a corpus for the next stage: merged tokens are kept
    enc = nv.Corpus(view, lowercase=False).encoded()
    assert any("_" in k for k in enc.lexicon_keys)


def test_save_load_round_trip(demo, tmp_path):
    model = nv.Phrases(connector_words=E, max_order=3, threshold=20.0).fit(demo)
    path = tmp_path / "phrases.npz"
    model.save(path)
    back = nv.Phrases.load(path)
    assert back.export_phrases() == model.export_phrases()
    assert back.connector_words == E and back.max_order == 3 and back.threshold == 20.0
    assert back.transform(demo[:500]) == model.transform(demo[:500])
    assert back.pass_stats_ == model.pass_stats_


def test_load_refuses_damaged_files(demo, tmp_path):
    model = nv.Phrases().fit(demo[:2000])
    path = tmp_path / "p.npz"
    model.save(path)
    with np.load(path) as f:
        arrays = dict(f)
    arrays["phrase_offsets_"] = arrays["phrase_offsets_"][:-1]
    bad = tmp_path / "bad.npz"
    np.savez(bad, **arrays)
    with pytest.raises(VectorsFormatError, match="bad.npz"):
        nv.Phrases.load(bad)
    with pytest.raises(VectorsFormatError, match="holds a Phrases, not a SGNS"):
        nv.SGNS.load(path)


def test_no_phrases_and_unfitted(demo):
    model = nv.Phrases(threshold=1e12).fit(demo[:500])
    assert model.export_phrases() == {} and model.phrases_ == []
    assert model.transform(demo[:5]) == demo[:5]
    from sklearn.exceptions import NotFittedError
    with pytest.raises(NotFittedError, match="This Phrases instance is not fitted yet"):
        nv.Phrases().export_phrases()


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("kw, match", [
    ({"threshold": 0.0}, r"The 'threshold' parameter of Phrases must be a float in the range "
                         r"\(0, inf\) for scoring='default'. Got 0.0 instead."),
    ({"threshold": -3.0}, r"'threshold' parameter of Phrases .* \(0, inf\)"),
    ({"scoring": "npmi", "threshold": 1.5},
     r"The 'threshold' parameter of Phrases must be a float in the range \(-1, 1\] for "
     r"scoring='npmi'. Got 1.5 instead."),
    ({"scoring": "npmi", "threshold": -1.0}, r"'threshold' parameter of Phrases .*\(-1, 1\]"),
    ({"scoring": "pmi"}, r"The 'scoring' parameter of Phrases must be a str among "
                         r"\{'default', 'npmi'\}"),
    ({"min_count": 0}, r"The 'min_count' parameter of Phrases must be an int"),
    ({"max_order": 1}, r"The 'max_order' parameter of Phrases must be an int in the range "
                       r"\[2, 8\]"),
    ({"delimiter": ""}, r"The 'delimiter' parameter of Phrases must be a non-empty str"),
    ({"delimiter": "a b"}, r"'delimiter' parameter of Phrases must be a non-empty str without "
                           r"whitespace"),
    ({"connector_words": "the"}, r"The 'connector_words' parameter of Phrases must be an "
                                 r"iterable of str"),
    ({"connector_words": {"of_the"}}, r"'connector_words' parameter of Phrases holds 'of_the', "
                                      r"which contains the 'delimiter' '_'"),
    ({"connector_words": {""}}, r"'connector_words' parameter of Phrases must hold non-empty"),
])
def test_bad_parameters(kw, match):
    with pytest.raises((ValueError, TypeError), match=match):
        nv.Phrases(**kw).fit([["a", "b"]])


def test_delimiter_inside_a_token():
    sents = [["new", "york"], ["new_york", "city"]]
    with pytest.raises(ValueError, match=r"The 'delimiter' parameter of Phrases \('_'\) occurs "
                                         r"inside the token 'new_york' of the corpus"):
        nv.Phrases().fit(sents)
    # another delimiter is fine
    assert nv.Phrases(min_count=1, threshold=0.01, delimiter="+").fit(sents)


def test_bad_corpora():
    with pytest.raises(CorpusError, match="the corpus has no tokens"):
        nv.Phrases().fit([[], []])
    with pytest.raises(TypeError, match="sentence 1 of the corpus is a str"):
        nv.Phrases().fit([["a"], "b c"])
    with pytest.raises(ValueError, match="the corpus holds an empty token ''"):
        nv.Phrases().fit([["a", ""]])
    with pytest.raises(TypeError, match=r"the corpus holds the token 3 \(int\)"):
        nv.Phrases().fit([["a", 3]])
    model = nv.Phrases(min_count=1, threshold=0.01).fit([["a", "b"]] * 3)
    with pytest.raises(TypeError, match="got a str sentence"):
        model.transform(["a b"])
    with pytest.raises(TypeError, match="not a str"):
        model["a b"]


# --------------------------------------------------------------------------- CLI


def test_cli_phrases(tmp_path, demo):
    out, table, saved = tmp_path / "phrased.txt", tmp_path / "phrases.tsv", tmp_path / "m.npz"
    status = cli_main(["phrases", nv.dataset_path("demo"), "-o", str(out), "--connector-words",
                       "english", "--export", str(table), "--save-model", str(saved), "-q"])
    assert status == 0
    model = nv.Phrases(connector_words=E).fit(demo)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert [line.split(" ") for line in lines] == model.transform(demo)
    rows = [line.split("\t") for line in table.read_text(encoding="utf-8").splitlines()]
    assert {k: float(s) for k, s, _ in rows} == model.export_phrases()
    assert nv.Phrases.load(saved).export_phrases() == model.export_phrases()


def test_cli_phrases_errors(tmp_path, capsys):
    out = tmp_path / "o.txt"
    assert cli_main(["phrases", nv.dataset_path("demo"), "-o", str(out), "--threshold", "0"]) == 2
    assert "The 'threshold' parameter of Phrases must be a float in the range (0, inf)" in \
        capsys.readouterr().err
    assert cli_main(["phrases", nv.dataset_path("demo"), "-o", str(out), "--connector-words",
                     str(tmp_path / "missing.txt")]) == 2
    assert "cannot read the --connector-words file" in capsys.readouterr().err
    assert not out.exists()


# --------------------------------------------------------------------------- counting paths
# fit counts in memory by hash partitions (phrases_count_select) when 16 bytes a token
# fit memory_limit, else in the spill accumulators: the same model either way.


def _fit_with(monkeypatch, method, corpus, **kw):
    import ngramvec.models.phrases as phrases_mod
    original = phrases_mod.Phrases._fit_pass

    def forced(self, *args, **kwargs):
        kwargs["method"] = method
        return original(self, *args, **kwargs)
    monkeypatch.setattr(phrases_mod.Phrases, "_fit_pass", forced)
    try:
        return nv.Phrases(**kw).fit(corpus)
    finally:
        monkeypatch.setattr(phrases_mod.Phrases, "_fit_pass", original)


@pytest.mark.parametrize("setting", ["default", "npmi-connectors", "connectors"])
def test_partition_and_spill_counting_give_the_same_model(monkeypatch, demo, setting):
    kw = dict(SETTINGS[setting], max_order=3)
    spill = _fit_with(monkeypatch, "spill", demo, n_threads=2, **kw)
    assert spill.pass_stats_[0]["n_phrases"] > 0
    for n_threads in (1, 3):
        part = _fit_with(monkeypatch, "partition", demo, n_threads=n_threads, **kw)
        assert part.phrases_ == spill.phrases_            # same phrases, same order
        np.testing.assert_array_equal(part.scores_, spill.scores_)
        np.testing.assert_array_equal(part.counts_, spill.counts_)
        assert part.tokens_ == spill.tokens_
        for a, b in zip(part.pass_stats_, spill.pass_stats_):
            assert {k: v for k, v in a.items() if k != "seconds"} == \
                {k: v for k, v in b.items() if k != "seconds"}


def test_fit_of_a_path_reads_with_threads(tmp_path):
    path = nv.dataset_path("demo")
    one = nv.Phrases(connector_words=E, n_threads=1).fit(path)
    two = nv.Phrases(connector_words=E, n_threads=2).fit(path)
    assert two.export_phrases() == one.export_phrases() and two.phrases_ == one.phrases_


def test_count_select_kernel_against_the_reference():
    from ngramvec.models._phrases import (SCORING, GapIndex, phrases_count_select,
                                          phrases_intern_gaps)
    rng = np.random.default_rng(3)
    n_units = 12
    is_conn = np.zeros(n_units, np.uint8)
    is_conn[[0, 1]] = 1
    lengths = rng.integers(0, 12, 300)
    ids = rng.integers(0, n_units, int(lengths.sum())).astype(np.int32)
    ends = np.cumsum(lengths).astype(np.int64)
    counts = np.bincount(ids, minlength=n_units).astype(np.int64)
    sents = [[str(u) for u in ids[a:b]] for a, b in zip(np.r_[0, ends[:-1]], ends)]
    want = reference(sents, 2, 0.5, "default", {"0", "1"})
    cands = set()
    for sent in sents:
        start, between = None, []
        for w in sent:
            if w in ("0", "1"):
                if start is not None:
                    between.append(w)
                continue
            if start is not None:
                cands.add((start, *between, w))
            start, between = w, []
    n_cand = len(cands)
    gi = GapIndex()
    phrases_intern_gaps(gi, ids, ends, is_conn, 0, len(ends), lefts=False)
    n_words = int(np.count_nonzero(counts[is_conn == 0]))
    run_prev, run_conn, _, _ = gi.tables()
    for T, bits in ((1, 1), (2, 3), (4, 8)):
        got = phrases_count_select(ids, ends, is_conn, gi, counts, SCORING["default"], 2,
                                   n_words, float(len(ids)), 0.5, T, bits)
        n_candidates, runs, first, last, _, scores = got
        assert n_candidates == n_cand
        found = {}
        for r, a, b, s in zip(runs, first, last, scores):
            run = []
            while r > 0:
                run.append(str(run_conn[r - 1]))
                r = run_prev[r - 1]
            found["_".join([str(a)] + run[::-1] + [str(b)])] = s
        assert found == want


def test_count_select_kernel_refuses_bad_input():
    from ngramvec.models._phrases import GapIndex, phrases_count_select
    ids = np.array([0, 1, 2, 1], np.int32)
    ends = np.array([2, 4], np.int64)
    conn = np.zeros(3, np.uint8)
    counts = np.array([1, 2, 1], np.int64)
    args = (0, 1, 3, 4.0, 1.0, 2)
    with pytest.raises(ValueError, match="out of range.*sentence 1"):
        phrases_count_select(np.array([0, 1, 2, 3], np.int32), ends, conn, GapIndex(), counts,
                             *args, 1)
    with pytest.raises(ValueError, match="one entry per unit"):
        phrases_count_select(ids, ends, conn, GapIndex(), counts[:2], *args, 1)
    with pytest.raises(ValueError, match="part_bits"):
        phrases_count_select(ids, ends, conn, GapIndex(), counts, *args, 0)
    with pytest.raises(ValueError, match="sentence ends"):
        phrases_count_select(ids, np.array([3, 2], np.int64), conn, GapIndex(), counts,
                             *args, 1)
    with pytest.raises(ValueError, match="out of range.*sentence 1"):   # id 2 not mapped
        phrases_count_select(ids, ends, conn, GapIndex(), counts, *args, 1,
                             np.array([0, 1], np.int32))
