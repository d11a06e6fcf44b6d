"""The Merkle root against RFC 6962's definition, computed recursively, for every size up to 70."""

from __future__ import annotations

import hashlib

from casetrail.services.merkle import MerkleRoot, leaf_hash, node_hash


def reference_root(leaves: list[bytes]) -> bytes:
    """MTH(D[n]) as RFC 6962 section 2.1 writes it."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaf_hash(leaves[0])
    split = 1
    while split * 2 < len(leaves):
        split *= 2
    return node_hash(reference_root(leaves[:split]), reference_root(leaves[split:]))


def test_the_streamed_root_is_rfc_6962s_for_every_size() -> None:
    leaves = [f"leaf {n}".encode() for n in range(70)]
    tree = MerkleRoot()
    assert tree.root() == reference_root([])
    for n, leaf in enumerate(leaves, start=1):
        tree.append(leaf)
        assert tree.size == n
        assert tree.root() == reference_root(leaves[:n]), n


def test_the_root_of_rfc_6962s_empty_tree_and_of_one_empty_leaf() -> None:
    # Known answers from the certificate-transparency test vectors.
    assert MerkleRoot().root().hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    one = MerkleRoot()
    one.append(b"")
    assert one.root().hex() == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
