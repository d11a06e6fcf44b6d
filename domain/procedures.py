"""A step of a configured procedure (a callback, a confirmation) done for a booking or a contact."""

from __future__ import annotations

from pydantic import model_validator

from casetrail.domain.values import Data, Ref


class Step(Data):
    """What a step's event stores on each stream it names."""

    procedure: Ref
    step: Ref


class ProcedureStep(Step):
    """``procedure.step``: lands on the booking's stream, the contact's, or both."""

    booking_ref: Ref | None = None
    contact_ref: Ref | None = None

    @model_validator(mode="after")
    def _names_a_subject(self) -> ProcedureStep:
        if not self.booking_ref and not self.contact_ref:
            raise ValueError("needs booking_ref or contact_ref")
        return self
