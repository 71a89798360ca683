"""The estimator contract, checked over every model and transformer at once:
params-only __init__, get_params / set_params, sklearn.clone, fitted attributes ending
in "_", NotFittedError before fit, the one parameter table, the one callback protocol."""
from __future__ import annotations

import inspect

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

import ngramvec as nv
from ngramvec.base.estimator import EPOCH_STATS, Estimator
from ngramvec.base.validation import PARAMETERS, check_param
from ngramvec.vectors.postprocess import SIF, USIF, AllButTheTop, CoSENT, CosineRegression, \
    SentencePairEncoder, Whitening, WordAverage


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(3)
    words = [f"w{i}" for i in range(12)]
    sents = [" ".join(rng.choice(words, 8)) for _ in range(200)]
    corpus = nv.Corpus(sents)
    vocab = nv.Vocabulary.build(corpus, min_count=1)
    counts = nv.count_cooccurrences(corpus, vocab, window=2)
    counts_zipf = np.array([100] + [5] * 11)          # uSIF needs word frequencies that vary
    kv = nv.KeyedVectors(rng.normal(size=(12, 6)).astype(np.float32), vocab.index_to_key,
                         counts_zipf)
    token_lists = [s.split() for s in sents]
    return {"corpus": corpus, "counts": counts,
            "pairs": nv.pairs_from_corpus(corpus, vocab, window=2), "ppmi": nv.PPMI().fit_transform(counts),
            "X": rng.normal(size=(50, 6)), "kv": kv, "sentences": token_lists,
            "scores": rng.uniform(0, 5, 100)}


def _fit_pairs(est, d):
    return est.fit(d["X"][:25], d["X"][25:], d["scores"][:25])


def _fit_text_pairs(est, d):
    return est.fit(d["sentences"][:100], d["sentences"][100:], d["scores"])


# (class, constructor kwargs, fit(est, data), use(est, data)) for every estimator
CASES = {
    "SGNS": (nv.SGNS, dict(dim=4, window=2, epochs=1, min_count=1, n_threads=1),
             lambda e, d: e.fit(d["corpus"]), lambda e, d: nv.KeyedVectors.from_model(e)),
    # arbitrary contexts: positional (hyperwords' pos), and a pair source (word2vecf)
    "SGNS[pos]": (nv.SGNS, dict(dim=4, window=2, epochs=1, min_count=1, n_threads=1,
                                contexts="pos", sample=0),
                  lambda e, d: e.fit(d["corpus"]), lambda e, d: nv.KeyedVectors.from_model(e)),
    "SGNS[pairs]": (nv.SGNS, dict(dim=4, epochs=1, n_threads=1),
                    lambda e, d: e.fit(d["pairs"]), lambda e, d: nv.KeyedVectors.from_model(e)),
    "GloVe": (nv.GloVe, dict(dim=4, epochs=1, n_threads=1),
              lambda e, d: e.fit(d["counts"]), lambda e, d: nv.KeyedVectors.from_model(e)),
    "PPMI": (nv.PPMI, dict(cds=0.5), lambda e, d: e.fit(d["counts"]),
             lambda e, d: e.transform(d["counts"])),
    "SVD": (nv.SVD, dict(dim=3), lambda e, d: e.fit(d["ppmi"]),
            lambda e, d: e.transform(d["ppmi"])),
    "Whitening": (Whitening, dict(n_components=3), lambda e, d: e.fit(d["X"]),
                  lambda e, d: e.transform(d["X"])),
    "AllButTheTop": (AllButTheTop, dict(n_components=1), lambda e, d: e.fit(d["X"]),
                     lambda e, d: e.transform(d["X"])),
    "WordAverage": (WordAverage, dict(), lambda e, d: e.fit(),
                    lambda e, d: e.transform(d["sentences"])),
    "SIF": (SIF, dict(n_components=1), lambda e, d: e.fit(d["sentences"]),
            lambda e, d: e.transform(d["sentences"])),
    "USIF": (USIF, dict(n_components=1), lambda e, d: e.fit(d["sentences"]),
             lambda e, d: e.transform(d["sentences"])),
    "CoSENT": (CoSENT, dict(n_components=3, max_iter=5), _fit_pairs,
               lambda e, d: e.transform(d["X"])),
    "CosineRegression": (CosineRegression, dict(max_iter=5), _fit_pairs,
                         lambda e, d: e.transform(d["X"])),
    "SentencePairEncoder": (SentencePairEncoder, dict(), _fit_text_pairs,
                            lambda e, d: e.transform(d["sentences"])),
    "Phrases": (nv.Phrases, dict(min_count=1, threshold=0.5, n_threads=1),
                lambda e, d: e.fit(d["sentences"]), lambda e, d: e.transform(d["sentences"])),
}
NEEDS_KV = {"WordAverage", "SIF", "USIF"}


def make(name, data, **extra):
    cls, kwargs, _, _ = CASES[name]
    if name in NEEDS_KV:
        kwargs = dict(kwargs, keyed_vectors=data["kv"])
    if name == "SentencePairEncoder":
        kwargs = dict(encoder=WordAverage(data["kv"]), head=CoSENT(max_iter=3))
    return cls(**{**kwargs, **extra})


@pytest.mark.parametrize("name", sorted(CASES))
def test_contract(name, data):
    cls, kwargs, fit, use = CASES[name]
    est = make(name, data)
    assert isinstance(est, Estimator)
    # __init__ stores its arguments as they are, under their own names
    params = est.get_params(deep=False)
    assert list(params) == [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
    for k, v in kwargs.items():
        assert params[k] is v or params[k] == v
    # before fit: NotFittedError, and scikit-learn agrees
    with pytest.raises(NotFittedError, match=f"This {cls.__name__} instance is not fitted yet"):
        use(est, data)
    with pytest.raises(NotFittedError):
        check_is_fitted(est)
    # clone: same parameters, unfitted, independent
    twin = clone(est)
    assert type(twin) is cls and twin is not est
    assert twin.get_params(deep=False).keys() == params.keys()
    assert fit(est, data) is est
    check_is_fitted(est)
    use(est, data)
    fresh = clone(est)
    with pytest.raises(NotFittedError):
        use(fresh, data)
    assert fit(fresh, data) is fresh
    # what fit set (apart from the parameters) is private or ends in "_"
    public = [k for k in vars(est) if not k.startswith("_") and k not in params]
    assert public and all(k.endswith("_") for k in public), public
    # set_params: known names only, returns self, nothing checked until fit
    assert est.set_params() is est
    with pytest.raises(ValueError,
                       match=f"Invalid parameter 'nonsense' for estimator {cls.__name__}"):
        est.set_params(nonsense=1)


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_parameter_is_in_the_one_table(name):
    for p in CASES[name][0]._get_param_names():
        assert p in PARAMETERS, f"{name}.{p} has no entry in PARAMETERS"


@pytest.mark.parametrize("name, bad", [("SGNS", {"window": 0}), ("GloVe", {"dim": 0}),
                                       ("PPMI", {"cds": 2.0}), ("SVD", {"eig": -1.0}),
                                       ("Whitening", {"eps": 0.0}),
                                       ("AllButTheTop", {"n_components": -2}),
                                       ("SIF", {"a": 0.0}), ("USIF", {"normalize": "rows"}),
                                       ("WordAverage", {"lowercase": "no"}),
                                       ("WordAverage", {"weights": "last"}),
                                       ("CoSENT", {"lam": 0.0}),
                                       ("CosineRegression", {"target_range": "[0, 5]"}),
                                       ("Phrases", {"scoring": "mikolov"})])
def test_init_does_not_validate_fit_does(name, bad, data):
    est = make(name, data, **bad)            # no error here: __init__ only stores
    (param, value), = bad.items()
    assert getattr(est, param) == value
    fit = CASES[name][2]
    with pytest.raises((TypeError, ValueError),
                       match=rf"The '{param}' parameter of {name} must be "):
        fit(est, data)


def test_set_params_and_clone_keep_nested_objects(data):
    sif = make("SIF", data)
    twin = clone(sif)                      # scikit-learn deep-copies non-estimator parameters
    np.testing.assert_array_equal(twin.keyed_vectors.vectors, data["kv"].vectors)
    sif.set_params(a=0.01, n_components=2)
    assert sif.get_params()["a"] == 0.01 and sif.n_components == 2


def test_repr_shows_changed_parameters():
    assert repr(nv.SGNS()) == "SGNS()"
    assert repr(nv.SGNS(dim=50, window=2)) == "SGNS(dim=50, window=2)"
    assert repr(nv.PPMI(dtype=np.float64)) == "PPMI(dtype=<class 'numpy.float64'>)"
    assert repr(Whitening(n_components=3)) == "Whitening(n_components=3)"


def test_one_range_per_parameter_name(data):
    """count_cooccurrences and SGNS take the same 'window'; both messages give one range."""
    msg = "must be an int in the range [1, 10000]. Got 0 instead."
    with pytest.raises(ValueError) as sgns:
        nv.SGNS(window=0).fit(data["corpus"])
    with pytest.raises(ValueError) as counting:
        nv.count_cooccurrences(data["corpus"], data["counts"].row_vocab, window=0)
    assert str(sgns.value).endswith(msg) and str(counting.value).endswith(msg)
    assert str(sgns.value).startswith("The 'window' parameter of SGNS")


@pytest.mark.parametrize("name, value, exc, match", [
    ("window", 10001, ValueError, r"The 'window' parameter of f must be an int in the range "
                                  r"\[1, 10000\]. Got 10001 instead."),
    ("window", 2.0, TypeError, r"The 'window' parameter of f must be an int"),
    ("dim", True, TypeError, r"The 'dim' parameter of f must be an int in the range \[1, inf\)"),
    ("sample", -0.1, ValueError, r"The 'sample' parameter of f must be a float in the range "
                                 r"\[0, inf\) or None. Got -0.1 instead."),
    ("lr", 0.0, ValueError, r"The 'lr' parameter of f must be a float in the range \(0, inf\)"),
    ("cds", 1.5, ValueError, r"The 'cds' parameter of f must be a float in the range \(0, 1\]"),
    ("eps", 1.0, ValueError, r"The 'eps' parameter of f must be a float in the range \(0, 1\)"),
    ("vectors", "both", ValueError, r"The 'vectors' parameter of f must be a str among "
                                    r"\{'word', 'word\+context', 'context'\}. Got 'both'"),
    ("subsampling", 1, TypeError, r"The 'subsampling' parameter of f must be a str among "
                                  r"\{'dirty', 'clean'\} or None. Got 1 instead."),
    ("dtype", np.int32, ValueError, r"The 'dtype' parameter of f must be float32 or float64"),
    ("contexts", 3, TypeError, r"The 'contexts' parameter of f must be a str such as 'word' or "
                               r"'uni_bi' or None. Got 3 instead."),
    ("memory_limit", "lots", ValueError, r"The 'memory_limit' parameter of f must be an int of "
                                         r"bytes >= 1 or a str such as '4GB'"),
    ("seed", -1, ValueError, r"The 'seed' parameter of f must be an int in the range \[0, "),
    ("n_threads", 1.5, TypeError, r"The 'n_threads' parameter of f must be an int"),
    ("compute_loss", 1, TypeError, r"The 'compute_loss' parameter of f must be a bool. Got 1"),
])
def test_check_param_messages(name, value, exc, match):
    with pytest.raises(exc, match=match):
        check_param(value, name, "f")


def test_check_param_normalises_and_rejects_unknown_names():
    assert check_param(np.int64(3), "window", "f") == 3 and type(check_param(3, "lr", "f")) is float
    assert check_param("float64", "dtype", "f") == np.float64
    assert check_param(None, "max_size", "f") is None
    assert check_param("2KB", "memory_limit", "f") == 2048
    with pytest.raises(LookupError, match="'wndow' of f has no entry in"):
        check_param(1, "wndow", "f")


def test_one_callback_protocol(data):
    """SGNS and GloVe call back with a dict sharing the keys of the same meaning."""
    got = {}
    for name in ("SGNS", "GloVe"):
        est = make(name, data, epochs=3)
        seen = []
        fit_data = data["corpus"] if name == "SGNS" else data["counts"]
        est.fit(fit_data, callback=lambda stats: seen.append(stats) or len(seen) < 2)
        assert [s["epoch"] for s in seen] == [1, 2] and est.epochs_trained_ == 2
        assert est.history_ == seen
        got[name] = seen[0]
        # continuing training has one name, and the same callback
        more = []
        est.partial_fit(fit_data, 2, callback=more.append)
        assert [s["epoch"] for s in more] == [3, 4] and est.epochs_trained_ == 4
    for key in EPOCH_STATS:
        assert key in got["SGNS"] and key in got["GloVe"], key


# --------------------------------------------------------------------------- n_threads
# Issue 10, item 2: a huge n_threads crashed inside GOMP_parallel, and 0 / -1 were
# accepted with no documented meaning. None means every core; ints are in [1, 1024].

@pytest.mark.parametrize("value", [0, -1, 1025, 100000])
def test_n_threads_out_of_range_is_refused_everywhere(value, tmp_path):
    import ngramvec as nv
    msg = (r"The 'n_threads' parameter of {} must be an int in the range \[1, 1024\]\. "
           rf"Got {value} instead\.")
    corpus = nv.Corpus(["a b c a b", "b c a"])
    vocab = nv.Vocabulary.build(corpus, min_count=1)
    with pytest.raises(ValueError, match=msg.format("count_cooccurrences")):
        nv.count_cooccurrences(corpus, vocab, n_threads=value)
    with pytest.raises(ValueError, match=msg.format("SGNS")):
        nv.SGNS(min_count=1, n_threads=value).fit(corpus)
    with pytest.raises(ValueError, match=msg.format("Vocabulary.build")):
        nv.Vocabulary.build(corpus, min_count=1, ngram_orders=(1, 2), n_threads=value)
    counts = nv.count_cooccurrences(corpus, vocab, window=2)
    with pytest.raises(ValueError, match=msg.format("GloVe")):
        nv.GloVe(dim=2, n_threads=value).fit(counts)


def test_n_threads_none_is_every_core_and_more_than_cores_is_allowed():
    import ngramvec as nv
    from ngramvec.base.validation import available_cores, check_n_threads
    assert check_n_threads(None, "x") == available_cores()
    corpus = nv.Corpus(["a b c a b", "b c a"])
    vocab = nv.Vocabulary.build(corpus, min_count=1)
    one = nv.count_cooccurrences(corpus, vocab, n_threads=1).matrix
    many = nv.count_cooccurrences(corpus, vocab, n_threads=64).matrix
    assert (one != many).nnz == 0
