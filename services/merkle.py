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
    """Leaves appended one by one; memory is one hash per level.

    A tree may begin at leaf ``start`` of the log, for a part of the log read apart from the rest:
    its subtrees are then those of the whole log's tree that lie within the part, and ``extend``
    joins it to the tree of the leaves before it."""

    def __init__(self, start: int = 0) -> None:
        self.start = start
        self.size = 0
        # The roots of the whole log's perfect subtrees that the leaves so far fill, in leaf order:
        # (first leaf, size, root). From leaf 0 they are largest first, one per bit of the size.
        self._subtrees: list[tuple[int, int, bytes]] = []

    def append(self, data: bytes) -> None:
        self._push(self.start + self.size, 1, leaf_hash(data))
        self.size += 1

    def extend(self, after: MerkleRoot) -> None:
        """Take in the tree of the leaves that follow this one's."""
        if after.start != self.start + self.size:
            raise ValueError(f"a tree from leaf {after.start} does not follow one of leaves "
                             f"{self.start} to {self.start + self.size - 1}")
        for first, size, digest in after._subtrees:
            self._push(first, size, digest)
        self.size += after.size

    def _push(self, first: int, size: int, digest: bytes) -> None:
        # Two neighbours of one size make a subtree of the whole tree only where it begins at a
        # multiple of their joint size: RFC 6962 splits every range at a power of two.
        while self._subtrees and self._subtrees[-1][1] == size and (first - size) % (2 * size) == 0:
            first, _, left = self._subtrees.pop()
            size, digest = 2 * size, node_hash(left, digest)
        self._subtrees.append((first, size, digest))

    def root(self) -> bytes:
        if self.start:
            raise ValueError("a tree that does not begin at the log's first leaf has no root of the log")
        if not self._subtrees:
            return hashlib.sha256(b"").digest()
        digest = self._subtrees[-1][2]
        for _, _, left in reversed(self._subtrees[:-1]):
            digest = node_hash(left, digest)
        return digest


class MerkleTree:
    """Every level of the tree over known leaf hashes, for inclusion proofs (RFC 9162, 2.1.3.1).

    Each level is one bytes object of 32-byte hashes: a million leaves take 64 MB, not the
    several times that of a million small objects. A level's odd last node moves up unchanged,
    which gives the same tree as RFC 6962's split at the largest power of two."""

    def __init__(self, leaf_hashes: bytes) -> None:
        self.size = len(leaf_hashes) // 32
        self._levels = [leaf_hashes]
        while len(self._levels[-1]) > 32:
            below, above = self._levels[-1], bytearray()
            for at in range(0, len(below) - 32, 64):
                above += node_hash(below[at:at + 32], below[at + 32:at + 64])
            if len(below) // 32 % 2:
                above += below[-32:]
            self._levels.append(bytes(above))

    def root(self) -> bytes:
        return self._levels[-1] if self.size else hashlib.sha256(b"").digest()

    def inclusion_proof(self, index: int) -> list[bytes]:
        if not 0 <= index < self.size:
            raise IndexError(f"leaf {index} is not in a tree of {self.size}")
        proof = []
        for level in self._levels[:-1]:
            sibling = index ^ 1
            if sibling * 32 < len(level):
                proof.append(level[sibling * 32:sibling * 32 + 32])
            index >>= 1
        return proof


def verify_inclusion(index: int, size: int, leaf: bytes, proof: list[bytes], root: bytes) -> bool:
    """RFC 9162, 2.1.3.2: whether ``proof`` takes the leaf hash at ``index`` to ``root`` in a tree of ``size``."""
    if not 0 <= index < size:
        return False
    fn, sn, digest = index, size - 1, leaf
    for sibling in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            digest = node_hash(sibling, digest)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            digest = node_hash(digest, sibling)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and digest == root
