"""The ``ngramvec`` command: one subcommand per stage, plus ``demo``.

Errors are reported in one line on stderr with a non-zero exit status; ``--debug``
shows the traceback instead.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from typing import Callable, Sequence

from ngramvec.vectors.keyedvectors import KeyedVectors

logger = logging.getLogger("ngramvec")

EXIT_ERROR = 2
EXIT_INTERRUPTED = 130


# ---- vectors files ------------------------------------------------------------

def _vector_format(path: str, fmt: str | None) -> str:
    if fmt and fmt != "auto":
        return fmt
    p = path.lower()
    for suffix in (".gz", ".bz2", ".xz"):
        if p.endswith(suffix):
            p = p[: -len(suffix)]
    if p.endswith(".npz"):
        return "npz"
    if p.endswith(".bin"):
        return "word2vec-binary"
    if p.endswith(".glove") or p.endswith(".glove.txt"):
        return "glove"
    return "word2vec"


def load_vectors(path: str, fmt: str | None = None):
    """Load vectors by format, guessed from the extension: .npz native, .bin word2vec
    binary, otherwise text (word2vec with header, or GloVe without: detected)."""
    from ngramvec.base.fileio import open_compressed
    from ngramvec.vectors.keyedvectors import KeyedVectors
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such vectors file")
    fmt = _vector_format(path, fmt)
    if fmt == "npz":
        return KeyedVectors.load(path)
    if fmt == "word2vec-binary":
        return KeyedVectors.load_word2vec_format(path, binary=True)
    if fmt == "word2vec":
        with open_compressed(path) as f:
            first = f.readline().split()
        if len(first) == 2 and all(x.isdigit() for x in first):
            return KeyedVectors.load_word2vec_format(path, binary=False)
        fmt = "glove"
    return KeyedVectors.load_glove_format(path)


def save_vectors(wv, path: str, fmt: str | None = None) -> None:
    fmt = _vector_format(path, fmt)
    if fmt == "npz":
        wv.save(path)
    elif fmt == "word2vec-binary":
        wv.save_word2vec_format(path, binary=True)
    elif fmt == "glove":
        wv.save_glove_format(path)
    else:
        wv.save_word2vec_format(path, binary=False)
    logger.info("wrote %s vectors of dim %d to %s (%s)", f"{len(wv):,}", wv.vector_size, path, fmt)


# ---- shared options -------------------------------------------------------------

def _add_corpus_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("corpus", help="text file (.txt/.gz/.bz2/.xz) or directory of them")
    p.add_argument("--tokenizer", default="words", choices=("words", "words_punct", "whitespace"),
                   help="'words' splits raw prose and drops punctuation (default)")
    p.add_argument("--no-lowercase", dest="lowercase", action="store_false",
                   help="keep case (default: lowercase)")


def _add_vocab_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--min-count", type=int, nargs="+", default=[5],
                   help="default 5; one value per ngram order allowed (e.g. 5 10)")
    p.add_argument("--max-size", type=int, default=None, help="keep at most this many entries")
    p.add_argument("--ngram-orders", type=int, nargs="+", default=None,
                   help="orders of the vocabulary, e.g. 1 2 (default: 1, or what --contexts "
                        "needs)")
    p.add_argument("--vocab", default=None, help="use this vocabulary file instead")


def _add_count_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--window", type=int, default=5, help="default 5")
    p.add_argument("--weighting", default="uniform", choices=("uniform", "harmonic"))
    p.add_argument("--dynamic-window", action="store_true")
    p.add_argument("--sample", type=float, default=None, help="subsampling threshold, e.g. 1e-5")
    p.add_argument("--subsampling", default=None, choices=("dirty", "clean"))
    p.add_argument("--direction", default="both", choices=("both", "left", "right"))
    p.add_argument("--oov", default=None, choices=("drop", "keep"))
    p.add_argument("--contexts", default=None,
                   help="ngram2vec units: uni_uni (default), uni_bi, bi_bi, uni_tri, bi_tri...")
    p.add_argument("--overlap", action="store_true",
                   help="ngram contexts may share positions with their centre")
    p.add_argument("--threads", type=int, default=None, help="default: all cores")
    p.add_argument("--memory-limit", default=None, help="e.g. 4GB; spill to disk past it")
    p.add_argument("--tmp-dir", default=None, help="directory for spill runs")
    p.add_argument("--seed", type=int, default=0)


def _corpus(args):
    from ngramvec.data.corpus import Corpus
    return Corpus(args.corpus, tokenizer=args.tokenizer, lowercase=args.lowercase)


def _vocab(args, corpus):
    from ngramvec.data.ngrams import parse_contexts
    from ngramvec.data.vocab import Vocabulary
    if getattr(args, "vocab", None):
        return Vocabulary.load(args.vocab)
    orders = args.ngram_orders
    if orders is None:
        orders = [1]
        if getattr(args, "contexts", None):
            ins, ctx = parse_contexts(args.contexts)
            orders = sorted(set(ins) | set(ctx))
    min_count = args.min_count[0] if len(args.min_count) == 1 else args.min_count
    return Vocabulary.build(corpus, min_count=min_count, max_size=args.max_size,
                            ngram_orders=orders, n_threads=getattr(args, "threads", None),
                            memory_limit=getattr(args, "memory_limit", None),
                            tmp_dir=getattr(args, "tmp_dir", None), progress=args.progress)


def _count(args, corpus, vocab):
    from ngramvec.models.cooccur import count_cooccurrences
    return count_cooccurrences(
        corpus, vocab, window=args.window, weighting=args.weighting,
        dynamic_window=args.dynamic_window, sample=args.sample, subsampling=args.subsampling,
        direction=args.direction, oov=args.oov, contexts=args.contexts, overlap=args.overlap,
        n_threads=args.threads, seed=args.seed,
        memory_limit=args.memory_limit, tmp_dir=args.tmp_dir, progress=args.progress)


# ---- subcommands ----------------------------------------------------------------

def cmd_tokenize(args) -> None:
    from ngramvec.data.corpus import Corpus, _prefetch  # noqa: F401
    from ngramvec.base.fileio import atomic_write
    corpus = _corpus(args)
    n = 0
    with atomic_write(args.output, "wb") as f:
        for sent in corpus:
            f.write((" ".join(sent) + "\n").encode("utf-8"))
            n += 1
    logger.info("wrote %s sentences to %s", f"{n:,}", args.output)


def cmd_vocab(args) -> None:
    corpus = _corpus(args)
    vocab = _vocab(args, corpus)
    vocab.save(args.output)
    logger.info("wrote %s entries to %s", f"{len(vocab):,}", args.output)


def cmd_count(args) -> None:
    corpus = _corpus(args)
    vocab = _vocab(args, corpus)
    counts = _count(args, corpus, vocab)
    counts.save(args.output)
    logger.info("wrote %r to %s", counts, args.output)


def cmd_ppmi(args) -> None:
    from ngramvec.models.cooccur import Cooccurrence
    from ngramvec.models.ppmi import PPMI
    counts = Cooccurrence.load(args.counts)
    out = PPMI(cds=args.cds, shift=args.shift).fit_transform(counts)
    out.save(args.output)
    logger.info("wrote %r to %s", out, args.output)


def cmd_svd(args) -> None:
    from ngramvec.models.cooccur import Cooccurrence
    from ngramvec.models.svd import SVD
    ppmi = Cooccurrence.load(args.ppmi)
    svd = SVD(dim=args.dim, eig=args.eig, add_context=args.add_context,
              algorithm=args.algorithm, seed=args.seed).fit(ppmi)
    save_vectors(KeyedVectors.from_model(svd), args.output, args.format)


def cmd_eval(args) -> None:
    wv = load_vectors(args.vectors, args.format)
    _print_eval(wv, _split(args.similarity), _split(args.analogy), args.method,
                args.restrict_vocab)


def _split(s: str | None) -> list[str]:
    return [x for x in (s or "").split(",") if x]


def _print_eval(wv, similarity: Sequence[str], analogy: Sequence[str], method: str = "3cosadd",
                restrict_vocab: int | None = 300000) -> None:
    from ngramvec.vectors import evaluate
    for name in similarity:
        r = evaluate.similarity(wv, name, restrict_vocab=restrict_vocab)
        print(f"{name:<18} spearman {r.spearman:6.3f}  pearson {r.pearson:6.3f}  "
              f"pairs {r.pairs_used}/{r.pairs_total} ({100 * r.coverage:.0f}%)")
    for name in analogy:
        for m in ([method] if method != "both" else ["3cosadd", "3cosmul"]):
            r = evaluate.analogy(wv, name, method=m, restrict_vocab=restrict_vocab)
            acc = float("nan") if r.covered == 0 else 100 * r.accuracy
            line = (f"{name:<10} {m:<8} accuracy {acc:5.1f}%  on {r.covered}/{r.total} "
                    f"covered questions ({100 * r.coverage:.0f}%)")
            if r.semantic is not None and r.syntactic is not None:
                line += (f"  semantic {100 * _acc(r.semantic):.1f}%"
                         f"  syntactic {100 * _acc(r.syntactic):.1f}%")
            print(line)


def _acc(part) -> float:
    return part.accuracy if part.covered else float("nan")


def cmd_similar(args) -> None:
    from ngramvec.base.keys import NGRAM_SEP
    wv = load_vectors(args.vectors, args.format)
    for word in args.words:
        key = word.replace(" ", NGRAM_SEP)
        print(f"{word}:")
        for k, s in wv.most_similar(key, topn=args.topn):
            print(f"  {s:6.3f}  {k.replace(NGRAM_SEP, ' ')}")


def cmd_analogy(args) -> None:
    wv = load_vectors(args.vectors, args.format)
    res = wv.most_similar(positive=[args.b, args.c], negative=[args.a], topn=args.topn,
                          method=args.method)
    print(f"{args.a} : {args.b} :: {args.c} : ?")
    for k, s in res:
        print(f"  {s:6.3f}  {k}")


def cmd_demo(args) -> None:
    """Train on the bundled corpus, show neighbours and evaluation scores."""
    from ngramvec.models.cooccur import count_cooccurrences
    from ngramvec.data.corpus import Corpus
    from ngramvec.datasets import dataset_path
    from ngramvec.models.ppmi import PPMI
    from ngramvec.models.svd import SVD
    from ngramvec.data.vocab import Vocabulary
    t0 = time.perf_counter()
    path = dataset_path("demo")
    print(f"ngramvec demo: {os.path.basename(path)} (11 public-domain classics)")
    corpus = Corpus(path)
    enc = corpus.encoded(progress=args.progress)
    vocab = Vocabulary.build(corpus, min_count=args.min_count)
    print(f"  {enc.n_tokens:,} tokens, {enc.n_sentences:,} sentences, "
          f"{len(enc.lexicon_keys):,} distinct words, {len(vocab):,} with count >= "
          f"{args.min_count}")
    models = {}
    t = time.perf_counter()
    counts = count_cooccurrences(corpus, vocab, window=args.window, n_threads=args.threads,
                                 progress=args.progress)
    ppmi = PPMI(cds=0.75).fit_transform(counts)
    models["PPMI-SVD"] = KeyedVectors.from_model(SVD(dim=args.dim, eig=0.5).fit(ppmi))
    print(f"  PPMI-SVD (window {args.window}, cds 0.75, dim {args.dim}, eig 0.5): "
          f"{counts.nnz:,} co-occurring pairs, {time.perf_counter() - t:.1f} s")
    for name, builder in _extra_demo_models():
        t = time.perf_counter()
        try:
            models[name] = builder(corpus, vocab, args)
        except Exception as exc:  # a broken optional model must not hide the others
            print(f"  {name}: failed ({exc})")
            continue
        print(f"  {name}: {time.perf_counter() - t:.1f} s")
    for name, wv in models.items():
        print(f"\n== {name} ==")
        for word in args.words:
            if word in wv:
                near = ", ".join(k for k, _ in wv.most_similar(word, topn=8))
                print(f"  {word:<10} {near}")
        _print_eval(wv, ["ws353", "simlex999"], ["google"], "3cosadd")
    print(f"\ndone in {time.perf_counter() - t0:.1f} s")


def _extra_demo_models() -> list[tuple[str, Callable]]:
    """Models of later stages, shown by the demo when they are available."""
    out: list[tuple[str, Callable]] = []
    try:
        from ngramvec.models.sgns import SGNS

        def sgns(corpus, vocab, args):
            return KeyedVectors.from_model(SGNS(dim=args.dim, window=5, epochs=5,
                                                n_threads=args.threads,
                                                min_count=args.min_count).fit(corpus, vocab=vocab))
        out.append(("SGNS (dim %d, window 5, 5 epochs)" % 100, sgns))
    except ImportError:
        pass
    try:
        from ngramvec.models.glove import GloVe
        from ngramvec.models.cooccur import count_cooccurrences

        def glove(corpus, vocab, args):
            counts = count_cooccurrences(corpus, vocab, window=10, weighting="harmonic",
                                         n_threads=args.threads)
            return KeyedVectors.from_model(GloVe(dim=args.dim, epochs=25,
                                                 n_threads=args.threads).fit(counts))
        out.append(("GloVe (dim %d, window 10, 25 epochs)" % 100, glove))
    except ImportError:
        pass
    return out


# ---- parser ---------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ngramvec", description="Classical word vectors from raw text, fast.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    parser.add_argument("-q", "--quiet", action="store_true", help="only warnings and results")
    parser.add_argument("--no-progress", dest="progress", action="store_false",
                        help="no progress bars")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("demo", help="train on the bundled corpus, show neighbours and scores")
    p.add_argument("--dim", type=int, default=100)
    p.add_argument("--window", type=int, default=2)
    p.add_argument("--min-count", type=int, default=5)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--words", nargs="+",
                   default=["king", "london", "holmes", "night", "happy", "ship"])
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("tokenize", help="write the tokenized corpus, one sentence a line")
    _add_corpus_args(p)
    p.add_argument("-o", "--output", required=True)
    p.set_defaults(func=cmd_tokenize)

    p = sub.add_parser("vocab", help="count words (and ngrams) into a vocabulary file "
                                     "('word count' lines)")
    _add_corpus_args(p)
    _add_vocab_args(p)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--memory-limit", default=None, help="bound of ngram counting, e.g. 2GB")
    p.add_argument("--tmp-dir", default=None)
    p.add_argument("-o", "--output", required=True)
    p.set_defaults(func=cmd_vocab)

    p = sub.add_parser("count", help="count co-occurrences into a .npz file")
    _add_corpus_args(p)
    _add_vocab_args(p)
    _add_count_args(p)
    p.add_argument("-o", "--output", required=True)
    p.set_defaults(func=cmd_count)

    p = sub.add_parser("ppmi", help="shifted PPMI of a counts file")
    p.add_argument("counts")
    p.add_argument("--cds", type=float, default=0.75)
    p.add_argument("--shift", type=float, default=1.0)
    p.add_argument("-o", "--output", required=True)
    p.set_defaults(func=cmd_ppmi)

    fmt_choices = ("auto", "word2vec", "word2vec-binary", "glove", "npz")
    p = sub.add_parser("svd", help="truncated SVD of a PPMI file into vectors")
    p.add_argument("ppmi")
    p.add_argument("--dim", type=int, default=300)
    p.add_argument("--eig", type=float, default=0.5)
    p.add_argument("--add-context", action="store_true")
    p.add_argument("--algorithm", default="randomized", choices=("randomized", "arpack"))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("-o", "--output", required=True, help=".bin, .txt, .npz (by extension)")
    p.add_argument("--format", default="auto", choices=fmt_choices)
    p.set_defaults(func=cmd_svd)

    p = sub.add_parser("eval", help="word similarity and analogy scores of a vectors file")
    p.add_argument("vectors")
    p.add_argument("--format", default="auto", choices=fmt_choices)
    p.add_argument("--similarity", default="ws353,simlex999",
                   help="comma-separated bundled names or paths")
    p.add_argument("--analogy", default="google", help="comma-separated bundled names or paths")
    p.add_argument("--method", default="3cosadd", choices=("3cosadd", "3cosmul", "both"))
    p.add_argument("--restrict-vocab", type=int, default=300000)
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("similar", help="nearest neighbours of words")
    p.add_argument("vectors")
    p.add_argument("words", nargs="+", help="words (a space inside quotes makes an ngram)")
    p.add_argument("--topn", type=int, default=10)
    p.add_argument("--format", default="auto", choices=fmt_choices)
    p.set_defaults(func=cmd_similar)

    p = sub.add_parser("analogy", help="a : b :: c : ?")
    p.add_argument("vectors")
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument("c")
    p.add_argument("--topn", type=int, default=5)
    p.add_argument("--method", default="3cosadd", choices=("3cosadd", "3cosmul"))
    p.add_argument("--format", default="auto", choices=fmt_choices)
    p.set_defaults(func=cmd_analogy)

    for mod, fn in (("sgns", "add_sgns_parser"), ("glove", "add_glove_parser"),
                    ("postprocess", "add_postprocess_parser")):
        try:
            module = __import__(f"ngramvec.{mod}", fromlist=[fn])
            getattr(module, fn)(sub)
        except (ImportError, AttributeError):
            pass
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``ngramvec`` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO,
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    if not sys.stderr.isatty():
        args.progress = args.progress and False
    try:
        args.func(args)
    except KeyboardInterrupt:
        print("ngramvec: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. piped into head
        return 0
    except (Exception, MemoryError) as exc:
        if args.debug:
            raise
        msg = str(exc) if not isinstance(exc, KeyError) or not exc.args else str(exc)
        print(f"ngramvec: error: {msg or type(exc).__name__}", file=sys.stderr)
        return EXIT_ERROR
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
