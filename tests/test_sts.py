"""Tests of ngramvec.sts: STS Benchmark loading and evaluation."""
from __future__ import annotations

import numpy as np
import pytest

from ngramvec.base.exceptions import CorpusError
from ngramvec.vectors.postprocess import SIF, Whitening, WordAverage, tokenize_sentence
from ngramvec.vectors.sts import STSDataset, load_sts, sts


@pytest.mark.parametrize("split, n", [("train", 5749), ("dev", 1500), ("test", 1379)])
def test_bundled_splits(split, n):
    data = load_sts(split)
    assert len(data) == n == len(data.sentences1) == len(data.sentences2) == len(data.genres)
    assert data.scores.dtype == np.float64
    assert data.scores.min() >= 0 and data.scores.max() <= 5
    assert set(data.genres) <= {"main-news", "main-captions", "main-forum", "main-forums"}
    assert len(data.sentences()) == 2 * n


def test_extra_fields_and_quotes(tmp_path):
    # lines may carry trailing source fields; quotes are ordinary characters
    path = tmp_path / "pairs.tsv"
    path.write_text('main-news\theadlines\t2016\t0281\t5\tHe said "yes\tShe said no\tsrc\tsrc\n'
                    "main-captions\tMSRvid\t2012test\t0024\t2.500\tA girl.\tA boy.\n\n",
                    encoding="utf-8")
    data = load_sts(path)
    assert data.sentences1 == ['He said "yes', "A girl."]
    assert data.sentences2 == ["She said no", "A boy."]
    np.testing.assert_array_equal(data.scores, [5.0, 2.5])
    # the bundled dev split has such lines too
    dev = load_sts("dev")
    i = dev.sentences1.index("US Supreme Court limits president's recess appointments power")
    assert dev.sentences2[i] == "High court checks President's recess appointment power"
    assert dev.scores[i] == 5.0


def test_load_errors(tmp_path):
    short = tmp_path / "short.tsv"
    short.write_text("a\tb\tc\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"short.tsv, line 1: expected at least 7 tab-separated "
                                          r"fields, got 3"):
        load_sts(short)
    bad = tmp_path / "bad.tsv"
    bad.write_text("g\tf\ty\ti\tfive\ts1\ts2\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"line 1: score 'five' is not a number"):
        load_sts(bad)
    empty = tmp_path / "empty.tsv"
    empty.write_text("\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="no sentence pairs"):
        load_sts(empty)
    with pytest.raises(FileNotFoundError, match="no such STS file"):
        load_sts(tmp_path / "missing.tsv")
    with pytest.raises(TypeError, match=r"The 'dataset' parameter of load_sts must be a str among "
                                        r"\{'train', 'dev', 'test'\} or a path. Got 3 instead."):
        load_sts(3)


def _oracle(data: STSDataset, noise: float = 0.0, seed: int = 0):
    """Vectors whose cosine grows with the gold score (plus optional noise)."""
    rng = np.random.default_rng(seed)
    theta = (5.0 - data.scores) / 5.0 * (np.pi / 2) + noise * rng.normal(size=len(data))
    first = np.tile([1.0, 0.0], (len(data), 1))
    second = np.column_stack([np.cos(theta), np.sin(theta)])
    return lambda sentences: np.vstack([first, second])


def test_perfect_embedder_scores_100():
    data = load_sts("dev")
    result = sts(_oracle(data), data)
    assert result.spearman == pytest.approx(100.0)
    assert float(result) == result.spearman
    assert (result.n_pairs, result.n_zero, result.dataset) == (1500, 0, "dev")
    noisy = sts(_oracle(data, noise=0.5), data)
    assert 0 < noisy.spearman < 100


def test_zero_vectors_count_and_score_zero():
    data = load_sts("dev")

    def embed(sentences):
        out = _oracle(data)(sentences)
        out[:10] = 0.0
        return out

    result = sts(embed, data)
    assert result.n_zero == 10 and np.isfinite(result.spearman)


def test_embedder_errors():
    data = load_sts("dev")
    with pytest.raises(TypeError, match="The 'embedder' parameter of sts must be a fitted "
                                        "transformer"):
        sts(42, data)
    with pytest.raises(ValueError, match=r"returned an array of shape \(3, 2\) for 3000 sentences"):
        sts(lambda s: np.ones((3, 2)), data)
    with pytest.raises(ValueError, match="returned NaN or infinity"):
        sts(lambda s: np.full((len(s), 2), np.nan), data)


@pytest.mark.needs_extensions  # the core tokenizer is compiled
def test_sentence_embedders_on_sts():
    """End to end on random word vectors: runs, finite, fitted on train only."""
    train = load_sts("train")
    vocab = sorted({t for s in train.sentences() for t in tokenize_sentence(s)})
    rng = np.random.default_rng(0)
    counts = rng.zipf(1.5, size=len(vocab)).astype(np.int64)

    class KV:
        vectors = rng.normal(size=(len(vocab), 8)).astype(np.float32)
        index_to_key = vocab
        key_to_index = {k: i for i, k in enumerate(vocab)}

    KV.counts = counts
    sif = SIF(KV()).fit(train.sentences())
    result = sts(sif, "test")
    assert np.isfinite(result.spearman) and -100 <= result.spearman <= 100
    from sklearn.pipeline import make_pipeline

    pipe = make_pipeline(WordAverage(KV()), Whitening()).fit(train.sentences())
    assert np.isfinite(sts(pipe, "test").spearman)
