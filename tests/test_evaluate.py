"""Tests of ngramvec.evaluate: same numbers as gensim on the bundled sets, loaders, errors."""
from __future__ import annotations

import math

import numpy as np
import pytest

from ngramvec.vectors import evaluate as ev
from ngramvec.datasets import DATASETS, dataset_path
from ngramvec.base.exceptions import CorpusError
from ngramvec.vectors.keyedvectors import KeyedVectors

gensim_kv = pytest.importorskip("gensim.models.keyedvectors")
pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated:DeprecationWarning")

DIM = 24


def _gensim(wv: KeyedVectors):
    g = gensim_kv.KeyedVectors(wv.vector_size)
    g.add_vectors(wv.index_to_key, wv.vectors)
    return g


@pytest.fixture(scope="module")
def structured():
    """Vectors for every word of the bundled sets, with a per-section offset so that
    many Google analogies are solved; mixed case and case variants; shuffled order."""
    rng = np.random.default_rng(0)
    vec: dict[str, np.ndarray] = {}
    for _, questions in ev._load_analogy(dataset_path("google")):
        offset = rng.standard_normal(DIM) * 1.5
        for a, b, c, d in questions:
            for x, y in ((a, b), (c, d)):
                if x not in vec:
                    vec[x] = rng.standard_normal(DIM)
                if y not in vec:
                    vec[y] = vec[x] + offset + 0.6 * rng.standard_normal(DIM)
    for name in ("ws353", "simlex999", "simverb3500"):
        for a, b, _ in ev._load_pairs(dataset_path(name)):
            for w in (a, b):
                if w not in vec:
                    vec[w] = rng.standard_normal(DIM)
    words = list(vec)
    rng.shuffle(words)
    keys, rows = [], []
    for i, w in enumerate(words):
        k = w.lower() if i % 3 == 0 and w.lower() not in vec else w
        keys.append(k)
        rows.append(vec[w])
    # Upper-case variants placed later: the lower index must win, and the variants
    # of question words must never be predicted.
    for w in words[:60]:
        if w.upper() not in vec and w.upper() not in keys:
            keys.append(w.upper())
            rows.append(rng.standard_normal(DIM))
    return KeyedVectors(np.array(rows), keys)


def _gensim_sections(sections):
    return {s["section"]: (len(s["correct"]), len(s["correct"]) + len(s["incorrect"]))
            for s in sections}


@pytest.mark.parametrize("case_insensitive", [True, False])
def test_analogy_matches_gensim(structured, case_insensitive):
    wv = structured
    restrict = int(len(wv) * 0.8)
    ours = ev.analogy(wv, "google", restrict_vocab=restrict, case_insensitive=case_insensitive)
    _, sections = _gensim(wv).evaluate_word_analogies(
        dataset_path("google"), restrict_vocab=restrict, case_insensitive=case_insensitive)
    theirs = _gensim_sections(sections)
    assert (ours.correct, ours.covered) == theirs["Total accuracy"]
    for name, sec in ours.sections.items():
        assert (sec.correct, sec.covered) == theirs[name], name
    assert ours.total == 19544 and len(ours.sections) == 14
    assert 0.2 < ours.coverage < 1 and ours.accuracy > 0.5  # the structure is found
    assert ours.accuracy == ours.correct / ours.covered
    assert ours.semantic.total + ours.syntactic.total == ours.total
    first5 = list(ours.sections.values())[:5]
    assert ours.semantic.covered == sum(s.covered for s in first5)
    assert ours.method == "3cosadd" and ours.restrict_vocab == restrict


def test_analogy_3cosmul_matches_gensim_cosmul(structured, rng):
    wv = structured
    result = ev.analogy(wv, "google", method="3cosmul", restrict_vocab=None,
                        case_insensitive=False)
    assert result.method == "3cosmul" and result.covered > 0 and result.accuracy > 0.3
    # Spot-check the engine against gensim's most_similar_cosmul (which has no
    # restrict_vocab and works on exact keys).
    g = _gensim(wv)
    questions = [q for _, qs in ev._load_analogy(dataset_path("google")) for q in qs
                 if all(w in wv for w in q)]
    picks = rng.choice(len(questions), size=60, replace=False)
    idx = np.array([[wv.get_index(w) for w in questions[i][:3]] for i in picks])
    pred = wv._analogy_topk(idx[:, 0], idx[:, 1], idx[:, 2], method="3cosmul")[:, 0]
    for i, p in zip(picks, pred):
        a, b, c, _ = questions[i]
        assert wv.index_to_key[p] == g.most_similar_cosmul([b, c], [a], topn=1)[0][0]


@pytest.mark.parametrize("name", ["ws353", "ws353_similarity", "ws353_relatedness",
                                  "simlex999", "simverb3500"])
def test_similarity_matches_gensim(structured, name):
    wv = structured
    restrict = int(len(wv) * 0.8)
    ours = ev.similarity(wv, name, restrict_vocab=restrict)
    pearson, spearman, oov_ratio = _gensim(wv).evaluate_word_pairs(dataset_path(name),
                                                                    restrict_vocab=restrict)
    assert ours.pearson == pytest.approx(pearson[0], abs=1e-6)
    assert ours.spearman == pytest.approx(spearman[0], abs=1e-6)
    assert 100 * ours.oov_pairs / ours.pairs_total == pytest.approx(oov_ratio)
    assert ours.coverage == pytest.approx(1 - oov_ratio / 100)
    assert ours.pairs_used + ours.oov_pairs == ours.pairs_total


def test_bundled_pair_counts():
    assert len(ev._load_pairs(dataset_path("ws353"))) == 353
    assert len(ev._load_pairs(dataset_path("simlex999"))) == 999
    assert len(ev._load_pairs(dataset_path("simverb3500"))) == 3499 + 1  # last line has no newline


def test_similarity_known_answer(tmp_path):
    # cos(x_i, y_i) increases with i, and so do the gold scores: spearman 1.
    angles = np.linspace(0.1, 1.5, 6)
    x = np.tile([1.0, 0.0], (6, 1))
    y = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    keys = [f"x{i}" for i in range(6)] + [f"Y{i}" for i in range(6)]
    wv = KeyedVectors(np.vstack([x, y]), keys)
    lines = ["# comment", "Word 1\tWord 2\tHuman (mean)", ""]
    lines += [f"X{i}\ty{i}\t{10 - i}" for i in range(6)] + ["x0 unknown 3.0"]
    p = tmp_path / "pairs.txt"
    p.write_bytes("\r\n".join(lines).encode())  # CRLF, no final newline
    r = ev.similarity(wv, p)
    assert r.spearman == pytest.approx(1.0) and r.pairs_used == 6 and r.oov_pairs == 1
    assert r.pairs_total == 7 and r.coverage == pytest.approx(6 / 7)
    # case-sensitive: "X0" is not a key
    with pytest.raises(ValueError, match=r"no pair of .* has both words"):
        ev.similarity(wv, p, case_insensitive=False)
    r = ev.similarity(wv, p, restrict_vocab=9)  # y3.. y5 fall outside
    assert r.pairs_used == 3


def test_analogy_file_parsing_and_known_answer(tmp_path):
    # a_i = e_i and b_i = e_i + e_6: the offset b - a is shared, so a_i : b_i :: a_j : b_j.
    base = np.eye(7)[:6]
    wv = KeyedVectors(np.vstack([base, base + np.eye(7)[6]]),
                      [f"a{i}" for i in range(6)] + [f"b{i}" for i in range(6)])
    text = ("# my analogies\r\n\r\nA0 b0 a1 b1\r\n: first\r\na0\tb0\ta1\tb1\r\n"
            ": gram-second\r\na2 b2   a3 b3\r\na2 b2 zz b3\r\n")
    p = tmp_path / "q.txt"
    p.write_bytes(text.encode())
    sections = ev._load_analogy(p)
    assert [n for n, _ in sections] == ["questions", "first", "gram-second"]
    r = ev.analogy(wv, p)
    assert (r.correct, r.covered, r.total) == (3, 3, 4)
    assert r.coverage == 0.75 and r.accuracy == 1.0
    assert r.syntactic.name == "syntactic" and (r.syntactic.covered, r.syntactic.total) == (1, 2)
    assert r.semantic.covered == 2
    assert r.sections["gram-second"].coverage == 0.5
    r = ev.analogy(wv, p, case_insensitive=False)
    assert r.covered == 2  # "A0" is not a key
    r = ev.analogy(wv, p, restrict_vocab=3)
    assert r.covered == 0 and math.isnan(r.accuracy)


def test_no_gram_sections_gives_no_split(tmp_path, rng):
    wv = KeyedVectors(rng.standard_normal((4, 3)), ["a", "b", "c", "d"])
    p = tmp_path / "q.txt"
    p.write_text(": s\na b c d\n")
    r = ev.analogy(wv, p, method="3cosmul")
    assert r.semantic is None and r.syntactic is None and r.covered == 1


@pytest.mark.parametrize("content, loader, match", [
    ("a b c\n", ev._load_analogy, r"q\.txt, line 1: expected a ': section' line or 4 words, "
                                  r"found 3"),
    (": s\na b c d\na b c d e\n", ev._load_analogy, r"line 3: expected .* found 5"),
    ("a b 1\nc d x\n", ev._load_pairs, r"line 2: the score 'x' is not a finite number"),
    ("a b 1\nc d\n", ev._load_pairs, r"line 2: expected 3 fields 'word1 word2 score', found 2"),
    ("a b 1\nc d nan\n", ev._load_pairs, r"line 2: the score 'nan'"),
])
def test_malformed_files(tmp_path, content, loader, match):
    p = tmp_path / "q.txt"
    p.write_text(content)
    with pytest.raises(CorpusError, match=match):
        loader(p)


def test_invalid_utf8(tmp_path):
    p = tmp_path / "q.txt"
    p.write_bytes(b": s\na b c \xff\n")
    with pytest.raises(CorpusError, match=r"line 2: invalid UTF-8"):
        ev._load_analogy(p)


def test_argument_validation(structured, tmp_path):
    wv = structured
    with pytest.raises(ValueError, match=r"The 'method' parameter of analogy must be a str among"):
        ev.analogy(wv, method="3cosavg")
    with pytest.raises(ValueError, match=r"The 'restrict_vocab' parameter of analogy must be an int "
                                         r"in the range \[1, inf\) or None"):
        ev.analogy(wv, restrict_vocab=0)
    with pytest.raises(TypeError, match=r"The 'case_insensitive' parameter of similarity must be a "
                                        r"bool"):
        ev.similarity(wv, case_insensitive="yes")
    with pytest.raises(TypeError, match=r"The 'wv' parameter of analogy must be a KeyedVectors"):
        ev.analogy(np.zeros((3, 3)))
    with pytest.raises(TypeError, match=r"The 'wv' parameter of similarity must be a "
                                        r"KeyedVectors \(ngramvec's, or any object with "
                                        r"'vectors' \(n_keys, dim\) and 'index_to_key' "
                                        r"attributes, such as gensim's\)\. Got builtins\.dict "
                                        r"instead\."):
        ev.similarity({"a": [1.0]})
    with pytest.raises(FileNotFoundError, match=r"'googel' is neither a file nor a bundled data set"):
        ev.analogy(wv, "googel")
    with pytest.raises(TypeError, match=r"The 'dataset' parameter of similarity"):
        ev.similarity(wv, 3)


def test_gensim_keyed_vectors_are_accepted(structured):
    """A gensim KeyedVectors is evaluated as the same vectors in an ngramvec KeyedVectors."""
    g = _gensim(structured)
    for kwargs in ({}, {"case_insensitive": False}, {"restrict_vocab": 500}):
        assert ev.similarity(g, "simlex999", **kwargs) == ev.similarity(structured, "simlex999",
                                                                          **kwargs)
    ours, theirs = ev.analogy(structured, "google"), ev.analogy(g, "google")
    assert (theirs.correct, theirs.covered, theirs.total) == (ours.correct, ours.covered,
                                                              ours.total)


def test_dataset_path():
    for name in DATASETS:
        assert dataset_path(name)
    assert dataset_path("demo").endswith("pd_classics_en.txt.gz")
    assert dataset_path("sts-dev").endswith("sts-dev.csv")
    with pytest.raises(ValueError, match=r"The 'name' parameter of dataset_path must be a str "
                                         r"among \{'google', 'ws353'.*'sts-test'\}. Got 'nope'"):
        dataset_path("nope")
    with pytest.raises(TypeError, match=r"The 'name' parameter of dataset_path must be a str"):
        dataset_path(None)


# --------------------------------------------------------------------------- gensim's names and shapes


@pytest.mark.parametrize("case_insensitive", [True, False])
@pytest.mark.parametrize("dummy4unknown", [False, True])
def test_evaluate_word_analogies_returns_gensims_result(structured, case_insensitive,
                                                       dummy4unknown):
    wv = structured
    restrict = int(len(wv) * 0.8)
    kw = dict(restrict_vocab=restrict, case_insensitive=case_insensitive,
              dummy4unknown=dummy4unknown)
    score, sections = wv.evaluate_word_analogies(dataset_path("google"), **kw)
    g_score, g_sections = _gensim(wv).evaluate_word_analogies(dataset_path("google"), **kw)
    assert score == g_score
    assert sections == g_sections  # every section, every question, in gensim's order
    assert sections[-1]["section"] == "Total accuracy" and len(sections) == 15
    result = ev.analogy(wv, "google", **kw)
    assert result.accuracy == pytest.approx(score)
    assert result.dummy4unknown is dummy4unknown
    if dummy4unknown:
        assert result.accuracy == result.correct / result.total
        assert all(s.accuracy == s.correct / s.total for s in result.sections.values())
    # the module-level function is the same
    assert ev.evaluate_word_analogies(wv, "google", **kw) == (score, sections)


def test_analogy_per_question_results(structured):
    wv = structured
    r = ev.analogy(wv, "google", restrict_vocab=None, case_insensitive=False)
    assert len(r.questions) == r.total == 19544
    assert sum(q.covered for q in r.questions) == r.covered
    assert sum(q.correct for q in r.questions) == r.correct
    first = r.questions[0]
    assert (first.section, first.a, first.b, first.c, first.expected) == (
        "capital-common-countries", "Athens", "Greece", "Baghdad", "Iraq")
    g = _gensim(wv)
    checked = 0
    for q in r.questions[::400]:
        if not q.covered:
            assert q.predicted is None and not q.correct
            continue
        best = g.most_similar(positive=[q.b, q.c], negative=[q.a], topn=1)[0][0]
        assert q.predicted == best and q.correct == (best == q.expected)
        checked += 1
    assert checked > 10
    assert r.sections["capital-common-countries"].correct == sum(
        q.correct for q in r.questions if q.section == "capital-common-countries")


def test_evaluate_word_analogies_cosmul_and_options(structured):
    wv = structured
    score, sections = wv.evaluate_word_analogies("google", similarity_function="most_similar_cosmul",
                                                 restrict_vocab=None)
    assert score == ev.analogy(wv, "google", method="3cosmul", restrict_vocab=None).accuracy
    with pytest.raises(ValueError, match=r"The 'similarity_function' parameter of "
                                         r"evaluate_word_analogies must be a str among "
                                         r"\{'most_similar', 'most_similar_cosmul'\}"):
        wv.evaluate_word_analogies("google", similarity_function="cosine")
    with pytest.raises(TypeError, match=r"The 'dummy4unknown' parameter of analogy must be a bool"):
        ev.analogy(wv, "google", dummy4unknown=1)


def test_evaluate_word_analogies_empty_is_zero(tmp_path):
    wv = KeyedVectors(np.eye(3), ["a", "b", "c"])
    p = tmp_path / "q.txt"
    p.write_text(": s\nx y z w\n")
    score, sections = wv.evaluate_word_analogies(p)
    assert score == 0.0 and sections[0] == {"section": "s", "correct": [], "incorrect": []}
    score, sections = wv.evaluate_word_analogies(p, dummy4unknown=True)
    assert score == 0.0 and sections[0]["incorrect"] == [("X", "Y", "Z", "W")]
    assert math.isnan(ev.analogy(wv, p).accuracy)


@pytest.mark.parametrize("name", ["ws353", "ws353_similarity", "ws353_relatedness",
                                  "simlex999", "simverb3500"])
@pytest.mark.parametrize("dummy4unknown", [False, True])
def test_evaluate_word_pairs_returns_gensims_result(structured, name, dummy4unknown):
    wv = structured
    restrict = int(len(wv) * 0.8)
    kw = dict(restrict_vocab=restrict, dummy4unknown=dummy4unknown)
    (r, rp), (rho, rhop), oov = wv.evaluate_word_pairs(dataset_path(name), **kw)
    (g_r, g_rp), (g_rho, g_rhop), g_oov = _gensim(wv).evaluate_word_pairs(dataset_path(name), **kw)
    assert r == pytest.approx(g_r, abs=1e-6) and rho == pytest.approx(g_rho, abs=1e-6)
    assert rp == pytest.approx(g_rp, rel=1e-4, abs=1e-300)
    assert rhop == pytest.approx(g_rhop, rel=1e-4, abs=1e-300)
    assert oov == pytest.approx(g_oov)
    res = ev.similarity(wv, name, **kw)
    assert (res.pearson, res.pearson_pvalue, res.spearman, res.spearman_pvalue) == (r, rp, rho, rhop)
    assert 0 < res.spearman_pvalue < 1 and res.dummy4unknown is dummy4unknown


def test_similarity_per_pair_results(structured):
    wv = structured
    r = ev.similarity(wv, "simlex999", restrict_vocab=1000, case_insensitive=False)
    assert len(r.pairs) == r.pairs_total == 999
    assert sum(p.covered for p in r.pairs) == r.pairs_used
    for p in r.pairs[:50]:
        if p.covered:
            assert p.similarity == pytest.approx(wv.similarity(p.word1, p.word2), abs=1e-6)
        else:
            assert p.similarity is None
    assert r.pairs[0][:3] == ("old", "new", 1.58)
    d = ev.similarity(wv, "simlex999", restrict_vocab=1000, case_insensitive=False,
                      dummy4unknown=True)
    assert [p.similarity for p in d.pairs if not p.covered] == [0.0] * d.oov_pairs
    assert d.spearman != r.spearman


def test_evaluate_word_pairs_delimiter_and_encoding(tmp_path):
    wv = KeyedVectors(np.array([[1.0, 0.0], [0.9, 0.3], [0.0, 1.0], [0.5, 0.5]]),
                      ["été", "b", "c", "d"])
    p = tmp_path / "pairs.csv"
    p.write_bytes("été;b;9\nété;c;1\nb;d;6\nc;d;5\n".encode("latin-1"))
    g = _gensim(wv)
    ours = wv.evaluate_word_pairs(p, delimiter=";", encoding="latin-1", case_insensitive=False)
    theirs = g.evaluate_word_pairs(str(p), delimiter=";", encoding="latin-1",
                                   case_insensitive=False)
    assert ours[0] == pytest.approx(tuple(theirs[0])) and ours[1] == pytest.approx(tuple(theirs[1]))
    with pytest.raises(CorpusError, match=r"pairs\.csv, line 1: invalid UTF-8"):
        wv.evaluate_word_pairs(p, delimiter=";")
    with pytest.raises(ValueError, match=r"The 'encoding' parameter of evaluate_word_pairs must be "
                                         r"a known text encoding. Got 'klingon'"):
        wv.evaluate_word_pairs(p, encoding="klingon")
    with pytest.raises(ValueError, match=r"The 'delimiter' parameter of evaluate_word_pairs must be "
                                         r"a non-empty str or None"):
        wv.evaluate_word_pairs(p, delimiter="")
    with pytest.raises(CorpusError, match=r"line 2: expected 3 fields"):
        wv.evaluate_word_pairs(p, encoding="latin-1")  # tab-separated by default, as gensim


def test_similarity_dummy4unknown_with_nothing_covered(tmp_path):
    wv = KeyedVectors(np.eye(2), ["a", "b"])
    p = tmp_path / "pairs.txt"
    p.write_text("x y 1\nz w 2\n")
    with pytest.raises(ValueError, match=r"no pair of .* has both words"):
        ev.similarity(wv, p)
    r = ev.similarity(wv, p, dummy4unknown=True)  # all at similarity 0: no correlation
    assert r.pairs_used == 0 and math.isnan(r.spearman) and math.isnan(r.spearman_pvalue)
