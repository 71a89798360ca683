"""Faults and clean-up: SIGTERM unwinds like Ctrl-C, temporaries of dead processes are
removed, and output paths are checked before the work starts.

The signal tests run the real ``ngramvec`` command in a child process, slowed down at
one point (a sleep after a spill, after an encoded block, before the fsync of an
atomic write), and send it a real SIGTERM there.
"""
from __future__ import annotations

import errno
import logging
import os
import select
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import ngramvec as nv
from ngramvec.base import fileio
from ngramvec.base.exceptions import (NgramvecError, PathError, PathIsDirectoryError,
                                      PathNotDirectoryError, PathNotFoundError,
                                      PathNotWritableError)
from ngramvec.base.fileio import (atomic_write, check_directory, check_writable,
                                  remove_stale_temporaries, temp_dir, temp_file)
from ngramvec.base.signals import EXIT_TERMINATED, Terminated, terminate_as_interrupt
from ngramvec.cli import main

ROOT = Path(__file__).resolve().parents[1]
posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX signals and process ids")


# ---- terminate_as_interrupt -----------------------------------------------------------

@posix_only
def test_sigterm_raises_terminated_and_handler_is_restored():
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    with pytest.raises(Terminated, match="terminated by signal 15") as info:
        with terminate_as_interrupt() as installed:
            assert installed is True
            signal.raise_signal(signal.SIGTERM)
    assert isinstance(info.value, KeyboardInterrupt) and info.value.signum == signal.SIGTERM
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


@posix_only
def test_second_sigterm_while_unwinding_is_ignored():
    cleaned = []
    with pytest.raises(Terminated):
        with terminate_as_interrupt():
            try:
                signal.raise_signal(signal.SIGTERM)
            finally:
                signal.raise_signal(signal.SIGTERM)   # must not cut the clean-up short
                cleaned.append(True)
    assert cleaned == [True]


@posix_only
def test_a_handler_of_the_program_is_left_alone():
    seen = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: seen.append(signum))
    try:
        with terminate_as_interrupt() as installed:
            signal.raise_signal(signal.SIGTERM)
        assert installed is False and seen == [signal.SIGTERM]
        assert signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_nothing_is_installed_outside_the_main_thread():
    result = []

    def work():
        with terminate_as_interrupt() as installed:
            result.append(installed)

    t = threading.Thread(target=work)
    t.start()
    t.join()
    assert result == [False]
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_importing_ngramvec_installs_no_handler():
    code = ("import signal, ngramvec, ngramvec.cli\n"
            "print(signal.getsignal(signal.SIGTERM) is signal.SIG_DFL)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       cwd=ROOT, timeout=120)
    assert r.stdout.strip() == "True", r.stderr[-2000:]


# ---- SIGTERM to the ngramvec command ---------------------------------------------------

def _child(tmp_path: Path, patch: str, argv: list[str]) -> tuple[subprocess.Popen, Path]:
    """Start ``ngramvec <argv>`` in a child with ``patch`` run first; TMPDIR is private."""
    tmpdir = tmp_path / "systmp"
    tmpdir.mkdir()
    code = "import os, sys, time\n" + textwrap.dedent(patch) + textwrap.dedent("""
        from ngramvec.cli import main
        sys.exit(main(sys.argv[1:]))
    """)
    env = dict(os.environ, TMPDIR=str(tmpdir), PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-c", code, *argv], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return proc, tmpdir


def _wait_for(proc: subprocess.Popen, marker: str, timeout: float = 120) -> None:
    """Read the child's stdout until a line ``marker``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 1.0)
        if ready:
            line = proc.stdout.readline()
            if line.strip() == marker:
                return
            if line == "":          # the child ended before reaching the marker
                break
    proc.kill()
    raise AssertionError(f"no {marker!r} from the child: {proc.communicate()[1][-3000:]}")


def _terminate(proc: subprocess.Popen) -> tuple[int, str]:
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    return proc.returncode, err


def _corpus_file(tmp_path: Path, n: int = 3000) -> Path:
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(300)]
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(" ".join(rng.choice(words, size=30)) for _ in range(n)) + "\n")
    return path


def _temporaries(d: Path) -> list[str]:
    return sorted(p.name for p in d.iterdir() if p.name.startswith(".ngramvec-"))


@posix_only
def test_sigterm_while_counting_removes_spills_and_the_encoded_corpus(tmp_path):
    """SIGTERM while counting spills: the spill directory, the temporary encoded corpus
    and the output are all gone, and the exit status is 143."""
    corpus = _corpus_file(tmp_path)
    spill = tmp_path / "spill"
    spill.mkdir()
    patch = f"""
        import ngramvec.data.spill as spill_mod
        import ngramvec.models.cooccur as cooccur_mod
        spill_mod._CHUNK_TOKENS = 20000
        real = cooccur_mod.cooccur_count_shard
        def slow(*args):
            out = real(*args)
            if any(f.endswith(".run") for _, _, fs in os.walk({str(spill)!r}) for f in fs):
                print("SPILLED", flush=True)
                time.sleep(60)
            return out
        cooccur_mod.cooccur_count_shard = slow
    """
    proc, systmp = _child(tmp_path, patch, [
        "count", str(corpus), "-o", "out.npz", "--min-count", "1", "--window", "5",
        "--memory-limit", "300KB", "--tmp-dir", str(spill), "--threads", "1"])
    _wait_for(proc, "SPILLED")
    # what there is to clean up: a spill directory with runs, an encoded corpus
    assert len(_temporaries(spill)) == 1 and len(_temporaries(systmp)) == 1
    rc, err = _terminate(proc)
    assert rc == EXIT_TERMINATED == 143, err[-2000:]
    assert "ngramvec: terminated" in err
    assert os.listdir(spill) == [] and os.listdir(systmp) == []
    assert sorted(os.listdir(tmp_path)) == ["corpus.txt", "spill", "systmp"]


@posix_only
def test_sigterm_while_encoding_removes_the_temporary_corpus(tmp_path):
    corpus = _corpus_file(tmp_path, n=200)
    patch = """
        from ngramvec.data.corpus import Corpus
        real = Corpus._feed
        def slow(self, enc, progress=None):
            for item in real(self, enc, progress):
                yield item
                print("ENCODING", flush=True)
                time.sleep(60)
        Corpus._feed = slow
    """
    proc, systmp = _child(tmp_path, patch, ["vocab", str(corpus), "-o", "vocab.txt",
                                            "--min-count", "1"])
    _wait_for(proc, "ENCODING")
    [encoding] = _temporaries(systmp)
    assert "-encoded." in encoding and (systmp / encoding / "ids.i32").exists()
    rc, err = _terminate(proc)
    assert rc == 143, err[-2000:]
    assert os.listdir(systmp) == []
    assert sorted(os.listdir(tmp_path)) == ["corpus.txt", "systmp"]


@posix_only
def test_sigterm_during_an_atomic_write_of_vectors_keeps_the_old_file(tmp_path):
    corpus = nv.Corpus(_corpus_file(tmp_path, n=300))
    vocab = nv.Vocabulary.build(corpus, min_count=1)
    nv.PPMI().fit_transform(nv.count_cooccurrences(corpus, vocab, window=2)).save(
        tmp_path / "ppmi.npz")
    out = tmp_path / "out"
    out.mkdir()
    (out / "vectors.txt").write_text("old\n")
    patch = """
        def slow_fsync(fd):        # the whole file is written, not yet renamed
            print("WRITING", flush=True)
            time.sleep(60)
        os.fsync = slow_fsync
    """
    proc, _ = _child(tmp_path, patch, ["svd", "ppmi.npz", "-o", str(out / "vectors.txt"),
                                       "--dim", "3"])
    _wait_for(proc, "WRITING")
    [partial] = _temporaries(out)
    assert partial.startswith(f".ngramvec-{proc.pid}-") and "-vectors.txt." in partial
    rc, err = _terminate(proc)
    assert rc == 143, err[-2000:]
    assert os.listdir(out) == ["vectors.txt"]
    assert (out / "vectors.txt").read_text() == "old\n"


@posix_only
def test_library_code_gets_the_same_clean_up_by_wrapping_itself(tmp_path):
    """The documented pattern for programs using the library (no CLI)."""
    code = textwrap.dedent(f"""
        import os, sys, time
        import numpy as np
        import ngramvec as nv
        from ngramvec.base.signals import Terminated, terminate_as_interrupt
        def slow_fsync(fd):
            print("WRITING", flush=True)
            time.sleep(60)
        os.fsync = slow_fsync
        wv = nv.KeyedVectors(np.ones((2, 3), dtype=np.float32), ["a", "b"])
        try:
            with terminate_as_interrupt():
                wv.save_word2vec_format({str(tmp_path / "v.txt")!r})
        except Terminated:
            sys.exit(143)
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    _wait_for(proc, "WRITING")
    assert len(_temporaries(tmp_path)) == 1
    rc, err = _terminate(proc)
    assert rc == 143, err[-2000:]
    assert os.listdir(tmp_path) == []


# ---- temporaries of dead processes ------------------------------------------------------

def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


@posix_only
def test_temporary_names_carry_the_pid_and_host(tmp_path):
    fd, path = temp_file(tmp_path, "vectors.txt")
    os.close(fd)
    d = temp_dir(tmp_path, "spill")
    prefix = f".ngramvec-{os.getpid()}-{fileio._host_tag()}-"
    assert os.path.basename(path).startswith(prefix + "vectors.txt.")
    assert os.path.basename(d).startswith(prefix + "spill.") and d.endswith(".tmp")
    assert fileio._TEMP_NAME.match(os.path.basename(path))
    long_name = "x" * 300
    fd, path = temp_file(tmp_path, long_name)   # the label is cut: the name stays legal
    os.close(fd)
    assert len(os.path.basename(path)) < 120


@posix_only
def test_stale_temporaries_of_dead_processes_are_removed(tmp_path, caplog):
    dead, live = _dead_pid(), os.getppid()
    tag = fileio._host_tag()
    stale_file = tmp_path / f"{fileio._temp_prefix('out.npz', dead)}abcd1234.tmp"
    stale_file.write_bytes(b"partial")
    stale_dir = tmp_path / f"{fileio._temp_prefix('spill', dead)}abcd1234.tmp"
    stale_dir.mkdir()
    (stale_dir / "t0-000000.run").write_bytes(b"run")
    kept = [
        f"{fileio._temp_prefix('out.npz', live)}abcd1234.tmp",            # live process
        f"{fileio._temp_prefix('out.npz', os.getpid())}abcd1234.tmp",     # this process
        f".ngramvec-{dead}-{'0' if tag[0] != '0' else '1'}{tag[1:]}-x.abcd1234.tmp",  # host
        f".ngramvec-{dead}-{tag}-x.abcd1234",                             # not a .tmp
        f".out.npz.{dead}.tmp",                                           # not ours
        "results.txt",
    ]
    for name in kept:
        (tmp_path / name).write_bytes(b"keep")
    with caplog.at_level(logging.INFO, logger="ngramvec.base.fileio"):
        with atomic_write(tmp_path / "new.txt", "w") as f:   # creating a temporary here
            f.write("x")
    assert sorted(os.listdir(tmp_path)) == sorted(kept + ["new.txt"])
    assert f"left by process {dead} which is gone" in caplog.text
    assert str(stale_file) in caplog.text and str(stale_dir) in caplog.text
    assert remove_stale_temporaries(tmp_path) == []


@pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0, reason="chown needs root")
def test_stale_temporaries_of_another_user_are_kept(tmp_path):
    other = tmp_path / f"{fileio._temp_prefix('out.npz', _dead_pid())}abcd1234.tmp"
    other.write_bytes(b"theirs")
    os.chown(other, 4321, 4321)
    assert remove_stale_temporaries(tmp_path) == [] and other.exists()


@posix_only
def test_a_symlink_named_like_a_temporary_is_not_followed(tmp_path):
    target = tmp_path / "precious"
    target.mkdir()
    (target / "data").write_text("keep")
    link = tmp_path / f"{fileio._temp_prefix('spill', _dead_pid())}abcd1234.tmp"
    link.symlink_to(target)
    assert remove_stale_temporaries(tmp_path) == []
    assert (target / "data").read_text() == "keep"


@posix_only
def test_kill_9_leaves_a_temporary_that_the_next_run_removes(tmp_path, caplog):
    code = textwrap.dedent(f"""
        import time
        from ngramvec.base.fileio import atomic_write
        with atomic_write({str(tmp_path / "v.txt")!r}, "w") as f:
            f.write("partial")
            f.flush()
            print("WRITING", flush=True)
            time.sleep(60)
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    _wait_for(proc, "WRITING")
    proc.kill()
    proc.wait(timeout=60)
    [left] = _temporaries(tmp_path)
    assert left.startswith(f".ngramvec-{proc.pid}-")
    with caplog.at_level(logging.INFO, logger="ngramvec.base.fileio"):
        nv.KeyedVectors(np.ones((1, 2), dtype=np.float32), ["a"]).save_word2vec_format(
            tmp_path / "w.txt")
    assert os.listdir(tmp_path) == ["w.txt"]
    assert f"{left}, a temporary left by process {proc.pid} which is gone" in caplog.text


@posix_only
def test_spill_directory_of_a_dead_process_is_removed_by_the_next_count(tmp_path, rng):
    stale = tmp_path / f"{fileio._temp_prefix('spill', _dead_pid())}abcd1234.tmp"
    stale.mkdir()
    (stale / "t0-000003.run").write_bytes(b"\0" * 64)
    corpus = nv.Corpus([" ".join(rng.choice(list("abcdefgh"), size=10)) for _ in range(50)])
    nv.count_cooccurrences(corpus, nv.Vocabulary.build(corpus, min_count=1), tmp_dir=tmp_path)
    assert os.listdir(tmp_path) == []


# ---- checks before the work -------------------------------------------------------------

def test_check_writable(tmp_path):
    assert check_writable(tmp_path / "out.txt") == str(tmp_path / "out.txt")
    with pytest.raises(PathIsDirectoryError, match=r"The output file is a directory, not a "
                       rf"file: {tmp_path}"):
        check_writable(tmp_path)
    with pytest.raises(PathNotFoundError, match=r"The folder of the output file does not "
                       r"exist: .*missing \(for .*missing/x.txt\)"):
        check_writable(tmp_path / "missing" / "x.txt")
    (tmp_path / "file").write_text("")
    with pytest.raises(PathNotDirectoryError, match="The folder of the vectors is a file"):
        check_writable(tmp_path / "file" / "x.txt", "the vectors")
    with pytest.raises(PathNotFoundError, match="The output file is an empty path"):
        check_writable("")
    if os.path.exists("/dev/null"):
        with pytest.raises(PathError, match="is not a regular file: /dev/null"):
            check_writable("/dev/null")
    err = pytest.raises(PathError, check_writable, tmp_path).value
    assert isinstance(err, NgramvecError) and isinstance(err, IsADirectoryError)
    assert err.errno == errno.EISDIR and err.filename == str(tmp_path)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can write anywhere")
def test_check_writable_unwritable_folder(tmp_path):  # pragma: no cover - not run as root
    d = tmp_path / "ro"
    d.mkdir()
    d.chmod(0o500)
    with pytest.raises(PathNotWritableError, match=r"Cannot write the output file .*: its "
                       "folder .* is not writable"):
        check_writable(d / "x.txt")
    with pytest.raises(PathNotWritableError, match="is not writable"):
        check_directory(d, "the 'tmp_dir' of f")


def test_check_directory(tmp_path):
    assert check_directory(None, "x") is None
    assert check_directory(tmp_path, "x") == str(tmp_path)
    with pytest.raises(PathNotFoundError, match=r"The 'tmp_dir' of f does not exist: .*nope"):
        check_directory(tmp_path / "nope", "the 'tmp_dir' of f")
    (tmp_path / "file").write_text("")
    with pytest.raises(PathNotDirectoryError, match=r"The 'tmp_dir' of f is a file, not a "
                       "directory: .*file"):
        check_directory(tmp_path / "file", "the 'tmp_dir' of f")


def test_atomic_write_checks_before_the_block(tmp_path):
    ran = []
    with pytest.raises(PathIsDirectoryError, match="is a directory"):
        with atomic_write(tmp_path):
            ran.append(True)
    with pytest.raises(PathNotFoundError, match="does not exist"):
        with atomic_write(tmp_path / "no" / "x.bin"):
            ran.append(True)
    assert ran == [] and os.listdir(tmp_path) == []


def test_tmp_dir_that_is_a_file(tmp_path):
    """Checked by count_cooccurrences and Vocabulary.build before encoding."""
    (tmp_path / "file").write_text("")
    corpus = nv.Corpus(["a b c", "b c d"])
    with pytest.raises(PathNotDirectoryError, match=r"The 'tmp_dir' of Vocabulary.build is "
                       "a file, not a directory"):
        nv.Vocabulary.build(corpus, min_count=1, ngram_orders=(1, 2),
                            tmp_dir=tmp_path / "file")
    vocab = nv.Vocabulary(["a", "b"], [2, 2])
    with pytest.raises(PathNotDirectoryError, match=r"The 'tmp_dir' of count_cooccurrences "
                       "is a file, not a directory"):
        nv.count_cooccurrences(corpus, vocab, tmp_dir=tmp_path / "file")
    assert corpus._encoded is None        # refused before the corpus was encoded
    with pytest.raises(FileNotFoundError, match="'tmp_dir' of count_cooccurrences does not "
                       "exist"):
        nv.count_cooccurrences(corpus, vocab, tmp_dir=tmp_path / "nope")


@pytest.fixture
def no_work(monkeypatch):
    """Fail if a subcommand gets as far as encoding or counting."""
    from ngramvec.data.corpus import Corpus

    def refuse(*args, **kwargs):
        raise AssertionError("the work started before the paths were checked")
    monkeypatch.setattr(Corpus, "encode", refuse)


@pytest.mark.parametrize("argv, message", [
    (["-o", "{d}"], "The -o/--output file is a directory, not a file: {d}"),
    (["-o", "{d}/missing/v.txt"], "The folder of the -o/--output file does not exist"),
    (["-o", "{d}/v.txt", "--save-model", "{d}/no/m.npz"],
     "The folder of the --save-model file does not exist"),
])
def test_cli_checks_outputs_before_the_work(tmp_path, capsys, no_work, argv, message):
    corpus = tmp_path / "c.txt"
    corpus.write_text("a b c\nb c d\n")
    argv = [a.format(d=tmp_path) for a in argv]
    assert main(["sgns", str(corpus), "--min-count", "1", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ngramvec: error: " + message.format(d=tmp_path)), err
    assert err.count("\n") == 1


def test_cli_tmp_dir_that_is_a_file(tmp_path, capsys, no_work):
    corpus = tmp_path / "c.txt"
    corpus.write_text("a b c\n")
    (tmp_path / "f").write_text("")
    assert main(["count", str(corpus), "-o", str(tmp_path / "c.npz"),
                 "--tmp-dir", str(tmp_path / "f")]) == 2
    assert capsys.readouterr().err == (f"ngramvec: error: The --tmp-dir directory is a file, "
                                       f"not a directory: {tmp_path / 'f'}\n")


# ---- disk space for spills --------------------------------------------------------------

def _spilling_count(tmp_path, rng, monkeypatch):
    import ngramvec.data.spill as spill_mod
    monkeypatch.setattr(spill_mod, "_CHUNK_TOKENS", 20000)
    sents = [" ".join(rng.choice([f"w{i}" for i in range(300)], size=30)) for _ in range(3000)]
    corpus = nv.Corpus(sents)
    vocab = nv.Vocabulary.build(corpus, min_count=1)
    return lambda: nv.count_cooccurrences(corpus, vocab, window=5, memory_limit="300KB",
                                          tmp_dir=tmp_path, n_threads=1)


class _Usage:
    def __init__(self, free):
        self.total, self.used, self.free = 10 ** 12, 0, free


def test_spills_projected_to_exceed_the_free_disk_raise(tmp_path, rng, monkeypatch):
    import ngramvec.data.spill as spill_mod
    count = _spilling_count(tmp_path, rng, monkeypatch)
    monkeypatch.setattr(spill_mod.shutil, "disk_usage", lambda path: _Usage(1000))
    with pytest.raises(PathError, match=r"^count_cooccurrences: the spill runs are projected to "
                       r"need about [\d,]+ more bytes \([\d,]+ written for [\d.]+% of the "
                       rf"corpus\) but {tmp_path}.* has 1,000 bytes free; free some space"
                       ) as info:
        count()
    assert info.value.errno == errno.ENOSPC and isinstance(info.value, OSError)
    assert os.listdir(tmp_path) == []          # the spill directory is removed


def test_spills_projected_near_the_free_disk_warn(tmp_path, rng, monkeypatch, caplog):
    import ngramvec.data.spill as spill_mod
    count = _spilling_count(tmp_path, rng, monkeypatch)
    monkeypatch.setattr(spill_mod.shutil, "disk_usage", lambda path: _Usage(1000))
    monkeypatch.setattr(spill_mod, "_DISK_RAISE_FACTOR", 10 ** 12)
    with caplog.at_level(logging.WARNING, logger="ngramvec.data.spill"):
        c = count()
    assert c.stats["spills"] > 0
    assert caplog.text.count("the spill runs are projected to need") == 1   # warned once
    assert "counting goes on, but the disk may fill up" in caplog.text


def test_no_disk_check_without_spills(tmp_path, rng, monkeypatch):
    import ngramvec.data.spill as spill_mod

    def no_disk(path):
        raise AssertionError("disk_usage called without a spill")
    monkeypatch.setattr(spill_mod.shutil, "disk_usage", no_disk)
    monkeypatch.setattr(spill_mod, "_CHUNK_TOKENS", 200)
    corpus = nv.Corpus([" ".join(rng.choice(list("abcdef"), size=20)) for _ in range(100)])
    c = nv.count_cooccurrences(corpus, nv.Vocabulary.build(corpus, min_count=1),
                               tmp_dir=tmp_path)
    assert c.stats["spills"] == 0
