"""Compiling the step's rules: numba's ``njit`` with an on-disk cache, the model's one random
generator inside compiled code, and field-by-field copies of struct-of-arrays types.

Why compiled: a step is a few loops over consumers, their friends and the step's messages.
Written as numpy calls it costs about 150 calls per brand whatever the market's size; written as
loops, it costs what the loops do (docs/ODD.md, "How to add a rule").

- :func:`jit` compiles a rule (:func:`inline`: one applied per consumer or message), caching
  the machine code on disk (next to the module, or in numba's user cache folder when the
  package is installed read-only) stamped with the digest of all the engine's sources, so only
  the first run after an install or a change pays for compiling.
- :func:`stream` hands compiled code the model's own ``np.random.Generator`` (its bit
  generator's state and functions, as numba's unboxing reads them, for a fraction of the cost):
  compiled and numpy draws come from one stream, so one seed still decides a run. The handle
  points into the generator: make it at each call, never keep it. Compiled rules draw
  :func:`uniform`, :func:`exponential`, :func:`normal` and :func:`below` from it.
- :func:`put`, :func:`take`, :func:`row` and :func:`alike` copy every field of a NamedTuple of
  arrays (such as :class:`model.message.Content`), so adding a field to the type is the only
  edit a copy needs.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import hashlib
import math
import signal
import threading
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numba
import numpy as np
from numba import types
from numba.core import caching, cgutils
from numba.extending import intrinsic, overload

from ewom_abm.model.errors import EwomNote

_ENGINE = Path(__file__).resolve().parent  # the folder of the compiled rules


@contextlib.contextmanager
def held_interrupts() -> Iterator[None]:
    """A Ctrl-C inside the block is held and raised when it ends. Compiled rules must not be
    interrupted half-way: a KeyboardInterrupt raised while numba's dispatcher reads a call's
    arguments crashes the process (a segmentation fault, not a clean exit). Outside the main
    thread signals are not ours to hold, and the block runs as it is."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: held.append(signum))
    try:
        yield
    finally:  # a handler set outside Python reads as None: Python's default then
        signal.signal(signal.SIGINT, previous if previous is not None
                      else signal.default_int_handler)
    if not held or previous == signal.SIG_IGN:
        return
    if callable(previous) and previous is not signal.default_int_handler:
        previous(signal.SIGINT, None)  # someone else's handler: theirs to decide
    else:
        raise KeyboardInterrupt


@functools.cache
def _engine_digest() -> bytes:
    h = hashlib.sha256()
    for path in sorted(_ENGINE.glob("*.py")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.digest()


class _EngineStamp:
    """Compiled rules call and inline each other across modules, and numba checks a cached
    kernel against its own file only; so the stamp of every kernel is the digest of all the
    engine's sources: changing any rule recompiles them all, never a stale mix."""

    def get_source_stamp(self) -> bytes:
        return _engine_digest()

    @classmethod
    def from_function(cls, py_func: Callable, py_file: str) -> Any:
        if Path(py_file).resolve().parent != _ENGINE:
            return None
        return super().from_function(py_func, py_file)


# where numba looks, in its own order: NUMBA_CACHE_DIR if set, next to the sources if
# writable, else the user's cache folder (an installed, read-only package)
_LOCATORS = [type(f"Engine{base.__name__}", (_EngineStamp, base), {})
             for base in (caching.UserProvidedCacheLocator, caching.InTreeCacheLocator,
                          caching.UserWideCacheLocator)]
caching.CacheImpl._locator_classes[:0] = _LOCATORS


class _ForgivingCache(caching.FunctionCache):
    """The on-disk cache is a saving, never a condition: a folder that cannot take the machine
    code (a full disk, a quota, a file-size limit, a read-only home) costs the next run a
    compile, not this run its results. Said once per process."""

    @contextlib.contextmanager
    def _guard_against_spurious_io_errors(self) -> Iterator[None]:
        try:
            yield
        except OSError as exc:
            _unsaved(self._cache_path, exc.strerror or str(exc))


@functools.cache
def _unsaved(folder: str, reason: str) -> None:
    warnings.warn(EwomNote(
        f"could not save the compiled engine in {folder} ({reason}); the results are "
        "unaffected, and the next run compiles again"), stacklevel=2)


def jit(fn: Callable | None = None, **options: Any) -> Any:
    """``numba.njit`` as the rules use it: cached on disk; division by zero gives inf/nan as in
    numpy (the rules guard their divisions), which also spares a check per division."""
    options = {"error_model": "numpy", **options}
    if fn is None:
        return lambda f: jit(f, **options)
    kernel = numba.njit(**options)(fn)
    kernel._cache = _ForgivingCache(fn)
    return kernel


def cached(kernel: Any) -> bool:
    """Whether ``kernel`` has machine code ready, compiled in this process or on disk (numba's
    index file): False on the first run after an install, which compiles every rule (about
    half a minute) and should say so, once. A cache made from other sources is still True
    (numba then recompiles without a word)."""
    try:
        if kernel.signatures:
            return True
        folder = Path(kernel._cache._cache_path)
        return any(folder.glob(f"*{kernel.py_func.__name__}*.nbi"))
    except (AttributeError, OSError):  # not a cached kernel, or numba moved its internals
        return True


def inline(fn: Callable) -> Any:
    """A rule applied per consumer or per message: compiled into each loop that calls it, so
    the arrays it is handed cost nothing to pass (a call that is not inlined pays for counting
    references to every array in its arguments, more than a small rule's own work). Give it
    one exit when it returns nothing: numba's inliner can drop what precedes an early bare
    ``return``."""
    return jit(fn, inline="always")


# --------------------------------------------------------------------------- the one stream

_FUNCTIONS: dict[type, tuple[int, int, int]] = {}  # per bit-generator class


def _address(cfunc: object) -> int:
    return int(ctypes.cast(cfunc, ctypes.c_void_p).value)


def stream(rng: np.random.Generator) -> np.ndarray:
    """What compiled code needs to draw from ``rng``: its state's addresses and its bit
    generator's functions (six uint64). Make it at each call: it points into ``rng``, which must
    stay alive while compiled code draws from it."""
    bitgen = rng.bit_generator
    c = bitgen.ctypes
    fns = _FUNCTIONS.get(type(bitgen))
    if fns is None:
        fns = (_address(c.next_uint64), _address(c.next_uint32), _address(c.next_double))
        _FUNCTIONS[type(bitgen)] = fns
    return np.array([c.state_address, c.state.value, *fns, c.bit_generator.value],
                    dtype=np.uint64)


@intrinsic
def generator(typingctx: object, handle: types.Array) -> tuple:
    """Inside compiled code, the ``np.random.Generator`` a :func:`stream` handle stands for:
    the struct numba builds when a Generator is passed in, without the Python lookups. Rules
    pass the handle to each other and make the generator where they draw."""
    rng_type = types.NumPyRandomGeneratorType("rng")
    bit_type = types.NumPyRandomBitGeneratorType("bit_generator")

    def codegen(context, builder, signature, args):
        arr = context.make_array(signature.args[0])(context, builder, args[0])

        def word(k: int) -> object:
            return builder.load(cgutils.gep_inbounds(builder, arr.data, k))

        bit = cgutils.create_struct_proxy(bit_type)(context, builder)
        bit.state_address = word(0)
        bit.state = word(1)
        bit.fnptr_next_uint64 = word(2)
        bit.fnptr_next_uint32 = word(3)
        bit.fnptr_next_double = word(4)
        bit.bit_generator = word(5)
        bit.parent = cgutils.get_null_value(context.get_value_type(types.pyobject))
        gen = cgutils.create_struct_proxy(rng_type)(context, builder)
        gen.bit_generator = bit._getvalue()
        gen.meminfo = cgutils.get_null_value(gen.meminfo.type)  # nothing for NRT to count
        gen.parent = cgutils.get_null_value(context.get_value_type(types.pyobject))
        return gen._getvalue()

    return rng_type(handle), codegen


# The laws the rules draw, each from the generator's uniform doubles (numba's own samplers
# would draw the same laws, at many times the compile time).

@inline
def uniform(gen: object) -> float:
    """U(0, 1)."""
    return gen.random()


@inline
def exponential(gen: object) -> float:
    """Exp(1), by inversion."""
    return -math.log(1.0 - gen.random())


@inline
def normal(gen: object) -> float:
    """N(0, 1), by Box and Muller (1958): one of the pair."""
    return math.sqrt(2.0 * exponential(gen)) * math.cos(2.0 * math.pi * gen.random())


@inline
def below(k: int, gen: object) -> int:
    """A uniform integer in [0, k)."""
    return min(int(gen.random() * k), k - 1)


# --------------------------------------------------------------------------- field copies

def _generated(name: str, params: str, body: list[str], env: dict | None = None) -> Callable:
    """A function compiled from lines of source (numba compiles it for each tuple type)."""
    namespace = dict(env or {})
    exec(f"def {name}({params}):\n" + "\n".join(f"    {line}" for line in body), namespace)
    return namespace[name]


@intrinsic
def put(typingctx: object, dst: types.BaseTuple, i: types.Integer, src: types.BaseTuple,
        j: types.Integer) -> tuple:
    """``dst[i] = src[j]`` in every field of two NamedTuples of 1-d arrays with the same fields
    (compiled code only). An intrinsic: it copies the elements without the reference counting
    a call passing the tuples would cost."""

    def codegen(context, builder, signature, args):
        dst_t, _, src_t, _ = signature.args
        to, at, fro, from_at = args
        for k in range(len(dst_t)):
            a = context.make_array(dst_t[k])(context, builder, builder.extract_value(to, k))
            b = context.make_array(src_t[k])(context, builder, builder.extract_value(fro, k))
            into = cgutils.get_item_pointer(context, builder, dst_t[k], a, [at],
                                            wraparound=False)
            out = cgutils.get_item_pointer(context, builder, src_t[k], b, [from_at],
                                           wraparound=False)
            value = context.cast(builder, builder.load(out), src_t[k].dtype, dst_t[k].dtype)
            builder.store(value, into)
        return context.get_dummy_value()

    return types.void(dst, i, src, j), codegen


def take(src: tuple, idx: np.ndarray) -> tuple:
    """A new NamedTuple of the same type holding ``src[idx]`` in every field."""
    return type(src)(*(a[idx] for a in src))


def row(src: tuple, b: int) -> tuple:
    """Row ``b`` of every field of a NamedTuple of 2-d arrays (views)."""
    return type(src)(*(a[b] for a in src))


def alike(src: tuple, size: int) -> tuple:
    """A new NamedTuple of the same type with uninitialised 1-d fields of ``size`` entries,
    each of its field's dtype."""
    return type(src)(*(np.empty(size, a.dtype) for a in src))


@overload(take)
def _take(src, idx):
    cls = src.instance_class
    fields = ", ".join(f"src[{k}][idx]" for k in range(len(src)))
    return _generated("take", "src, idx", [f"return cls({fields})"], {"cls": cls})


@overload(alike)
def _alike(src, size):
    cls = src.instance_class
    fields = ", ".join(f"np.empty(size, src[{k}].dtype)" for k in range(len(src)))
    return _generated("alike", "src, size", [f"return cls({fields})"], {"cls": cls, "np": np})


@overload(row)
def _row(src, b):
    cls = src.instance_class
    fields = ", ".join(f"src[{k}][b]" for k in range(len(src)))
    return _generated("row", "src, b", [f"return cls({fields})"], {"cls": cls})


if numba.config.DISABLE_JIT:
    # NUMBA_DISABLE_JIT=1 runs the rules as Python (mutation testing, tools/mutation.py: no
    # compile per mutant): the handle is then the Generator itself, and intrinsics are Python.
    def stream(rng: np.random.Generator) -> Any:
        return rng

    def generator(handle: Any) -> Any:
        return handle

    def put(dst: tuple, i: int, src: tuple, j: int) -> None:
        for a, b in zip(dst, src, strict=True):
            a[i] = b[j]
