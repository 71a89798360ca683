"""One shared suite over every model: a synthetic corpus with a known answer, and
quality on real text (the bundled demo corpus) with calibrated thresholds."""
from __future__ import annotations

import numpy as np
import pytest

import ngramvec as nv


def _ppmi_svd(corpus, vocab, dim):
    counts = nv.count_cooccurrences(corpus, vocab, window=2)
    return nv.KeyedVectors.from_model(nv.SVD(dim=dim).fit(nv.PPMI().fit_transform(counts)))


def _ppmi_svd_uni_bi(corpus, vocab, dim):
    v2 = nv.Vocabulary.build(corpus, min_count=vocab.min_count, ngram_orders=(1, 2))
    counts = nv.count_cooccurrences(corpus, v2, window=2, contexts="uni_bi")
    return nv.KeyedVectors.from_model(nv.SVD(dim=dim).fit(nv.PPMI().fit_transform(counts)))


def _glove(corpus, vocab, dim, epochs=25):
    counts = nv.count_cooccurrences(corpus, vocab, window=5, weighting="harmonic")
    return nv.KeyedVectors.from_model(nv.GloVe(dim=dim, epochs=epochs, seed=0,
                                               n_threads=1).fit(counts))


def _sgns(corpus, vocab, dim, epochs=5):
    return nv.KeyedVectors.from_model(nv.SGNS(dim=dim, window=5, epochs=epochs, seed=0,
                                              n_threads=1, min_count=1).fit(corpus, vocab=vocab))


MODELS = {"ppmi-svd": _ppmi_svd, "ppmi-svd-uni_bi": _ppmi_svd_uni_bi, "glove": _glove,
          "sgns": _sgns}


@pytest.fixture(scope="module")
def clusters():
    """Two clusters of 15 words; a sentence draws 90% of its words from one cluster,
    10% from the other (so that GloVe, which only fits observed pairs, sees the
    contrast too)."""
    rng = np.random.default_rng(7)
    a = [f"a{i}" for i in range(15)]
    b = [f"b{i}" for i in range(15)]
    sents = []
    for _ in range(1500):
        own, other = (a, b) if rng.random() < 0.5 else (b, a)
        sents.append(" ".join(rng.choice(own) if rng.random() < 0.9 else rng.choice(other)
                              for _ in range(10)))
    corpus = nv.Corpus(sents)
    return corpus, nv.Vocabulary.build(corpus, min_count=1)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_model_separates_two_clusters(clusters, name):
    corpus, vocab = clusters
    wv = MODELS[name](corpus, vocab, 8)
    assert wv.vectors.dtype == np.float32 and np.isfinite(wv.vectors).all()
    for word in ("a0", "a7", "b3", "b14"):
        near = [k for k, _ in wv.most_similar(word, topn=3)]
        assert all(k[0] == word[0] for k in near), (name, word, near)


@pytest.fixture(scope="module")
def demo():
    corpus = nv.Corpus(nv.dataset_path("demo"))
    return corpus, nv.Vocabulary.build(corpus, min_count=5)


# thresholds: about 70% of what each model scored on the demo corpus when calibrated
# (PPMI-SVD dim 100: WS353 0.35-0.39, Google 3CosAdd 7.0% on 3,684 covered questions;
# GloVe: semantic 27%; SGNS: SimLex 0.125)
@pytest.mark.slow
def test_quality_on_demo_corpus_ppmi_svd(demo):
    wv = _ppmi_svd(*demo, dim=100)
    assert nv.evaluate.similarity(wv, "ws353").spearman > 0.25
    r = nv.evaluate.analogy(wv, "google")
    assert r.covered == 3684 and r.accuracy > 0.05
    assert "sherlock" in [k for k, _ in wv.most_similar("holmes", topn=3)]
    assert {"day", "morning", "evening"} & {k for k, _ in wv.most_similar("night", topn=3)}


@pytest.mark.slow
def test_quality_on_demo_corpus_glove(demo):
    wv = _glove(*demo, dim=50, epochs=15)
    r = nv.evaluate.analogy(wv, "google")
    assert r.semantic.accuracy > 0.12
    assert {"day", "morning", "evening"} & {k for k, _ in wv.most_similar("night", topn=5)}


@pytest.mark.slow
def test_quality_on_demo_corpus_sgns(demo):
    wv = _sgns(*demo, dim=50, epochs=3)
    assert nv.evaluate.similarity(wv, "simlex999").spearman > 0.05
    assert "sherlock" in [k for k, _ in wv.most_similar("holmes", topn=5)]
