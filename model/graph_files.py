"""Real networks read from files: edge lists (any labels, optionally gzipped) and GraphML.

Both become the same CSR ``Graph`` (``model/graph.py``); a file's identity is the hash of its
bytes, so a graph cache or a resumed sweep can tell an edited file from the one it used.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import zlib
from io import BytesIO
from pathlib import Path

import numpy as np

from ewom_abm import files
from ewom_abm.model.arrays import first_of_run
from ewom_abm.model.errors import EwomError, one_line
from ewom_abm.model.graph import Graph, from_edges

# Byte classes for the edge-list tokenizer: 0 = label byte, 1 = separator (ASCII whitespace,
# comma, NUL), 2 = newline.
_BYTE_CLASS = np.zeros(256, dtype=np.uint8)
_BYTE_CLASS[[0, 9, 11, 12, 13, 32, 44]] = 1
_BYTE_CLASS[10] = 2


def load_graph_file(path: str | os.PathLike) -> Graph:
    """Load a real network: an edge list or GraphML file. Directed inputs are made undirected.

    Edge list (.txt/.csv/.edges, optionally .gz): whitespace- or comma-separated 'u v' per
    line, '#' or '%' comment lines, extra columns such as weights ignored, node labels may be
    any tokens: relabelled to 0..n-1 in order of first appearance. GraphML (.graphml,
    optionally .gz) is read via networkx, then converted.

    gzip is recognised by its magic bytes (a '.gz' name that is not gzip is an error); any
    name not ending in '.graphml[.gz]' is read as an edge list. Real networks let runs use
    observed structure instead of a generator's approximation of it.
    """
    return parse_graph_bytes(files.read_bytes(path, "network.path"), path)


def parse_graph_bytes(raw: bytes, path: str | os.PathLike) -> Graph:
    """A graph file's bytes as a Graph; ``path`` names the format and the file in errors."""
    name = Path(path).name.lower()
    if raw[:2] == b"\x1f\x8b" or name.endswith(".gz"):
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise EwomError(
                f"network.path: unreadable gzip file {path}: {one_line(exc, 120)}"
            ) from None
        name = name.removesuffix(".gz")
    if name.endswith(".graphml"):
        graph = _parse_graphml(raw, str(path))
    else:
        graph = _parse_edge_list(raw, str(path))
    if graph.m == 0:
        raise EwomError(f"network.path: {path} has no edges (empty graph)")
    return graph


def file_digest(path: str | os.PathLike) -> str:
    """blake2b of a file's bytes, hex: a graph file's identity by content, not by name, so a
    sweep resumed after its graph file changed is refused (and a cache can key on it). Reads
    in blocks: about a second per GB."""
    h = _hasher()
    p = files.input_file(path, "network.path")
    try:
        with open(p, "rb") as fh:
            while block := fh.read(1 << 20):
                h.update(block)
    except OSError as exc:
        raise EwomError(f"network.path: cannot read {path}: {files.reason(exc)}") from None
    return h.hexdigest()


def _hasher() -> hashlib.blake2b:
    """The content hash of graph files (sweep identity and graph cache agree on it)."""
    return hashlib.blake2b(digest_size=20)


def content_hash(raw: bytes) -> str:
    h = _hasher()
    h.update(raw)
    return h.hexdigest()


def _parse_graphml(raw: bytes, where: str) -> Graph:
    """GraphML via networkx, relabelled to 0..n-1 in node order (isolated nodes kept)."""
    import networkx as nx

    try:
        g = nx.read_graphml(BytesIO(raw))
    except (SyntaxError, nx.NetworkXError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise EwomError(f"network.path: cannot parse GraphML {where}: "
                        f"{one_line(exc, 120)}") from None
    index = {node: i for i, node in enumerate(g.nodes)}
    uv = np.array([(index[a], index[b]) for a, b in g.edges()], dtype=np.int64).reshape(-1, 2)
    return from_edges(uv[:, 0], uv[:, 1], max(len(index), 1), kind="file")


def _parse_edge_list(raw: bytes, where: str) -> Graph:
    """Tokenise the whole byte string with numpy: token spans, their lines, first two per line.

    Works on bytes, so labels may be any non-separator tokens (UTF-8 included) and nothing
    is built per line except in the error path.
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if b"\n" not in raw:  # classic-Mac line ends (a lone \r would otherwise join all lines)
        raw = raw.replace(b"\r", b"\n")
    a = np.frombuffer(raw, dtype=np.uint8)
    tok = _BYTE_CLASS[a] == 0
    starts = np.flatnonzero(tok[1:] > tok[:-1]) + 1
    ends = np.flatnonzero(tok[1:] < tok[:-1]) + 1
    if tok.size and tok[0]:
        starts = np.concatenate(([0], starts))
    if tok.size and tok[-1]:
        ends = np.concatenate((ends, [tok.size]))
    del tok
    if starts.size == 0:
        raise EwomError(f"network.path: {where} has no edges (empty graph)")
    nl_pos = np.flatnonzero(a == 10)
    line = np.searchsorted(nl_pos, starts)  # 0-based line of each token
    first_idx = np.flatnonzero(first_of_run(line))
    del line
    lead = a[starts[first_idx]]
    data_line = (lead != ord("#")) & (lead != ord("%"))
    n_tok = np.diff(first_idx, append=starts.shape[0])
    bad = np.flatnonzero(data_line & (n_tok < 2))
    if bad.size:
        ln = int(np.searchsorted(nl_pos, starts[first_idx[bad[0]]]))
        lo = int(nl_pos[ln - 1]) + 1 if ln > 0 else 0
        hi = int(nl_pos[ln]) if ln < nl_pos.size else len(raw)
        text = raw[lo:hi].decode("utf-8", errors="replace").strip()
        raise EwomError(
            f"network.path: {where} line {ln + 1}: expected two node labels 'u v', "
            f"got {one_line(text, 60)!r}"
        )
    first_idx = first_idx[data_line]  # data lines have >= 2 tokens: take the first two
    if first_idx.size == 0:
        raise EwomError(f"network.path: {where} has no edges (empty graph)")
    pick = np.empty(2 * first_idx.size, dtype=np.int64)
    pick[0::2] = first_idx
    pick[1::2] = first_idx + 1
    labels, n = _relabel_tokens(raw, starts[pick], ends[pick])
    return from_edges(labels[0::2], labels[1::2], n, kind="file")


def _relabel_tokens(raw: bytes, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, int]:
    """Map token byte spans to ids 0..n-1 in order of first appearance.

    Tokens of <= 8 bytes (node ids up to 99,999,999, short names) become one big-endian
    uint64 read through an overlapping 8-byte window, injective because tokens never contain
    NUL; longer tokens are sliced as bytes. pandas.factorize (hash based) then numbers
    distinct keys in order of first appearance.
    """
    import pandas as pd  # deferred: only file loading needs it

    if int((ends - starts).max()) <= 8:
        padded = np.frombuffer(raw + bytes(8), dtype=np.uint8)
        window = np.ndarray((len(raw),), dtype=">u8", buffer=padded, strides=(1,))
        keys = window[starts].astype(np.uint64)
        keys >>= (8 * (8 - (ends - starts))).astype(np.uint64)
    else:
        keys = np.array(
            [raw[s:e] for s, e in zip(starts.tolist(), ends.tolist(), strict=True)], dtype=object
        )
    codes, uniques = pd.factorize(keys)
    return codes.astype(np.int64, copy=False), len(uniques)
