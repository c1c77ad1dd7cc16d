"""Which code the lab steps, where a thread stands, and which steps another thread could see.

Only the code under test is stepped: the files of the threads' own functions, notebook cells,
and the modules a caller names. Everything else (the standard library, the course's
machinery, the ``@validated`` wrapper) runs atomically between two steps, except where it
blocks.

For the search, each instruction is *local* (it reads and writes only the thread's own frame:
``LOAD_FAST``, ``LOAD_CONST``, stack shuffles, jumps that test ``None``) or *shared* (anything
that may read or write memory another thread can see: attribute and global access, subscripts,
calls, operators that may call Python code, truth tests of objects). A local step commutes with
every step of every other thread, so the search never switches threads before one: it branches
only before shared steps and blocking points. The set of local opnames is read from
``dis.opmap`` of the running version, never assumed.

Child-safe: standard library only.
"""

from __future__ import annotations

import _weakrefset
import dis
import functools
import gc
import inspect
import linecache
import os
import sys
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import CodeType, ModuleType
from typing import Annotated, Any

from ..core.domains import AnyInt, Fn, Int, Items, Of, Text, validated

#: Instructions that never touch memory another thread can see (those this version has).
LOCAL_OPS = frozenset(
    name
    for name in (
        "LOAD_FAST",
        "LOAD_FAST_CHECK",
        "LOAD_FAST_AND_CLEAR",
        "LOAD_FAST_LOAD_FAST",
        "LOAD_FAST_BORROW",
        "LOAD_FAST_BORROW_LOAD_FAST_BORROW",
        "STORE_FAST",
        "STORE_FAST_LOAD_FAST",
        "STORE_FAST_STORE_FAST",
        "STORE_FAST_MAYBE_NULL",
        "DELETE_FAST",
        "LOAD_CONST",
        "LOAD_SMALL_INT",
        "POP_TOP",
        "COPY",
        "SWAP",
        "DUP_TOP",
        "DUP_TOP_TWO",
        "ROT_TWO",
        "ROT_THREE",
        "ROT_FOUR",
        "ROT_N",
        "PUSH_NULL",
        "JUMP_FORWARD",
        "JUMP_BACKWARD",
        "JUMP_BACKWARD_NO_INTERRUPT",
        "JUMP_ABSOLUTE",
        "JUMP",
        "JUMP_NO_INTERRUPT",
        "PRECALL",
        "KW_NAMES",
        "POP_BLOCK",
        "SETUP_FINALLY",
        "POP_JUMP_IF_NONE",
        "POP_JUMP_IF_NOT_NONE",
        "POP_JUMP_FORWARD_IF_NONE",
        "POP_JUMP_FORWARD_IF_NOT_NONE",
        "POP_JUMP_BACKWARD_IF_NONE",
        "POP_JUMP_BACKWARD_IF_NOT_NONE",
        "IS_OP",
        "LOAD_CLOSURE",
        "BUILD_TUPLE",
        "BUILD_SLICE",
        "NOT_TAKEN",
        "POP_ITER",
        "END_FOR",
        "MAKE_CELL",
        "COPY_FREE_VARS",
        "GEN_START",
    )
    if name in dis.opmap
)
#: Not a step of their own: no effect at all.
SKIPPED_OPS = frozenset({"RESUME", "NOP", "CACHE", "EXTENDED_ARG"})
#: Local, unless they hand control to code the lab does not step (then anything may happen).
RETURN_OPS = frozenset({"RETURN_VALUE", "RETURN_CONST", "YIELD_VALUE"})

SKIP, LOCAL, SHARED, RETURN = 0, 1, 2, 3

# --- Footprints: what a shared step may read and write, for the partial-order reduction -----
#: A step's footprint: ``(reads, writes)``, frozensets of keys such as ``("attr", "value")``,
#: or ALL (it may touch anything: a call, a subscript, an operator, a wakeup).
Footprint = tuple[frozenset[tuple[str, str]], frozenset[tuple[str, str]]] | None
ALL: Footprint = None
EMPTY: Footprint = (frozenset(), frozenset())

#: Shared instructions that touch one named place only, unless they run Python code (a
#: property, ``__getattr__``): a step during which any Python function starts counts as ALL.
_NAMED = {
    **{op: ("attr", "r") for op in ("LOAD_ATTR", "LOAD_METHOD")},
    **{op: ("attr", "w") for op in ("STORE_ATTR", "DELETE_ATTR")},
    **{op: ("global", "r") for op in ("LOAD_GLOBAL", "LOAD_NAME")},
    **{
        op: ("global", "w") for op in ("STORE_GLOBAL", "DELETE_GLOBAL", "STORE_NAME", "DELETE_NAME")
    },
    **{op: ("cell", "r") for op in ("LOAD_DEREF", "LOAD_CLASSDEREF")},
    **{op: ("cell", "w") for op in ("STORE_DEREF", "DELETE_DEREF")},
}


_PUSH_EXC_INFO = dis.opmap.get("PUSH_EXC_INFO")  # 3.11+


def entering_handler(frame: Any) -> bool:
    """Whether ``frame`` stands at the first instruction of an exception handler.

    An exception is already on its way through the frame there, so a trace function must not
    raise another one: raised before ``PUSH_EXC_INFO`` has run, the handler's cleanup makes the
    exception on its way the thread's *handled* one for good (3.11 to 3.13). ``sys.exception()``
    then stays set after the frame is gone, and every later exception of that thread chains to
    it, run after run on a carrier.
    """
    if _PUSH_EXC_INFO is None:
        return False
    code = frame.f_code.co_code
    return frame.f_lasti < len(code) and code[frame.f_lasti] == _PUSH_EXC_INFO


#: Where the weakref machinery runs its callbacks (``WeakSet``'s and the weak dictionaries'
#: removals, ``weakref.finalize``): the collector calls them, on whatever thread it runs on.
_WEAKREF_FILES = frozenset(os.path.abspath(m.__file__ or "") for m in (weakref, _weakrefset))


def in_callback(frame: Any) -> bool:
    """Whether ``frame`` runs inside a callback the interpreter makes from C on any thread:
    one of ``gc.callbacks``, a weakref callback of the standard library, or a ``__del__``.

    An exception raised there never reaches the thread's own code: it is reported as
    unraisable and dropped.
    """
    gc_codes = {getattr(getattr(cb, "__func__", cb), "__code__", None) for cb in gc.callbacks}
    while frame is not None:
        code = frame.f_code
        if code in gc_codes or code.co_name == "__del__" or code.co_filename in _WEAKREF_FILES:
            return True
        frame = frame.f_back
    return False


def can_raise_here(frame: Any) -> bool:
    """Whether an exception a trace function raises in ``frame`` unwinds the thread as it
    should; where it would not, the lab raises its Abandon at the thread's next line."""
    return not entering_handler(frame) and not in_callback(frame)


def _footprint_of(opname: str, argval: Any, kind: int) -> Footprint:
    if kind in (SKIP, LOCAL):
        return EMPTY
    named = _NAMED.get(opname)
    if named is None or not isinstance(argval, str):
        return ALL
    key = frozenset({(named[0], argval)})
    return (key, frozenset()) if named[1] == "r" else (frozenset(), key)


def union(a: Footprint, b: Footprint) -> Footprint:
    if a is None or b is None:
        return ALL
    if not b[0] and not b[1]:
        return a
    return (a[0] | b[0], a[1] | b[1])


def independent(a: Footprint, b: Footprint) -> bool:
    """Two steps that commute: neither may touch anything, and neither writes what the other
    reads or writes."""
    if a is None or b is None:
        return False
    return not (a[1] & (b[0] | b[1])) and not (b[1] & a[0])


_LAB_DIR = os.path.dirname(os.path.abspath(__file__))
_NEVER = (os.path.join(os.path.dirname(_LAB_DIR), "core", "domains.py"),)


def _kind(opname: str) -> int:
    if opname in SKIPPED_OPS:
        return SKIP
    if opname in RETURN_OPS:
        return RETURN
    return LOCAL if opname in LOCAL_OPS else SHARED


@dataclass(frozen=True)
class CodeInfo:
    """Per instruction offset: ``(opname, kind, footprint)``; per line: the line's kind
    (shared if any of its instructions is) and footprint (ALL when it is shared: a line runs
    several instructions, some of which may touch anything)."""

    ops: dict[int, tuple[str, int, Footprint]]
    lines: dict[int, int]


def code_info(code: CodeType) -> CodeInfo:
    ops: dict[int, tuple[str, int, Footprint]] = {}
    lines: dict[int, int] = {}
    line = code.co_firstlineno
    for instruction in dis.get_instructions(code):
        kind = _kind(instruction.opname)
        ops[instruction.offset] = (
            instruction.opname,
            kind,
            _footprint_of(instruction.opname, instruction.argval, kind),
        )
        positions = getattr(instruction, "positions", None)
        if positions is not None and positions.lineno is not None:
            line = positions.lineno
        elif instruction.starts_line not in (None, False, True):  # 3.10-3.12: the line number
            line = int(instruction.starts_line)
        elif getattr(instruction, "line_number", None) is not None:  # 3.13+
            line = instruction.line_number
        if kind != SKIP:
            lines[line] = max(lines.get(line, LOCAL), SHARED if kind == RETURN else kind)
    return CodeInfo(ops, lines)


@validated
def is_cell(filename: Text) -> bool:
    """A notebook cell's code (IPython's ``<ipython-input-...>``, ipykernel's cell files)."""
    return filename.startswith("<ipython-input-") or "ipykernel_" in filename


def _unwrap(fn: Any) -> Any:
    while True:
        if isinstance(fn, functools.partial):
            fn = fn.func
        elif inspect.ismethod(fn):
            fn = fn.__func__
        elif hasattr(fn, "__wrapped__"):
            fn = inspect.unwrap(fn)
            if hasattr(fn, "__wrapped__"):
                return fn
        else:
            return fn


def code_of(fn: Any) -> CodeType | None:
    """The code object a callable runs first (a function's, a method's, a ``__call__``'s)."""
    fn = _unwrap(fn)
    code = getattr(fn, "__code__", None)
    if code is None and not inspect.isroutine(fn) and not inspect.isclass(fn):
        call = vars(type(fn)).get("__call__") if isinstance(type(fn), type) else None
        code = getattr(_unwrap(call), "__code__", None)
    return code if isinstance(code, CodeType) else None


@validated
def module_file(module: Annotated[str | ModuleType, Of((str, ModuleType))]) -> str:
    if isinstance(module, str):
        import importlib

        module = sys.modules.get(module) or importlib.import_module(module)
    filename = getattr(module, "__file__", None)
    if not filename:
        raise ValueError(f"step: module {module.__name__!r} has no source file to step")
    return os.path.abspath(filename)


class Stepping:
    """Decides, once per code object, whether the lab steps it (and caches what it learns)."""

    @validated
    def __init__(
        self,
        callables: Annotated[Sequence[Callable[..., Any]], Items(Fn())],
        modules: Annotated[Sequence[Any], Items(Of((str, ModuleType)), empty_ok=True)],
    ) -> None:
        files = set()
        for fn in callables:
            code = code_of(fn)
            if code is not None:
                files.add(os.path.abspath(code.co_filename))
        files |= {module_file(module) for module in modules}
        self.files = frozenset(f for f in files if not self._never(f))
        self._cache: dict[CodeType, CodeInfo | None] = {}

    @staticmethod
    def _never(filename: str) -> bool:
        return filename.startswith(_LAB_DIR + os.sep) or filename in _NEVER

    def stepped(self, filename: str) -> bool:
        if is_cell(filename):
            return True
        absolute = filename if os.path.isabs(filename) else os.path.abspath(filename)
        return absolute in self.files

    def info(self, code: CodeType) -> CodeInfo | None:
        try:
            return self._cache[code]
        except KeyError:
            pass
        info = code_info(code) if self.stepped(code.co_filename) else None
        self._cache[code] = info
        return info


@dataclass(frozen=True)
class Position:
    """Where a thread stands: the next line and instruction it will run."""

    file: str
    line: int
    text: str
    opname: str
    function: str
    first: int = 0  # the first line of the function (its ``def``), for a listing

    @property
    def where(self) -> str:
        name = os.path.basename(self.file) if not is_cell(self.file) else "cell"
        return f"{name}:{self.line}"

    def __str__(self) -> str:
        return f"{self.where} {self.text}  [{self.opname}]"


@validated
def position(code: Annotated[CodeType, Of(CodeType)], line: AnyInt, opname: Text) -> Position:
    text = linecache.getline(code.co_filename, line).strip()
    return Position(code.co_filename, line, text, opname, code.co_name, code.co_firstlineno)


@validated
def start_position(fn: Any, label: Text) -> Position:
    """A thread that has not started: it will call ``fn`` (code the lab may not step)."""
    code = code_of(fn)
    if code is None:
        return Position("", 0, f"{label}()", "(start)", label, 0)
    text = linecache.getline(code.co_filename, code.co_firstlineno).strip()
    return Position(
        code.co_filename, code.co_firstlineno, text, "(start)", code.co_name, code.co_firstlineno
    )


@validated
def listing(
    pos: Annotated[Position, Of(Position)], most: Annotated[int, Int(1, 1000)] = 14
) -> list[tuple[int, str]]:
    """The source lines of the function ``pos`` stands in: ``(number, text)``, at most
    ``most`` of them, around the current line."""
    if not pos.file or pos.first <= 0:
        return []
    lines = linecache.getlines(pos.file)
    if not lines:
        return [(pos.line, pos.text)]
    try:
        block = inspect.getblock(lines[pos.first - 1 :])
    except Exception:  # a lambda, a one-liner: just the line itself
        block = [lines[pos.line - 1]] if 0 < pos.line <= len(lines) else []
        return [(pos.line, block[0].rstrip())] if block else []
    numbered = [(pos.first + i, text.rstrip()) for i, text in enumerate(block)]
    if len(numbered) > most:
        at = max(0, min(pos.line - pos.first - most // 2, len(numbered) - most))
        numbered = numbered[at : at + most]
    return numbered
