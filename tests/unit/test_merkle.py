"""The Merkle root against RFC 6962's definition, computed recursively, for every size up to 70, and
from two parts of the log read apart, cut anywhere."""

from __future__ import annotations

import hashlib

import pytest

from casetrail.services.merkle import MerkleRoot, MerkleTree, leaf_hash, node_hash, verify_inclusion


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


def test_two_parts_read_apart_and_joined_give_the_whole_logs_root_wherever_the_cut() -> None:
    leaves = [f"leaf {n}".encode() for n in range(70)]
    for size in range(71):
        for cut in range(size + 1):
            before, after = MerkleRoot(), MerkleRoot(start=cut)
            for leaf in leaves[:cut]:
                before.append(leaf)
            for leaf in leaves[cut:size]:
                after.append(leaf)
            before.extend(after)
            assert before.size == size
            assert before.root() == reference_root(leaves[:size]), (size, cut)


def test_a_part_joins_only_the_leaves_just_before_it_and_has_no_root_alone() -> None:
    before, after = MerkleRoot(), MerkleRoot(start=3)
    for leaf in (b"a", b"b"):
        before.append(leaf)
    after.append(b"d")
    with pytest.raises(ValueError, match="does not follow"):
        before.extend(after)
    with pytest.raises(ValueError, match="no root"):
        after.root()


def reference_path(index: int, leaves: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]) as RFC 9162 section 2.1.3.1 writes it."""
    if len(leaves) <= 1:
        return []
    split = 1
    while split * 2 < len(leaves):
        split *= 2
    if index < split:
        return [*reference_path(index, leaves[:split]), reference_root(leaves[split:])]
    return [*reference_path(index - split, leaves[split:]), reference_root(leaves[:split])]


def test_every_inclusion_proof_is_rfc_9162s_and_verifies_for_every_size() -> None:
    for size in range(1, 40):
        leaves = [f"leaf {n}".encode() for n in range(size)]
        tree = MerkleTree(b"".join(leaf_hash(leaf) for leaf in leaves))
        assert tree.root() == reference_root(leaves)
        for index in range(size):
            proof = tree.inclusion_proof(index)
            assert proof == reference_path(index, leaves), (size, index)
            assert verify_inclusion(index, size, leaf_hash(leaves[index]), proof, tree.root())


def test_a_proof_for_another_leaf_a_wrong_length_or_another_size_is_refused() -> None:
    leaves = [f"leaf {n}".encode() for n in range(13)]
    tree = MerkleTree(b"".join(leaf_hash(leaf) for leaf in leaves))
    root, proof = tree.root(), tree.inclusion_proof(5)
    assert verify_inclusion(5, 13, leaf_hash(leaves[5]), proof, root)
    assert not verify_inclusion(6, 13, leaf_hash(leaves[5]), proof, root)
    assert not verify_inclusion(5, 13, leaf_hash(leaves[6]), proof, root)
    assert not verify_inclusion(5, 13, leaf_hash(leaves[5]), proof[:-1], root)
    assert not verify_inclusion(5, 13, leaf_hash(leaves[5]), [*proof, proof[0]], root)
    assert not verify_inclusion(13, 13, leaf_hash(leaves[5]), proof, root)
