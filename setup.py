"""Build the compiled kernels of ngramvec.

Everything else (metadata, dependencies, package data) is in pyproject.toml.

Environment switches
--------------------
NGRAMVEC_NATIVE=1   compile with -march=native (faster, not portable).
NGRAMVEC_DEBUG=1    turn Cython bounds and wraparound checks back on, no -O3.
NGRAMVEC_OPENMP=0   build without OpenMP even when the compiler has it.
NGRAMVEC_SANITIZE=1 build with AddressSanitizer and UndefinedBehaviorSanitizer (-O1 -g,
                    bounds checks on; errors abort). Python itself is not instrumented,
                    so run with the sanitizer runtime preloaded, as .ci/run does:
                    LD_PRELOAD="$(cc -print-file-name=libasan.so)" ASAN_OPTIONS=detect_leaks=0
"""
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup

SANITIZE = os.environ.get("NGRAMVEC_SANITIZE", "0") == "1"
DEBUG = os.environ.get("NGRAMVEC_DEBUG", "0") == "1" or SANITIZE
NATIVE = os.environ.get("NGRAMVEC_NATIVE", "0") == "1"

MODULES = ["data._encode", "data._ngrams", "models._cooccur", "models._phrases", "models._sgns",
           "vectors._formats",
           "data._pairs", "models._pairs"]

DIRECTIVES = {
    "language_level": 3,
    "boundscheck": DEBUG,
    "wraparound": DEBUG,
    "initializedcheck": DEBUG,
    "cdivision": True,
    "nonecheck": False,
    "embedsignature": True,
}


def has_openmp() -> bool:
    """Compile and link a tiny OpenMP program to see whether the compiler supports it."""
    if os.environ.get("NGRAMVEC_OPENMP", "1") == "0" or sys.platform == "win32":
        return False
    cc = os.environ.get("CC", "cc")
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "omp.c")
        with open(src, "w") as f:
            f.write("#include <omp.h>\nint main(void){return omp_get_max_threads() > 0 ? 0 : 1;}\n")
        try:
            r = subprocess.run([cc, "-fopenmp", src, "-o", os.path.join(tmp, "omp")],
                               capture_output=True)
        except OSError:
            return False
        return r.returncode == 0


def max_order() -> str:
    """MAX_ORDER of ngramvec/base/keys.py, the one definition of the highest ngram order."""
    with open(os.path.join("ngramvec", "base", "keys.py"), encoding="utf-8") as f:
        found = re.search(r"^MAX_ORDER = (\d+)\b", f.read(), re.M)
    if found is None:
        raise SystemExit("setup.py: no 'MAX_ORDER = <int>' line in ngramvec/base/keys.py")
    return found.group(1)


OPENMP = has_openmp()
compile_args = ["-O0", "-g"] if DEBUG else ["-O3"]
compile_args += ["-std=c99", "-Wno-unused-function", "-Wno-unreachable-code"]
link_args = []
if SANITIZE:
    sanitizers = ["-fsanitize=address,undefined", "-fno-sanitize-recover=undefined",
                  "-fno-omit-frame-pointer"]
    compile_args = ["-O1", "-g"] + compile_args[2:] + sanitizers
    link_args += sanitizers
if NATIVE:
    compile_args.append("-march=native")
if OPENMP:
    compile_args.append("-fopenmp")
    link_args.append("-fopenmp")
else:
    print("ngramvec: building without OpenMP, kernels run on one thread", file=sys.stderr)

extensions = [
    Extension(
        f"ngramvec.{name}",
        [f"ngramvec/{name.replace('.', '/')}.pyx"],
        include_dirs=[np.get_include(), "csrc"],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION"),
                       ("NV_MAX_ORDER", max_order())],
        extra_compile_args=compile_args,
        extra_link_args=link_args,
        depends=[os.path.join("csrc", f) for f in os.listdir("csrc") if f.endswith(".h")],
    )
    for name in MODULES
]

setup(
    ext_modules=cythonize(extensions, compiler_directives=DIRECTIVES,
                          compile_time_env={"HAVE_OPENMP": OPENMP}),
)
