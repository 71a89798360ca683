"""Skip-gram with negative sampling (word2vec's SGNS), trained from the encoded corpus.

The text is read and encoded once (:meth:`ngramvec.Corpus.encoded`); every epoch reads
the memory-mapped token ids. The arithmetic runs in :mod:`ngramvec._sgns`.
"""
from __future__ import annotations

import logging
import os
import time
from typing import Any, Callable, Iterable

import numpy as np

from ngramvec.base.estimator import Estimator, VectorsMixin, check_callback
from ngramvec.base.fileio import temp_file
from ngramvec.base.exceptions import TrainingDivergedError, \
    VectorsFormatError
from ngramvec.base.persist import STRINGS, ArraySpec, PersistMixin, Saved
from ngramvec.base.validation import check_n_threads, check_param
from ngramvec.data.corpus import Corpus
from ngramvec.data.encode import EncodedCorpus
from ngramvec.data.ngrams import _BY_ORDER, index_vocabularies, parse_contexts
from ngramvec.base.extensions import missing_extension
from ngramvec.data.vocab import Vocabulary, as_encoded
from ngramvec.models._legacy import read_sgns_v1
from ngramvec.models import pairs as _pairs
from ngramvec.data.pairs import EncodedPairs

try:
    from ngramvec.models import _sgns
except ImportError as exc:  # not built: training raises ExtensionNotBuiltError
    _sgns = missing_extension("ngramvec.models._sgns", exc)

logger = logging.getLogger(__name__)

__all__ = ["SGNS"]

CONTEXTS = ("word",)
NGRAM_CONTEXTS = ("uni_uni", "uni_bi", "bi_bi", "uni_tri", "bi_tri", "bi_uni")  # examples
# word2vec's names for get_vector_arrays' "word", "context", "word+context" (the sgns CLI's)
VECTOR_KINDS = ("input", "context", "sum")
CHUNK_TOKENS = 10000        # tokens per work unit of a thread (word2vec and gensim use 10k)
CALLS_PER_EPOCH = 20        # kernel calls per epoch (progress bar granularity)
UNIT_BLOCK = 1 << 20        # tokens per block when the ngram unit arrays are built


class _StopTraining(Exception):
    """Raised through the epoch loop when the callback returned False."""


def _chunk_bounds(ends: np.ndarray, chunk_tokens: int) -> np.ndarray:
    """Sentence indices cutting the corpus into runs of about ``chunk_tokens`` tokens.

    Returns int64 ``b`` with ``b[0] == 0`` and ``b[-1] == n_sentences``; chunk ``k`` is
    sentences ``[b[k], b[k+1])``. A chunk ends with the first sentence that reaches the
    next multiple of ``chunk_tokens``, so chunks hold whole sentences.
    """
    n_sent = len(ends)
    n_tok = int(ends[-1]) if n_sent else 0
    marks = np.arange(chunk_tokens, n_tok, chunk_tokens, dtype=np.int64)
    cuts = np.searchsorted(ends, marks, side="left") + 1
    return np.unique(np.concatenate([[0], cuts, [n_sent]])).astype(np.int64)


class SGNS(VectorsMixin, PersistMixin, Estimator):
    """Skip-gram with negative sampling (word2vec), multithreaded.

    Parameters
    ----------
    dim : int, default=100
        Vector dimension.
    window : int, default=5
        Largest distance between a centre word and a context word, in [1, 10000].
    negative : int, default=5
        Negative samples per (centre, context) pair; 0 trains positives only.
    sample : float, default=1e-3
        Subsampling threshold of frequent words (word2vec's ``-sample``); 0 or None
        disables.
    ns_exponent : float, default=0.75
        Negatives are drawn from the unigram distribution raised to this power.
    epochs : int, default=5
    lr : float, default=0.025
        Initial learning rate, decayed linearly to ``min_lr`` over the epochs of each
        :meth:`fit` or :meth:`partial_fit` call.
    min_lr : float, default=1e-4
    min_count : int, default=5
        Used to build the vocabulary when :meth:`fit` is not given one.
    max_size : int, optional
        Idem: keep at most this many words.
    dynamic_window : bool, default=True
        Draw each centre's effective window uniformly in ``[1, window]`` (word2vec).
    contexts : str, default="word"
        Context units. ``"word"`` (or ``"uni_uni"``): word2vec. ngram2vec's ``"X_Y"``
        (Zhao et al. 2017) with X, Y among uni, bi, tri, ...: input units of orders
        1..X, context units of orders 1..Y. ``"uni_bi"`` trains word vectors that
        predict the words and bigrams of their window; ``"bi_bi"`` also trains bigram
        vectors (keys such as ``"new\u00a0york"``, or ``("new", "york")``). The
        vocabulary must hold those orders; when :meth:`fit` builds it, it uses
        ``Vocabulary.build(..., ngram_orders=(1, ..., max(X, Y)))`` with ``min_count``
        for every order. ``"pos"``: positional contexts (hyperwords), the context word
        with its offset (``"dog_-1"``), a context vocabulary of their own; the pairs are
        drawn once from the corpus (:func:`ngramvec.pairs_from_corpus`: out-of-vocabulary
        and subsampled tokens stay as gaps, one dynamic-window draw per position) and
        trained as pairs from a file are (see :meth:`fit`).
    overlap : bool, default=False
        With ngram units, also pair a centre with context units that share tokens
        with it (ngram2vec's rule excludes them by default), exactly as
        :func:`~ngramvec.count_cooccurrences` does with ``overlap=True``. No effect
        with word contexts.
    gaps : {"keep", "drop"}, default="keep"
        With ngram units: "keep" uses runs of the sentence as written, where
        out-of-vocabulary tokens and subsampled unit occurrences (each with its own
        frequency) stay as gaps (ngram2vec's corpus2pairs); "drop" forms the ngrams and
        the windows over the tokens left after removing out-of-vocabulary words and
        subsampling (one draw per token with its word's frequency), as word2vec does
        for words, so a window reaches past a removed token. "keep" is the default
        because it trains better on the 10M-token benchmark (uni_bi, 3 seeds: Google
        27.5% against 25.3% with "drop", benchmarks/README.md). The same setting as
        :func:`~ngramvec.count_cooccurrences`'s ``gaps``; word contexts always drop.
    compute_loss : bool, default=False
        Track the mean SGNS loss per pair (slower: a log and an exp per target).
    batch : bool, default=True
        Minibatched updates with shared negatives (HogBatch, Ji et al. 2016): the
        context words of one centre word (with ngram units, the input units in the
        windows of the context units of every order starting at one position) form
        one batch that shares one set of ``negative`` negatives, and the update is three small matrix products
        (register-blocked AVX2 + FMA where the CPU has them, chosen at run time). The
        same pairs are trained, with fewer distinct negatives per pair and far fewer
        random row reads: about 3.5x faster than pair by pair at the same quality on
        the 10M-token benchmark (benchmarks/README.md). ``False`` trains pair by pair
        with word2vec.c's exact arithmetic. One-thread runs are bit-reproducible in
        both modes. Models saved before this option existed load with ``False``.
    batch_positions : int, default=1
        Batch mode with ngram units: consecutive context positions whose positives
        form one batch (the union of their windows' input units, one shared set of
        negatives; at most 8 positives, so fewer positions when there are many context
        orders). The same pairs are trained; larger groups share each set of negatives
        among more pairs and read each input row fewer times (faster, see
        benchmarks/README.md, issue 14). 1: the context units of one position. No
        effect with word contexts or pair by pair.
    n_threads : int, optional
        Threads; None or 0 uses every core available, negative counts back.
    seed : int, default=0
        Seeds initialisation and every thread's generator. With ``n_threads=1`` two
        runs with the same seed give bit-identical vectors; with more threads the
        order of the lock-free updates varies between runs.

    Attributes
    ----------
    vocabulary_ : Vocabulary
        All entries (words, and ngrams with ngram units).
    input_vocabulary_, context_vocabulary_ : Vocabulary
        Rows of the input and output matrices (both ``vocabulary_`` for words).
    vectors_ : ndarray of float32, shape (n_input, dim)
        Input vectors: the training weights themselves (further training changes
        them; ``get_vector_arrays(which)`` returns copies, of the input vectors
        ("word" or "input"), the context vectors ("context") or their sum by key
        ("word+context" or "sum"), which is what :meth:`KeyedVectors.from_model
        <ngramvec.KeyedVectors.from_model>` wraps).
    index_to_key_ : list of str
        Keys of the rows of :attr:`vectors_` (``input_vocabulary_``).
    counts_ : ndarray of int64, shape (n_input,)
    context_vectors_ : ndarray of float32, shape (n_context, dim)
        Output (context) vectors, the training weights, over
        :attr:`context_index_to_key_` with :attr:`context_counts_`.
    context_index_to_key_ : list of str
    context_counts_ : ndarray of int64, shape (n_context,)
    epochs_trained_ : int
    history_ : list of dict
        Per epoch, what the callback received: epoch, words, seconds, words_per_sec,
        lr, pairs, batches (batched updates with ``batch=True``, else 0), loss (or None).

    Notes
    -----
    For each surviving token (after dropping out-of-vocabulary words and subsampling
    frequent ones) and each word of its window, SGNS maximises
    ``log s(w . c) + sum_k log s(-w . n_k)`` with ``n_k`` drawn from
    ``counts ** ns_exponent`` (Mikolov et al. 2013), by SGD with Hogwild threads.
    See :mod:`ngramvec._sgns` for the kernel.

    With ngram units the (centre, context) pairs are ngram2vec's, exactly those
    :func:`ngramvec.count_cooccurrences` counts with the same ``contexts`` and
    ``gaps``: every token of the context within ``window`` of every token of the
    centre, no shared positions, and negatives drawn from the context vocabulary. With
    ``gaps="drop"`` the positions are those of the tokens left after removing
    out-of-vocabulary words and subsampling words (as word2vec's); with ``"keep"``
    those of the sentence as written (out-of-vocabulary and subsampled units leave
    gaps), each unit occurrence subsampled with its own frequency (relative to the
    word tokens).

    References
    ----------
    Mikolov, Sutskever, Chen, Corrado, Dean (2013). Distributed representations of
    words and phrases and their compositionality. NeurIPS.
    Zhao, Liu, Li, Li, Du (2017). Ngram2vec: learning improved word representations
    from ngram co-occurrence statistics. EMNLP.

    Examples
    --------
    >>> import ngramvec as nv
    >>> from ngramvec.models.sgns import SGNS
    >>> corpus = nv.Corpus(["the cat sat on the mat", "the dog sat on the rug"] * 50)
    >>> model = SGNS(dim=8, window=2, min_count=1, epochs=2, n_threads=1).fit(corpus)
    >>> model.vectors_.shape
    (7, 8)
    >>> wv = nv.KeyedVectors.from_model(model)           # the input vectors with their keys
    >>> wv.most_similar("cat", topn=1)[0][0] in wv
    True
    """

    def __init__(self, dim: int = 100, window: int = 5, negative: int = 5,
                 sample: float = 1e-3, ns_exponent: float = 0.75, epochs: int = 5,
                 lr: float = 0.025, min_lr: float = 1e-4, min_count: int = 5,
                 max_size: int | None = None, dynamic_window: bool = True,
                 contexts: str = "word", overlap: bool = False, gaps: str = "keep",
                 compute_loss: bool = False,
                 batch: bool = True, batch_positions: int = 1,
                 n_threads: int | None = None, seed: int | None = 0) -> None:
        self.dim = dim
        self.window = window
        self.negative = negative
        self.sample = sample
        self.ns_exponent = ns_exponent
        self.epochs = epochs
        self.lr = lr
        self.min_lr = min_lr
        self.min_count = min_count
        self.max_size = max_size
        self.dynamic_window = dynamic_window
        self.contexts = contexts
        self.overlap = overlap
        self.gaps = gaps
        self.compute_loss = compute_loss
        self.batch = batch
        self.batch_positions = batch_positions
        self.n_threads = n_threads
        self.seed = seed

    _persist_what = "SGNS model"
    # what load() trusts: the kernel reads 4 generator words per thread
    _persist_schema = {"input_vectors": ArraySpec("f", ("n_input", "dim")),
                       "context_vectors": ArraySpec("f", ("n_context", "dim")),
                       "keys": ArraySpec(STRINGS, ("n_keys",)),
                       "counts": ArraySpec("iu", ("n_keys",)),
                       "rng_states": ArraySpec("iu", (None, 4)),
                       "context_keys": ArraySpec(STRINGS, ("n_context",)),
                       "context_counts": ArraySpec("iu", ("n_context",))}

    # ------------------------------------------------------------------ params

    def _validate(self) -> dict[str, Any]:
        p = self._validate_params()
        if p.get("gaps") is None:
            raise TypeError("The 'gaps' parameter of SGNS must be a str among {'keep', "
                            "'drop'}. Got None instead.")
        self._orders()
        return p

    def _orders(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """(input orders, context orders) of ``contexts``; ((1,), (1,)) for words."""
        c = self.contexts
        if not isinstance(c, str):
            raise TypeError("The 'contexts' parameter of SGNS must be a str such as 'word' or "
                            f"'uni_bi'. Got {type(c).__name__} instead.")
        if c in ("word", "pos"):      # "pos": positional contexts (ngramvec.models.pairs)
            return (1,), (1,)
        try:
            return parse_contexts(c)
        except ValueError:
            raise ValueError(
                "The 'contexts' parameter of SGNS must be 'word' or 'X_Y' with X and Y "
                f"among {[_BY_ORDER[k] for k in sorted(_BY_ORDER)]} (for example 'uni_bi'), "
                "or 'pos' (positional contexts). "
                f"Got {c!r} instead.") from None

    @property
    def _ngram(self) -> bool:
        return self._orders() != ((1,), (1,))

    # ------------------------------------------------------------------ training

    def fit(self, corpus: Any, vocab: Vocabulary | None = None, *, progress: bool = False,
            callback: Callable[[dict], Any] | None = None) -> "SGNS":
        """Build the vocabulary (unless given) and train from scratch for ``epochs`` epochs.

        Parameters
        ----------
        corpus : Corpus, EncodedCorpus, path, iterable of sentences, PairsFile or EncodedPairs
            Encoded once (a path or an iterable is wrapped in :class:`ngramvec.Corpus`;
            a generator is read once, which is enough). A pair source
            (:class:`ngramvec.PairsFile`, :class:`ngramvec.EncodedPairs`) trains as
            word2vecf does: each pair one positive example, negatives drawn from its
            context vocabulary, the learning rate decayed over epochs x pairs, pair by
            pair (``batch`` does not apply); its vocabularies are its own, so ``vocab``
            must be None and ``window``, ``sample``, ``min_count``... do not apply.
        vocab : Vocabulary, optional
            Words (and ngrams) to train; default ``Vocabulary.build(corpus, min_count,
            max_size, ngram_orders=...)`` with the orders ``contexts`` needs. With word
            contexts, ngram entries of a given vocabulary are ignored.
        progress : bool, default=False
            Show a tqdm progress bar.
        callback : callable, optional
            Called after each epoch with a new dict of its statistics: ``epoch``
            (counted from 1 over the model's whole training), ``words``, ``seconds``,
            ``words_per_sec``, ``lr`` (at the end of the epoch), ``pairs``, ``batches``
            (batched updates, 0 unless ``batch``) and ``loss`` (None unless
            ``compute_loss``). Returning ``False`` stops training after
            that epoch; the model is then fitted and usable. Not stored.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            A bad parameter, or fewer than two in-vocabulary words.
        TrainingDivergedError
            NaN or Inf in the vectors after an epoch (lower ``lr``).
        OneShotIteratorError
            A Corpus over a generator that was consumed before it could be encoded.
        """
        p = self._validate()
        callback = check_callback(callback, "SGNS.fit")
        enc = self._initialize(corpus, vocab, p, progress)
        self._run(enc, p["epochs"], progress, callback)
        return self

    def partial_fit(self, corpus: Any = None, epochs: int = 1, *,
                    vocab: Vocabulary | None = None, progress: bool = False,
                    callback: Callable[[dict], Any] | None = None) -> "SGNS":
        """Continue training for ``epochs`` more epochs (or start, if not fitted yet).

        The vocabulary, the vectors and every thread's generator state carry over: with
        one thread, continuing a saved and reloaded model gives bit for bit what
        continuing the original gives. The learning rate decays again from ``lr`` to
        ``min_lr`` over these epochs (as gensim's ``train`` does), so ``fit`` then
        ``partial_fit`` is not one longer run. Words of ``corpus`` outside the
        vocabulary are ignored.

        Parameters
        ----------
        corpus : Corpus, EncodedCorpus, path or iterable, optional
            Default: the corpus of the last :meth:`fit` / :meth:`partial_fit` (required
            after :meth:`load`, and for a model that is not fitted yet).
        epochs : int, default=1
        vocab : Vocabulary, optional
            Only for a model that is not fitted yet, as in :meth:`fit`.
        progress, callback : as in :meth:`fit`

        Returns
        -------
        self

        Notes
        -----
        The name is scikit-learn's for continuing to train a fitted estimator on more
        data without re-initialising it; SGNS, GloVe and the post-processing
        transformers all use it, since they follow scikit-learn's estimator contract
        (``get_params``, ``clone``). gensim's ``train`` was the other candidate; it
        belongs to a different contract (``build_vocab`` first, ``total_examples``),
        so its name would promise an API ngramvec does not have.
        """
        p = self._validate()
        epochs = check_param(epochs, "epochs", "SGNS.partial_fit")
        callback = check_callback(callback, "SGNS.partial_fit")
        if not self._is_fitted():
            if corpus is None:
                raise ValueError("this SGNS is not fitted yet: pass the corpus to "
                                 "partial_fit(corpus, epochs)")
            enc = self._initialize(corpus, vocab, p, progress)
        elif corpus is None:
            enc = getattr(self, "_encoded", None)
            if enc is None:
                raise ValueError("this model was loaded from disk; pass the corpus to "
                                 "partial_fit(corpus, epochs)")
        elif isinstance(getattr(self, "_encoded", None), EncodedPairs) or \
                _pairs.is_pair_source(corpus):    # a model of pairs or positional contexts
            enc = _pairs.more_pairs(self, _as_source(corpus), p, progress)
            self._encoded = enc
        else:
            enc = as_encoded(_as_corpus(corpus), progress=progress)
            self._encoded = enc
        self._run(enc, epochs, progress, callback)
        return self

    def _initialize(self, corpus: Any, vocab: Vocabulary | None, p: dict[str, Any],
                    progress: bool) -> EncodedCorpus:
        """Encode the corpus, build or check the vocabulary, initialise the weights."""
        if self.contexts == "pos" or _pairs.is_pair_source(corpus):
            return _pairs.init_sgns_pairs(self, _as_source(corpus), vocab, p, progress)
        in_orders, ctx_orders = self._orders()
        needed = tuple(sorted(set(in_orders) | set(ctx_orders)))
        enc = as_encoded(_as_corpus(corpus), progress=progress)
        if vocab is None:
            vocab = Vocabulary.build(enc, min_count=p["min_count"], max_size=p["max_size"],
                                     ngram_orders=needed, n_threads=self.n_threads)
        elif not isinstance(vocab, Vocabulary):
            raise TypeError("The 'vocab' parameter of SGNS.fit must be a Vocabulary or None. "
                            f"Got {type(vocab).__name__} instead.")
        missing = sorted(set(needed) - set(vocab.ngram_orders))
        if self._ngram and missing:
            raise ValueError(
                f"SGNS(contexts={self.contexts!r}) needs vocabulary entries of order(s) "
                f"{missing}, and the vocabulary has orders {list(vocab.ngram_orders)}; build "
                f"it with Vocabulary.build(corpus, ngram_orders={needed})")
        if set(vocab.ngram_orders) != set(needed):
            vocab = vocab.subset(needed)
        in_vocab = vocab.subset(in_orders) if set(in_orders) != set(needed) else vocab
        ctx_vocab = vocab.subset(ctx_orders) if set(ctx_orders) != set(needed) else vocab
        if int(np.count_nonzero(vocab.orders == 1)) < 2:
            raise ValueError(f"SGNS needs at least two distinct in-vocabulary words; the "
                             f"vocabulary has {int(np.count_nonzero(vocab.orders == 1))} "
                             "(lower min_count or use a larger corpus)")
        dim = p["dim"]
        seed = p["seed"]
        self._seed_used = seed
        ss = np.random.SeedSequence(seed)
        init_ss, self._thread_ss = ss.spawn(2)
        rng = np.random.default_rng(init_ss)
        # word2vec's initialisation: inputs uniform in [-0.5/dim, 0.5/dim), outputs 0
        self._syn0 = ((rng.random((len(in_vocab), dim), dtype=np.float32) - np.float32(0.5))
                      / np.float32(dim))
        self._syn1 = np.zeros((len(ctx_vocab), dim), dtype=np.float32)
        self.vocabulary_ = vocab
        self.input_vocabulary_ = in_vocab
        self.context_vocabulary_ = ctx_vocab
        self.epochs_trained_ = 0
        self.history_: list[dict] = []
        self._rng_states = None
        self._encoded = enc
        return enc

    def _run(self, enc: EncodedCorpus, epochs: int, progress: bool,
             callback: Callable[[dict], Any] | None) -> None:
        """:meth:`_train`, stopping after the epoch whose callback returned False."""
        if callback is None:
            self._train(enc, epochs, progress, None)
            return

        def relay(stats: dict) -> None:
            if callback(stats) is False:
                raise _StopTraining
        try:
            self._train(enc, epochs, progress, relay)
        except _StopTraining:
            logger.info("SGNS: the callback stopped training after epoch %d",
                        self.epochs_trained_)

    def _train(self, enc, epochs: int, progress: bool, callback) -> None:
        if isinstance(enc, EncodedPairs):          # pairs file or positional contexts
            _pairs.train_sgns_pairs(self, enc, epochs, progress, callback)
            return
        n_threads = check_n_threads(self.n_threads, "SGNS")
        if self._rng_states is None or self._rng_states.shape[0] != n_threads:
            seeds = [s.generate_state(4, dtype=np.uint64)
                     for s in self._thread_ss.spawn(n_threads)]
            self._rng_states = np.ascontiguousarray(np.stack(seeds), dtype=np.uint64)
        ids = np.asarray(enc.ids)
        ends = np.asarray(enc.ends)
        if ids.dtype != np.int32 or ends.dtype != np.int64:
            ids = np.ascontiguousarray(ids, dtype=np.int32)
            ends = np.ascontiguousarray(ends, dtype=np.int64)
        n_tokens = int(ends[-1]) if len(ends) else 0
        if n_tokens == 0:
            raise ValueError("the corpus has no tokens")
        if self._ngram and self.gaps == "drop":
            shared, run = self._ngram_runner_dropped(enc, ids, ends, epochs)
        elif self._ngram:
            shared, run = self._ngram_runner(enc, ids, ends, epochs)
        else:
            vocab = self.vocabulary_
            remap = np.ascontiguousarray(enc.remap(vocab), dtype=np.int32)
            if int(np.count_nonzero(remap >= 0)) < 2:
                raise ValueError("SGNS needs at least two distinct in-vocabulary words in "
                                 "the corpus; the vocabulary does not match this corpus")
            shared = self._shared(ends, _keep_thresholds(vocab, self.sample), epochs)

            def run(lo: int, hi: int) -> tuple[int, int, float]:
                return _sgns.sgns_train_words(shared, ids, remap, lo, hi)
        n_chunks = shared.n_chunks
        step = max(1, -(-n_chunks // CALLS_PER_EPOCH))
        bar = None
        if progress:
            from tqdm.auto import tqdm  # reason: tqdm loads only for a progress bar
            bar = tqdm(total=n_tokens * epochs, unit="word", unit_scale=True, desc="SGNS")
        self._kv_cache = {}
        try:
            for e in range(epochs):
                t0 = time.perf_counter()
                batches0 = shared.batches
                words = pairs = 0
                loss = 0.0
                for lo in range(0, n_chunks, step):
                    hi = min(lo + step, n_chunks)
                    w, p, l_ = run(lo, hi)
                    words += w
                    pairs += p
                    loss += l_
                    if bar is not None:
                        bar.update(w)
                secs = time.perf_counter() - t0
                self.epochs_trained_ += 1
                lr_now = max(float(self.min_lr), float(self.lr) - (float(self.lr) - float(
                    self.min_lr)) * float(shared.progress) / (n_tokens * epochs))
                if not (np.isfinite(self._syn0).all() and np.isfinite(self._syn1).all()):
                    raise TrainingDivergedError(
                        f"SGNS diverged in epoch {self.epochs_trained_}: the vectors hold "
                        f"NaN or Inf; lower lr (now {self.lr})")
                stats = {"epoch": self.epochs_trained_, "words": words, "seconds": secs,
                         "words_per_sec": words / secs if secs > 0 else float("inf"),
                         "lr": lr_now, "pairs": pairs, "batches": shared.batches - batches0,
                         "loss": loss / max(pairs, 1) if self.compute_loss else None}
                self.history_.append(stats)
                logger.info("SGNS epoch %d: %s words in %.2fs (%.0f words/s), lr %.5f%s",
                            stats["epoch"], f"{words:,}", secs, stats["words_per_sec"],
                            lr_now, "" if stats["loss"] is None else
                            f", loss {stats['loss']:.4f}")
                if bar is not None:
                    bar.set_postfix(epoch=stats["epoch"], lr=f"{lr_now:.5f}")
                if callback is not None:
                    callback(dict(stats))
        finally:
            if bar is not None:
                bar.close()

    def _shared(self, ends: np.ndarray, keep: np.ndarray, epochs: int) -> _sgns.SGNSShared:
        """The kernels' view of one training run of ``epochs`` epochs: both matrices,
        sentence ends and chunks, subsampling thresholds ``keep`` of the input rows, the
        negative-sampling table of the context rows, the thread states, the settings."""
        weights = self.context_vocabulary_.counts.astype(np.float64) ** float(self.ns_exponent)
        opts = _sgns.SGNSOptions(int(self.dim), int(self.window), int(self.negative),
                                 bool(self.dynamic_window), bool(self.compute_loss),
                                 float(self.lr), float(self.min_lr), int(ends[-1]) * epochs,
                                 bool(self.overlap), bool(self.batch),
                                 group=int(self.batch_positions))
        return _sgns.SGNSShared(self._syn0, self._syn1, ends, _chunk_bounds(ends, CHUNK_TOKENS),
                                keep, _sgns.sgns_alias_table(weights), self._rng_states, opts)

    def _ngram_runner(self, enc, ids: np.ndarray, ends: np.ndarray, epochs: int):
        """The run's shared kernel state and its kernel call with ngram units, with the
        unit arrays of the whole corpus.

        ``iunits[x, p]`` / ``cunits[y, p]``: input / context id of the ngram of order
        ``in_orders[x]`` / ``ctx_orders[y]`` starting at corpus position p, or -1. Built
        once per call of :meth:`fit` / :meth:`partial_fit`, in blocks of
        ``UNIT_BLOCK`` tokens, into memory-mapped files of the temporary directory
        (4 bytes per token and order on disk; the file is unlinked as soon as it is
        mapped, so nothing is left behind whatever ends the process, and the kernel's
        sequential reads stream it through the page cache).
        """
        in_orders, ctx_orders = self._orders()
        in_vocab, ctx_vocab = self.input_vocabulary_, self.context_vocabulary_
        kix = index_vocabularies(enc, in_vocab, ctx_vocab)
        index = kix.index
        n_tok = len(ids)
        # positions within k-1 of a sentence end start an ngram that crosses it (or
        # belongs to a shorter sentence that ends there too): their id is -1
        is_end = np.zeros(n_tok + 8, dtype=bool)     # + the longest order (<= 6)
        is_end[ends[ends > 0] - 1] = True

        def internal_ids(k: int, a: int, b: int) -> np.ndarray:
            """Internal ids of the order-k ngrams starting at positions [a, b)."""
            if k == 1:
                return np.asarray(ids[a:b])
            if not kix.sizes.get(k, 0):
                return np.full(b - a, -1, dtype=np.int32)
            u = index.lookup(np.ascontiguousarray(ids[a:min(b + k - 1, n_tok)]), k)[:b - a]
            # order-k ngram at p crosses a sentence end when one of p..p+k-2 ends one
            cross = np.zeros(b - a, dtype=bool)
            for d in range(k - 1):
                cross |= is_end[a + d:b + d]
            u[cross] = -1
            return u

        def units(vocab: Vocabulary, orders: tuple[int, ...]) -> np.ndarray:
            out = _mapped_int32((len(orders), n_tok))
            for x, k in enumerate(orders):
                if k == 1:
                    m = np.asarray(enc.remap(vocab), dtype=np.int32)
                else:
                    m = kix.row_map(k) if vocab is in_vocab else kix.col_map(k)
                for a in range(0, n_tok, UNIT_BLOCK):
                    b = min(a + UNIT_BLOCK, n_tok)
                    u = internal_ids(k, a, b)
                    row = np.take(m, u, mode="clip")
                    row[u < 0] = -1
                    out[x, a:b] = row
            return out

        iunits = units(in_vocab, in_orders)
        cunits = units(ctx_vocab, ctx_orders)
        if int(np.count_nonzero(cunits[0] >= 0)) == 0 or \
                int(np.count_nonzero(iunits[0] >= 0)) == 0:
            raise ValueError("SGNS needs at least two distinct in-vocabulary words in the "
                             "corpus; the vocabulary does not match this corpus")
        keep_ctx = _keep_thresholds(ctx_vocab, self.sample)
        io = np.asarray(in_orders, dtype=np.int32)
        co = np.asarray(ctx_orders, dtype=np.int32)
        shared = self._shared(ends, _keep_thresholds(in_vocab, self.sample), epochs)

        def run(lo: int, hi: int) -> tuple[int, int, float]:
            return _sgns.sgns_train_ngrams(shared, iunits, cunits, io, co, keep_ctx, lo, hi)
        return shared, run

    def _ngram_runner_dropped(self, enc, ids: np.ndarray, ends: np.ndarray, epochs: int):
        """The run's shared state and kernel call with ngram units and ``gaps="drop"``.

        No per-position unit arrays: the kernel forms every sentence's units itself
        from the lexicon ids (after out-of-vocabulary removal and word subsampling) with
        the ngram index of the vocabulary's ngrams, and maps internal ids to rows with
        ``imaps`` / ``cmaps`` (one int32 array per order, lexicon ids for order 1).
        """
        in_orders, ctx_orders = self._orders()
        vocab = self.vocabulary_
        in_vocab, ctx_vocab = self.input_vocabulary_, self.context_vocabulary_
        kix = index_vocabularies(enc, in_vocab, ctx_vocab)
        index = kix.index
        top = max(max(in_orders), max(ctx_orders))

        def maps(v: Vocabulary, orders: tuple[int, ...]) -> list[np.ndarray]:
            out = []
            for k in range(1, top + 1):
                if k == 1:
                    m = np.asarray(enc.remap(v), dtype=np.int32) if 1 in orders else \
                        np.full(len(enc.lexicon_keys), -1, dtype=np.int32)
                elif k not in orders:
                    m = np.full(max(kix.sizes.get(k, 0), 1), -1, dtype=np.int32)
                else:
                    m = kix.row_map(k) if v is in_vocab else kix.col_map(k)
                out.append(m)
            return out

        imaps, cmaps = maps(in_vocab, in_orders), maps(ctx_vocab, ctx_orders)
        # the words of the vocabulary: their thresholds by lexicon id, 0 out of it
        wmap = np.asarray(enc.remap(vocab), dtype=np.int64)
        if int(np.count_nonzero(wmap >= 0)) < 2:
            raise ValueError("SGNS needs at least two distinct in-vocabulary words in the "
                             "corpus; the vocabulary does not match this corpus")
        thr = _keep_thresholds(vocab, self.sample)
        word_keep = np.where(wmap >= 0, thr[np.maximum(wmap, 0)], 0).astype(np.uint64)
        word_keep[(wmap >= 0) & (word_keep == 0)] = 1     # a kept word is never "OOV"
        io = np.asarray(in_orders, dtype=np.int32)
        co = np.asarray(ctx_orders, dtype=np.int32)
        shared = self._shared(ends, _keep_thresholds(in_vocab, self.sample), epochs)
        ids32 = np.asarray(ids, dtype=np.int32)

        def run(lo: int, hi: int) -> tuple[int, int, float]:
            return _sgns.sgns_train_ngrams_dropped(shared, ids32, word_keep, index, imaps,
                                                   cmaps, io, co, lo, hi)
        return shared, run

    # ------------------------------------------------------------------ results

    def _is_fitted(self) -> bool:
        return getattr(self, "_syn0", None) is not None

    # vectors_, index_to_key_, counts_, context_*, get_vector_arrays: VectorsMixin.
    # "word" is the input side (word2vec's "input"), "word+context" the sum ("sum").
    _vector_aliases = {"input": "word", "sum": "word+context"}

    def _vector_part(self, side: str) -> tuple[np.ndarray, list, np.ndarray] | None:
        if side == "word":
            iv = self.input_vocabulary_
            return self._syn0, iv.index_to_key, iv.counts
        if side == "context":
            cv = self.context_vocabulary_
            return self._syn1, cv.index_to_key, cv.counts
        return None

    # ------------------------------------------------------------------ persistence

    # save() and load() come from PersistMixin: parameters, vocabulary, both matrices
    # and every thread's generator state, so training continues after load().

    def _persist_extra(self) -> tuple[dict[str, Any], dict[str, Any]]:
        arrays = {"input_vectors": self._syn0, "context_vectors": self._syn1,
                  "keys": list(self.vocabulary_.index_to_key), "counts": self.vocabulary_.counts,
                  "rng_states": (np.zeros((0, 4), np.uint64) if self._rng_states is None
                                 else self._rng_states)}
        state = {"epochs_trained": self.epochs_trained_, "history": self.history_,
                 "total_tokens": self.vocabulary_.total_tokens, "seed_used": self._seed_used,
                 "word_total": self.vocabulary_.word_total}
        if getattr(self, "_own_contexts", False):   # pairs: contexts of their own
            arrays["context_keys"] = list(self.context_vocabulary_.index_to_key)
            arrays["context_counts"] = self.context_vocabulary_.counts
        return arrays, state

    def _persist_restore(self, saved: Saved, path: str) -> None:
        a, st = saved.arrays, saved.state
        try:
            vocab = Vocabulary(a["keys"], a["counts"], total_tokens=st["total_tokens"],
                               word_total=st.get("word_total"))
            syn0 = np.ascontiguousarray(a["input_vectors"], dtype=np.float32)
            syn1 = np.ascontiguousarray(a["context_vectors"], dtype=np.float32)
            rng_states = np.ascontiguousarray(a["rng_states"], dtype=np.uint64)
            seed_used = int(st["seed_used"])
            epochs_trained, history = int(st["epochs_trained"]), list(st["history"])
        except (KeyError, ValueError, TypeError) as exc:
            raise VectorsFormatError(f"damaged SGNS model file ({exc!r})", path) from None
        self.vocabulary_ = vocab
        in_orders, ctx_orders = self._orders()
        needed = set(in_orders) | set(ctx_orders)
        self.input_vocabulary_ = vocab.subset(in_orders) if set(in_orders) != needed else vocab
        self.context_vocabulary_ = vocab.subset(ctx_orders) if set(ctx_orders) != needed \
            else vocab
        if "context_keys" in a:                  # pairs: contexts of their own
            try:
                self.context_vocabulary_ = Vocabulary(a["context_keys"], a["context_counts"])
            except (KeyError, ValueError, TypeError) as exc:
                raise VectorsFormatError(f"damaged SGNS model file ({exc!r})", path) from None
            self._own_contexts = True
        if syn0.shape != (len(self.input_vocabulary_), syn0.shape[1]) or \
                syn1.shape != (len(self.context_vocabulary_), syn0.shape[1]):
            raise VectorsFormatError("the SGNS model's matrices do not match its vocabulary",
                                     path)
        self._syn0, self._syn1 = syn0, syn1
        if "batch" not in saved.params:      # written before batch mode: pair by pair
            self.batch = False
        self._rng_states = rng_states if rng_states.size else None
        self._seed_used = seed_used
        self._thread_ss = np.random.SeedSequence(seed_used).spawn(2)[1]
        self.epochs_trained_ = epochs_trained
        self.history_ = history
        self._encoded = None

    _persist_legacy = staticmethod(read_sgns_v1)


def _mapped_int32(shape: tuple[int, int]) -> np.ndarray:
    """A writable int32 array of ``shape`` backed by a memory-mapped temporary file.

    The file is created in the temporary directory (``TMPDIR``) and unlinked as soon
    as it is mapped (POSIX), so it is gone whatever ends the process; the mapping
    lives as long as the array. Where an open file cannot be unlinked (Windows) it is
    removed as a stale temporary by a later run (:func:`remove_stale_temporaries`).
    """
    n = shape[0] * shape[1]
    fd, path = temp_file(None, "sgns-units")
    try:
        try:
            os.ftruncate(fd, max(4 * n, 4))
            mm = np.memmap(path, dtype=np.int32, mode="r+", shape=(max(n, 1),))
        except OSError as exc:
            raise OSError(exc.errno, f"cannot map the ngram unit arrays of SGNS "
                                     f"({4 * n:,} bytes): {exc.strerror}", path) from None
    finally:
        os.close(fd)
        try:
            os.unlink(path)
        except OSError:     # pragma: no cover - Windows keeps a mapped file
            pass
    return mm[:n].reshape(shape)


def _as_source(corpus: Any) -> Any:
    """A pair source as it is; anything else as :func:`_as_corpus` makes it."""
    return corpus if _pairs.is_pair_source(corpus) else _as_corpus(corpus)


def _keep_thresholds(vocab: Vocabulary, sample: float) -> np.ndarray:
    """Subsampling thresholds of the kernels: keep probability times 2**32, uint64."""
    keep = np.minimum(np.floor(vocab.keep_probs(sample) * 2.0**32), 2.0**32)
    return keep.astype(np.uint64)


def _as_corpus(corpus: Any) -> Corpus | EncodedCorpus:
    """Corpus / EncodedCorpus as they are; a text path or an iterable wrapped in a Corpus."""
    if isinstance(corpus, (Corpus, EncodedCorpus)):
        return corpus
    if isinstance(corpus, (str, os.PathLike)):
        if os.path.isfile(os.path.join(os.fspath(corpus), "meta.json")):
            return EncodedCorpus(corpus)
        return Corpus(corpus)
    if isinstance(corpus, Iterable) and not isinstance(corpus, (bytes, bytearray)):
        return Corpus(corpus)
    raise TypeError("The 'corpus' parameter of SGNS.fit must be a Corpus, an EncodedCorpus, "
                    f"a path or an iterable of sentences. Got {type(corpus).__name__} instead.")
