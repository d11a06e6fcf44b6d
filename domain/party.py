"""A party (a guest, a member, a partner): its stream records only its erasure.

What a party did and said lives on the streams of its bookings, contacts and cases; the
party's own stream says when its personal data was erased, by whom and why.
"""

from __future__ import annotations

from casetrail.domain.model import Aggregate
from casetrail.domain.values import Data, Ref, Text


class PartyErased(Data):
    party_ref: Ref
    reason: Text


class Party(Aggregate):
    class Fact(Aggregate.Fact):
        party_ref: str

    class Erased(PartyErased, Fact):
        pass
