"""Routes of identity resolution: merges, unmerges and the review queue (thin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from parcours.customers.merging import MergeError, merge_customers, unmerge
from parcours.customers.models import MatchReview, Merge
from parcours.customers.resolution import (
    ReviewError,
    accept_review,
    list_reviews,
    reject_review,
)
from parcours.customers.schemas import MatchReviewOut, MergeIn, MergeOut
from parcours.deps import ApiSessionDep, SettingsDep, TokenDep

router = APIRouter(tags=["identity resolution"])


def _refused(error: ValueError) -> HTTPException:
    message = str(error)
    code = status.HTTP_404_NOT_FOUND if message.startswith("no ") else status.HTTP_409_CONFLICT
    return HTTPException(code, message)


@router.post("/customers/merges", response_model=MergeOut, status_code=status.HTTP_201_CREATED)
def post_merge(
    body: MergeIn, session: ApiSessionDep, settings: SettingsDep, token: TokenDep
) -> MergeOut:
    """Merge customers into the oldest of them; the merge can be undone exactly."""
    try:
        merge = merge_customers(
            session, body.customer_ids, decided_by=f"token {token.name}",
            trust=settings.trust_by_source,
        )  # fmt: skip
    except MergeError as error:
        raise _refused(error) from None
    return MergeOut.model_validate(merge)


@router.get("/customers/merges/{merge_id}", response_model=MergeOut)
def get_merge(merge_id: int, session: ApiSessionDep) -> MergeOut:
    merge = session.get(Merge, merge_id)
    if merge is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no merge with id {merge_id}")
    return MergeOut.model_validate(merge)


@router.post("/customers/merges/{merge_id}/undo", response_model=MergeOut)
def post_unmerge(
    merge_id: int, session: ApiSessionDep, settings: SettingsDep, token: TokenDep
) -> MergeOut:
    """Undo a merge: its source records go back to the customers they came from."""
    try:
        merge = unmerge(
            session, merge_id, decided_by=f"token {token.name}", trust=settings.trust_by_source
        )
    except MergeError as error:
        raise _refused(error) from None
    return MergeOut.model_validate(merge)


@router.get("/matches", response_model=list[MatchReviewOut])
def get_matches(
    session: ApiSessionDep,
    status_: Annotated[str, Query(alias="status", pattern="^(pending|accepted|rejected)$")] = (
        "pending"
    ),
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[MatchReviewOut]:
    """Probable matches, most probable first, with the evidence behind each."""
    reviews = list_reviews(session, status=status_, limit=page_size, offset=(page - 1) * page_size)
    return [MatchReviewOut.model_validate(review) for review in reviews]


@router.post("/matches/{review_id}/accept", response_model=MergeOut)
def post_accept(
    review_id: int, session: ApiSessionDep, settings: SettingsDep, token: TokenDep
) -> MergeOut:
    """The same person: merge the two customers."""
    try:
        merge_id = accept_review(
            session, review_id, decided_by=f"token {token.name}", trust=settings.trust_by_source
        )
    except ReviewError as error:
        raise _refused(error) from None
    return MergeOut.model_validate(session.get(Merge, merge_id))


@router.post("/matches/{review_id}/reject", response_model=MatchReviewOut)
def post_reject(review_id: int, session: ApiSessionDep, token: TokenDep) -> MatchReviewOut:
    """Different people: they will not be matched again."""
    try:
        reject_review(session, review_id, decided_by=f"token {token.name}")
    except ReviewError as error:
        raise _refused(error) from None
    return MatchReviewOut.model_validate(session.get(MatchReview, review_id))
