"""Tests of SentencePairEncoder: an encoder and a head fitted on text pairs, saved together."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline

import ngramvec as nv
from ngramvec.base.exceptions import VectorsFormatError
from ngramvec.vectors.postprocess import SIF, USIF, CoSENT, CosineRegression, \
    SentencePairEncoder, Whitening, WordAverage

N_WORDS = 40


@pytest.fixture(scope="module")
def data():
    """Word vectors where words 0-19 and 20-39 form two topics, and scored text pairs.

    A pair is similar (score 5) when both sentences are from the same topic, unrelated
    (score 0) otherwise, with a few in between. The topic direction is one coordinate
    among 10, buried under a large common direction.
    """
    rng = np.random.default_rng(7)
    words = [f"w{i}" for i in range(N_WORDS)]
    topic = np.where(np.arange(N_WORDS) < 20, 1.0, -1.0)
    vectors = rng.normal(size=(N_WORDS, 10)) * 0.5 + 3.0
    vectors[:, 0] += 0.7 * topic
    kv = nv.KeyedVectors(vectors.astype(np.float32), words,
                         (1000 / np.arange(1, N_WORDS + 1)).astype(np.int64) + 1)

    def sentence(t):
        ids = rng.integers(0, 20, rng.integers(3, 9)) + (20 if t else 0)
        return [words[i] for i in ids]

    def pairs(n):
        ta, tb = rng.integers(0, 2, n), rng.integers(0, 2, n)
        mixed = rng.random(n) < 0.2
        a = [sentence(t) for t in ta]
        b = [sentence(t) if not m else sentence(t) + sentence(1 - t)
             for t, m in zip(tb, mixed)]
        s = np.where(ta == tb, 5.0, 0.0)
        s[mixed] = 2.5
        return a, b, s

    return {"kv": kv, "train": pairs(600), "test": pairs(300)}


@pytest.mark.parametrize("encoder, head", [
    (lambda kv: WordAverage(kv), lambda: CoSENT(init="identity")),
    (lambda kv: SIF(kv), lambda: CoSENT(n_components=4)),
    (lambda kv: USIF(kv, n_components=1), lambda: CosineRegression()),
    (lambda kv: WordAverage(kv, weights="position"), lambda: CoSENT(batch_size=64, lr=0.01,
                                                                    max_iter=20)),
])
def test_fit_transform_and_score(data, encoder, head):
    kv = data["kv"]
    pair = SentencePairEncoder(encoder(kv), head())
    assert pair.fit(*data["train"]) is pair
    a, b, s = data["test"]
    Z = pair.transform(a)
    np.testing.assert_array_equal(Z, pair.head.transform(pair.encoder.transform(a)))
    raw = SentencePairEncoder(encoder(kv), Whitening(n_components=8)).fit(*data["train"])
    assert pair.score(a, b, s) > 0.6 and pair.score(a, b, s) > raw.score(a, b, s)
    # the fitted steps make an ordinary pipeline of sentences to vectors
    pipe = make_pipeline(pair.encoder, pair.head)
    np.testing.assert_array_equal(pipe.transform(a), Z)


def test_an_unsupervised_head_is_fitted_on_the_sentences(data):
    a, b, s = data["train"]
    pair = SentencePairEncoder(WordAverage(data["kv"]), Whitening()).fit(a, b, s)
    Z = pair.encoder.transform(a + b)
    np.testing.assert_allclose(np.cov(pair.head.transform(Z).T.astype(np.float64)), np.eye(10),
                               atol=1e-3)


def test_works_with_sts_on_strings(data):
    from ngramvec.vectors.sts import sts, STSDataset
    a, b, s = data["test"]
    pair = SentencePairEncoder(WordAverage(data["kv"]), CoSENT()).fit(*data["train"])
    ds = STSDataset("toy", [" ".join(x) for x in a], [" ".join(x) for x in b], s,
                    ["toy"] * len(s))
    res = sts(pair, ds)
    assert res.spearman == pytest.approx(100 * pair.score(a, b, s))


@pytest.mark.parametrize("head", [lambda: CoSENT(n_components=3, bias=True),
                                  lambda: CosineRegression(target_range="[0, 1]"),
                                  lambda: Whitening(n_components=5)])
def test_save_load_round_trip(tmp_path, data, head):
    kv = data["kv"]
    pair = SentencePairEncoder(SIF(kv, a=0.01), head()).fit(*data["train"])
    path = tmp_path / "pair.npz"
    pair.save(path)
    back = SentencePairEncoder.load(path, keyed_vectors=kv)
    assert type(back.encoder) is SIF and type(back.head) is type(pair.head)
    assert back.encoder.a == 0.01 and back.n_pairs_seen_ == 600
    assert back.head.get_params() == pair.head.get_params()
    a = data["test"][0]
    np.testing.assert_array_equal(back.transform(a), pair.transform(a))
    with pytest.raises(TypeError, match="SentencePairEncoder.load needs keyed_vectors="):
        SentencePairEncoder.load(path)
    other = nv.KeyedVectors(kv.vectors, [w.upper() for w in kv.index_to_key], kv.counts)
    with pytest.raises(VectorsFormatError, match=r"pair\.npz.*was saved with other word vectors"):
        SentencePairEncoder.load(path, keyed_vectors=other)
    with pytest.raises(VectorsFormatError, match="holds a SentencePairEncoder, not a SIF"):
        SIF.load(path, keyed_vectors=kv)


def test_load_refuses_damaged_parts(tmp_path, data):
    from ngramvec.base.persist import load_npz, save_npz
    kv = data["kv"]
    path = tmp_path / "pair.npz"
    SentencePairEncoder(WordAverage(kv), CoSENT()).fit(*data["train"]).save(path)
    saved = load_npz(path, "SentencePairEncoder")
    parts = saved.state["parts"]
    parts["head"]["class"] = "os.system"
    save_npz(path, "SentencePairEncoder", saved.arrays, {}, saved.state)
    with pytest.raises(VectorsFormatError, match=r"the head is a 'os.system', not one of"):
        SentencePairEncoder.load(path, keyed_vectors=kv)
    parts["head"]["class"] = "CoSENT"
    arrays = dict(saved.arrays)
    arrays["head.components_"] = arrays["head.components_"][:, :3]
    save_npz(path, "SentencePairEncoder", arrays, {}, saved.state)
    with pytest.raises(VectorsFormatError, match=r"the entry 'components_' must be"):
        SentencePairEncoder.load(path, keyed_vectors=kv)
    del parts["encoder"]
    save_npz(path, "SentencePairEncoder", saved.arrays, {}, saved.state)
    with pytest.raises(VectorsFormatError, match="the encoder is missing"):
        SentencePairEncoder.load(path, keyed_vectors=kv)


def test_bad_input(data):
    kv = data["kv"]
    a, b, s = data["train"]
    pair = SentencePairEncoder(WordAverage(kv), CoSENT())
    with pytest.raises(NotFittedError, match="This SentencePairEncoder instance is not fitted"):
        pair.transform(a)
    with pytest.raises(NotFittedError):
        pair.save("never-written.npz")
    with pytest.raises(ValueError, match=r"got 600 sentences_a, 599 sentences_b and 600 scores "
                                         r"\(mismatched lengths\)"):
        pair.fit(a, b[:-1], s)
    with pytest.raises(ValueError, match=r"got 600 sentences_a, 600 sentences_b and 3 scores"):
        pair.fit(a, b, s[:3])
    with pytest.raises(ValueError, match="all 600 scores are equal"):
        pair.fit(a, b, np.ones(600))
    bad = s.copy()
    bad[3] = np.nan
    with pytest.raises(ValueError, match=r"scores contains NaN or infinity in 1 pair\(s\) "
                                         r"\(first: pair 3\)"):
        pair.fit(a, b, bad)
    with pytest.raises(TypeError, match="needs sentences_a as an iterable of sentences"):
        pair.fit("one sentence", b, s)
    with pytest.raises(TypeError, match=r"The 'head' parameter of SentencePairEncoder must be an "
                                        r"estimator with fit and transform. Got str instead."):
        SentencePairEncoder(WordAverage(kv), "cosent").fit(a, b, s)
    with pytest.raises(ValueError, match=r"The 'lam' parameter of CoSENT must be"):
        SentencePairEncoder(WordAverage(kv), CoSENT(lam=0)).fit(a, b, s)
    from sklearn.decomposition import PCA
    fitted = SentencePairEncoder(WordAverage(kv), PCA(3)).fit(a, b, s)   # any transformer fits
    with pytest.raises(TypeError, match="cannot save the head of this SentencePairEncoder: a "
                                        "PCA"):
        fitted.save("never-written.npz")


def test_clone_and_nested_params(data):
    pair = SentencePairEncoder(SIF(data["kv"]), CoSENT(lam=10.0))
    params = pair.get_params()
    assert params["head__lam"] == 10.0 and params["encoder__a"] == 1e-3
    twin = clone(pair).set_params(head__lam=5.0)
    assert twin.head.lam == 5.0 and pair.head.lam == 10.0
