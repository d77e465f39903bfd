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
from parcours.customers.services import CustomerNotFound, Visibility, ensure_visible
from parcours.deps import ApiSessionDep, SettingsDep, TokenDep, VisibilityDep

router = APIRouter(tags=["identity resolution"])


def _refused(error: ValueError) -> HTTPException:
    message = str(error)
    code = status.HTTP_404_NOT_FOUND if message.startswith("no ") else status.HTTP_409_CONFLICT
    return HTTPException(code, message)


def _visible_merge(session: ApiSessionDep, merge_id: int, visibility: Visibility) -> Merge:
    """The merge, unless it does not exist or its customer may not be seen (the same 404)."""
    merge = session.get(Merge, merge_id)
    try:
        if merge is not None:
            ensure_visible(session, merge.target_customer_id, visibility)
    except CustomerNotFound:
        merge = None
    if merge is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no merge with id {merge_id}")
    return merge


def _ensure_visible_review(session: ApiSessionDep, review_id: int, visibility: Visibility) -> None:
    """404 for a review of a customer the caller may not see, as for one that does not exist."""
    review = session.get(MatchReview, review_id)
    try:
        if review is not None:
            for customer_id in (review.customer_a_id, review.customer_b_id):
                ensure_visible(session, customer_id, visibility)
    except CustomerNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND,
                            f"no match review with id {review_id}") from None  # fmt: skip


@router.post("/customers/merges", response_model=MergeOut, status_code=status.HTTP_201_CREATED)
def post_merge(
    body: MergeIn,
    session: ApiSessionDep,
    settings: SettingsDep,
    token: TokenDep,
    visibility: VisibilityDep,
) -> MergeOut:
    """Merge customers into the oldest of them; the merge can be undone exactly."""
    try:
        for customer_id in body.customer_ids:
            ensure_visible(session, customer_id, visibility)
    except CustomerNotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None
    try:
        merge = merge_customers(
            session, body.customer_ids, decided_by=f"token {token.name}",
            trust=settings.trust_by_source,
        )  # fmt: skip
    except MergeError as error:
        raise _refused(error) from None
    return MergeOut.model_validate(merge)


@router.get("/customers/merges/{merge_id}", response_model=MergeOut)
def get_merge(merge_id: int, session: ApiSessionDep, visibility: VisibilityDep) -> MergeOut:
    return MergeOut.model_validate(_visible_merge(session, merge_id, visibility))


@router.post("/customers/merges/{merge_id}/undo", response_model=MergeOut)
def post_unmerge(
    merge_id: int,
    session: ApiSessionDep,
    settings: SettingsDep,
    token: TokenDep,
    visibility: VisibilityDep,
) -> MergeOut:
    """Undo a merge: its source records go back to the customers they came from."""
    _visible_merge(session, merge_id, visibility)
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
    visibility: VisibilityDep,
    status_: Annotated[str, Query(alias="status", pattern="^(pending|accepted|rejected)$")] = (
        "pending"
    ),
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[MatchReviewOut]:
    """Probable matches, most probable first, with the evidence behind each."""
    reviews = list_reviews(session, status=status_, limit=page_size,
                           offset=(page - 1) * page_size, visibility=visibility)  # fmt: skip
    return [MatchReviewOut.model_validate(review) for review in reviews]


@router.post("/matches/{review_id}/accept", response_model=MergeOut)
def post_accept(
    review_id: int,
    session: ApiSessionDep,
    settings: SettingsDep,
    token: TokenDep,
    visibility: VisibilityDep,
) -> MergeOut:
    """The same person: merge the two customers."""
    _ensure_visible_review(session, review_id, visibility)
    try:
        merge_id = accept_review(
            session, review_id, decided_by=f"token {token.name}", trust=settings.trust_by_source
        )
    except ReviewError as error:
        raise _refused(error) from None
    return MergeOut.model_validate(session.get(Merge, merge_id))


@router.post("/matches/{review_id}/reject", response_model=MatchReviewOut)
def post_reject(
    review_id: int, session: ApiSessionDep, token: TokenDep, visibility: VisibilityDep
) -> MatchReviewOut:
    """Different people: they will not be matched again."""
    _ensure_visible_review(session, review_id, visibility)
    try:
        reject_review(session, review_id, decided_by=f"token {token.name}")
    except ReviewError as error:
        raise _refused(error) from None
    return MatchReviewOut.model_validate(session.get(MatchReview, review_id))
