"""cffi builder for the compiled module ``pybp._pybp_c``.

setup.py names ``ffibuilder`` in ``cffi_modules``. The cdef is read from
csrc/pybp.h, so the header stays the single description of the C API.

Environment:
    PYBP_EXTRA_CFLAGS  extra flags for compiling and linking, split like a
                       shell command line (for example a sanitizer build:
                       ``-fsanitize=address,undefined -O1 -g``).
"""

import glob
import os
import re
import shlex

from cffi import FFI

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CSRC = os.path.join(ROOT, "csrc")

# NOTE: never -march=native (the wheel must run on other CPUs) and never
# -ffast-math (it drops NaN checks and can set flush-to-zero for the whole
# process). The SIMD kernels get their instruction sets per function.
BASE_CFLAGS = ["-O3", "-std=c11", "-fopenmp", "-fno-math-errno"]
BASE_LDFLAGS = ["-fopenmp"]


def read_cdef(header_path):
    """Return the declarations between the cdef markers of the header."""
    with open(header_path, encoding="utf-8") as f:
        text = f.read()
    match = re.search(r"/\* cdef-begin \*/(.*)/\* cdef-end \*/", text, re.S)
    if match is None:
        raise RuntimeError(f"{header_path} has no cdef-begin/cdef-end markers")
    lines = [ln for ln in match.group(1).splitlines() if not ln.lstrip().startswith("#")]
    return re.sub(r"\brestrict\b", "", "\n".join(lines))


def relative_to_cwd(path):
    # setuptools wants source paths relative to the project directory.
    return os.path.relpath(path, os.getcwd())


def flags_stamp(flags):
    """Return a file that records the compiler flags, rewritten when they change.

    The build lists it as a dependency, so a rebuild with other flags (for
    example a sanitizer build) recompiles instead of reusing stale objects.
    """
    path = os.path.join("build", "pybp-cflags.txt")
    text = " ".join(flags) + "\n"
    try:
        with open(path, encoding="utf-8") as f:
            if f.read() == text:
                return path
    except OSError:
        pass
    os.makedirs("build", exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


extra_flags = shlex.split(os.environ.get("PYBP_EXTRA_CFLAGS", ""))
cflags = BASE_CFLAGS + extra_flags
# The define becomes a C string literal: subprocess passes the quotes as-is.
flags_define = '-DPYBP_CFLAGS="' + " ".join(cflags).replace('"', "'") + '"'

ffibuilder = FFI()
ffibuilder.cdef(read_cdef(os.path.join(CSRC, "pybp.h")))
ffibuilder.set_source(
    "pybp._pybp_c",
    '#include "pybp.h"',
    sources=sorted(relative_to_cwd(p) for p in glob.glob(os.path.join(CSRC, "*.c"))),
    include_dirs=[relative_to_cwd(CSRC)],
    extra_compile_args=cflags + [flags_define],
    extra_link_args=BASE_LDFLAGS + extra_flags,
    depends=sorted(
        relative_to_cwd(p)
        for p in glob.glob(os.path.join(CSRC, "*.h")) + glob.glob(os.path.join(CSRC, "*.inc"))
    ) + [flags_stamp(cflags)],
)

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
