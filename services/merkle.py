"""The Merkle tree hash of the log (RFC 6962 / RFC 9162, section 2.1), computed as the log is read.

A checkpoint signs the root over the log's first ``size`` events, in position order; whoever holds
the checkpoint can tell a log that no longer extends it, however consistently it was rewritten.
"""

from __future__ import annotations

import hashlib


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


class MerkleRoot:
    """Leaves appended one by one; memory is one hash per level."""

    def __init__(self) -> None:
        self.size = 0
        # The roots of the perfect subtrees of the leaves so far, largest first, with their sizes.
        self._subtrees: list[tuple[int, bytes]] = []

    def append(self, data: bytes) -> None:
        size, digest = 1, leaf_hash(data)
        while self._subtrees and self._subtrees[-1][0] == size:
            left_size, left = self._subtrees.pop()
            size, digest = left_size + size, node_hash(left, digest)
        self._subtrees.append((size, digest))
        self.size += 1

    def root(self) -> bytes:
        if not self._subtrees:
            return hashlib.sha256(b"").digest()
        digest = self._subtrees[-1][1]
        for _, left in reversed(self._subtrees[:-1]):
            digest = node_hash(left, digest)
        return digest
