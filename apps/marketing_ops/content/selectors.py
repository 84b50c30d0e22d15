"""Read paths of the content library: who sees which assets, the library list, an asset's page, the review queue
and the usage reports. Every list asks a fixed number of queries, whatever the number of rows.

Visibility is `apps.core.permissions`' rules as a queryset: curators (marketing ops, legal, admins) see every asset,
an owner their own in any status, everyone else live assets only (published, and not expired: `expires_on` after
today in settings.TIME_ZONE, `site_today()`).
"""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from apps.core.models import Opportunity, OpportunityStage, User
from apps.core.models.customers import CLOSED_STAGES
from apps.core.permissions import content_review_roles, is_content_curator, is_ops, owned_by_visible
from apps.core.timezones import site_today
from apps.marketing_ops.content.models import (
    Asset,
    AssetStatus,
    AssetVersion,
    Audience,
    ContentShare,
    ContentUsage,
    ReviewerRole,
    VersionReview,
    VersionStatus,
)

# --- who sees what ------------------------------------------------------------------------------------------


def live_q(today: dt.date, prefix: str = "") -> Q:
    """Published and not expired on `today` (an asset expires *on* its `expires_on`): what reps may see."""
    return Q(**{f"{prefix}status": AssetStatus.PUBLISHED}) & (
        Q(**{f"{prefix}expires_on__isnull": True}) | Q(**{f"{prefix}expires_on__gt": today})
    )


def visible_assets(user: User, today: dt.date | None = None) -> QuerySet[Asset]:
    """The assets `user` may find: all (curators, admins), their own in any status, and everyone's live ones."""
    assets = Asset.objects.all()
    if is_content_curator(user):
        return assets
    return assets.filter(Q(owner_id=user.pk) | live_q(today or site_today()))


def sees_every_version(user: User, asset: Asset) -> bool:
    """Curators and the asset's owner see its versions and history; others only its current version."""
    return is_content_curator(user) or asset.owner_id == user.pk


# --- the library ---------------------------------------------------------------------------------------------


def library_list(
    *, user: User, q: str = "", filters: Mapping | None = None, today: dt.date | None = None
) -> QuerySet[Asset]:
    """The library page's and the API's list: the assets `user` may see, filtered and searched, best match first.

    `filters` are the query parameters `AssetFilter` reads (kind, tag, product, … and `q` as well); invalid ones
    are ignored here, as a list page does (the API validates them through the same filter set). Each asset comes
    with its current version, owner and tags: two queries for any number of rows (three with a search, which
    first asks whether anything matches).
    """
    from apps.marketing_ops.content.filters import AssetFilter  # the filter set reads this module's selectors
    from apps.marketing_ops.content.search import asset_search

    assets = visible_assets(user, today)
    if filters:
        filterset = AssetFilter(filters, queryset=assets, user=user)
        if filterset.is_valid():
            assets = filterset.qs
    return with_list_relations(asset_search(assets, q))


def with_list_relations(assets: QuerySet[Asset]) -> QuerySet[Asset]:
    """What a row of the library shows beside the asset: its current version, owner and tags, fetched up front."""
    return assets.select_related("current_version", "owner").prefetch_related("tags")


def asset_detail(*, user: User, asset_id: int, today: dt.date | None = None) -> Asset:
    """One asset as `user` may see it (Http404 otherwise), with its tags; for curators and its owner also every
    version (newest first, with their reviews) in `asset.all_versions`."""
    assets = with_list_relations(visible_assets(user, today))
    try:
        asset = assets.get(pk=asset_id)
    except Asset.DoesNotExist:
        raise Http404("No such asset.") from None
    asset.all_versions = []
    if sees_every_version(user, asset):
        versions = asset.versions.select_related("uploaded_by").prefetch_related(
            Prefetch("reviews", queryset=VersionReview.objects.select_related("reviewer"))
        )
        asset.all_versions = list(versions.order_by("-number"))
    return asset


# --- the review queue ----------------------------------------------------------------------------------------


def needed_review_roles(asset: Asset) -> set[str]:
    """The roles that must approve a version of `asset`: marketing ops always, legal as well for customer assets."""
    roles = {ReviewerRole.MARKETING_OPS}
    if asset.audience == Audience.CUSTOMER:
        roles.add(ReviewerRole.LEGAL)
    return roles


def review_queue(*, user: User) -> QuerySet[AssetVersion]:
    """Versions in review that `user` may decide now, oldest upload first: in a role they review in and the asset
    needs, not yet decided in that role, of an asset they do not own and a version they did not upload.

    Each version carries `awaits_marketing_ops` and `awaits_legal`: whether `user` still has to decide in that role.
    """
    roles = {ReviewerRole(role) for role in content_review_roles(user)}
    if not roles:
        return AssetVersion.objects.none()
    undecided = {
        role: ~Exists(VersionReview.objects.filter(version=OuterRef("pk"), role=role))
        for role in (ReviewerRole.MARKETING_OPS, ReviewerRole.LEGAL)
    }
    awaiting = {
        ReviewerRole.MARKETING_OPS: undecided[ReviewerRole.MARKETING_OPS],
        ReviewerRole.LEGAL: Q(asset__audience=Audience.CUSTOMER) & undecided[ReviewerRole.LEGAL],
    }
    mine = Q()
    for role in roles:
        mine |= awaiting[role]
    return (
        AssetVersion.objects.filter(status=VersionStatus.IN_REVIEW)
        .exclude(asset__owner_id=user.pk)
        .exclude(uploaded_by_id=user.pk)
        .filter(mine)
        .annotate(
            awaits_marketing_ops=awaiting[ReviewerRole.MARKETING_OPS]
            if ReviewerRole.MARKETING_OPS in roles
            else Value(False),
            awaits_legal=awaiting[ReviewerRole.LEGAL] if ReviewerRole.LEGAL in roles else Value(False),
        )
        .select_related("asset", "asset__owner", "uploaded_by")
        .order_by("uploaded_at", "id")
    )


# --- reports -------------------------------------------------------------------------------------------------


def _period(field: str, since: dt.datetime | None, until: dt.datetime | None) -> Q:
    """`since` ≤ field < `until`; either end open when None."""
    q = Q()
    if since is not None:
        q &= Q(**{f"{field}__gte": since})
    if until is not None:
        q &= Q(**{f"{field}__lt": until})
    return q


def _count(queryset: QuerySet) -> Coalesce:
    """A correlated COUNT(*) of `queryset` (already filtered on `asset=OuterRef("pk")`), 0 when none."""
    counted = queryset.order_by().values("asset").annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def content_most_used(
    *, since: dt.datetime | None = None, until: dt.datetime | None = None, limit: int = 20
) -> QuerySet[Asset]:
    """The assets most viewed, downloaded and shared in the period, by the sum of the three (then by title).

    Each carries `view_count`, `download_count`, `share_count` and `use_count` (their sum). One query: the counts
    are subqueries, so that the three relations do not multiply one another as joins would.
    """
    usage = ContentUsage.objects.filter(_period("at", since, until), asset=OuterRef("pk"))
    return (
        Asset.objects.annotate(
            view_count=_count(usage.filter(action=ContentUsage.Action.VIEW)),
            download_count=_count(usage.filter(action=ContentUsage.Action.DOWNLOAD)),
            share_count=_count(ContentShare.objects.filter(_period("at", since, until), asset=OuterRef("pk"))),
        )
        .annotate(use_count=F("view_count") + F("download_count") + F("share_count"))
        .filter(use_count__gt=0)
        .select_related("owner")
        .order_by("-use_count", "title", "id")[:limit]
    )


def content_never_used(
    *, since: dt.datetime | None = None, until: dt.datetime | None = None, today: dt.date | None = None
) -> QuerySet[Asset]:
    """Live assets nobody viewed, downloaded or shared in the period: candidates to improve, promote or retire."""
    usage = ContentUsage.objects.filter(_period("at", since, until), asset=OuterRef("pk"))
    shares = ContentShare.objects.filter(_period("at", since, until), asset=OuterRef("pk"))
    return (
        Asset.objects.filter(live_q(today or site_today()))
        .filter(~Exists(usage), ~Exists(shares))
        .select_related("owner")
        .order_by("title", "id")
    )


def content_any_live(*, today: dt.date | None = None) -> bool:
    """Whether the library holds any live asset at all (one query): an empty "never used" list means something
    else in an empty library."""
    return Asset.objects.filter(live_q(today or site_today())).exists()


@dataclass(frozen=True)
class TeamUsage:
    """One team's use of the library in a period. The team is a manager's direct reports (and `manager` None:
    people with no manager)."""

    manager_id: int | None
    manager_name: str
    views: int
    downloads: int
    shares: int
    people: int  # how many of the team used the library at all

    @property
    def uses(self) -> int:
        return self.views + self.downloads + self.shares


def content_usage_by_team(*, since: dt.datetime | None = None, until: dt.datetime | None = None) -> list[TeamUsage]:
    """Views, downloads and shares per team, most used first; a team is the users who report to one manager.

    The team is the user's manager *now* (the organisation keeps no history of who reported to whom), and only
    direct reports: a manager's own use counts in their manager's team. Two queries.
    """
    usage = (
        ContentUsage.objects.filter(_period("at", since, until))
        .order_by()
        .values("user__manager_id", "user_id")
        .annotate(
            views=Count("id", filter=Q(action=ContentUsage.Action.VIEW)),
            downloads=Count("id", filter=Q(action=ContentUsage.Action.DOWNLOAD)),
        )
    )
    shares = (
        ContentShare.objects.filter(_period("at", since, until))
        .order_by()
        .values("shared_by__manager_id", "shared_by_id")
        .annotate(shares=Count("id"))
    )
    teams: dict[int | None, dict] = {}

    def team(manager_id):
        return teams.setdefault(manager_id, {"views": 0, "downloads": 0, "shares": 0, "people": set()})

    for row in usage:
        counts = team(row["user__manager_id"])
        counts["views"] += row["views"]
        counts["downloads"] += row["downloads"]
        counts["people"].add(row["user_id"])
    for row in shares:
        counts = team(row["shared_by__manager_id"])
        counts["shares"] += row["shares"]
        counts["people"].add(row["shared_by_id"])
    names = {user.pk: user.get_full_name() or user.username for user in User.objects.filter(pk__in=teams.keys())}
    rows = [
        TeamUsage(
            manager_id=manager_id,
            manager_name=names.get(manager_id, "No manager"),
            views=counts["views"],
            downloads=counts["downloads"],
            shares=counts["shares"],
            people=len(counts["people"]),
        )
        for manager_id, counts in teams.items()
    ]
    return sorted(rows, key=lambda row: (-row.uses, row.manager_name))


@dataclass(frozen=True)
class WinRate:
    """Closed opportunities where the asset was shared against those where it was not, with the counts behind each
    rate (a rate is None when there is nothing to divide: nobody should read 1 of 1 as 100 % without seeing it)."""

    asset_id: int
    title: str
    shared_won: int
    shared_closed: int
    other_won: int
    other_closed: int

    @staticmethod
    def _rate(won: int, closed: int) -> Decimal | None:
        return Decimal(won) * 100 / closed if closed else None

    @property
    def shared_rate(self) -> Decimal | None:
        """Percent of the closed opportunities with a share of the asset that were won."""
        return self._rate(self.shared_won, self.shared_closed)

    @property
    def other_rate(self) -> Decimal | None:
        """Percent won of the closed opportunities without a share of it."""
        return self._rate(self.other_won, self.other_closed)


def content_win_rates(*, closed_from: dt.date | None = None, closed_to: dt.date | None = None) -> list[WinRate]:
    """For each asset shared on a closed opportunity: its win rate there against the win rate of the other closed
    opportunities, most shared first.

    Closed: stage closed won or closed lost, with a close date in [closed_from, closed_to] (either end open when
    None). A share counts when it was made before the opportunity closed (`closed_at`; any share when that is
    unknown): a deck sent after the deal was lost did not lose it. Two queries.
    """
    closed = Opportunity.objects.filter(stage__in=CLOSED_STAGES)
    if closed_from is not None:
        closed = closed.filter(close_date__gte=closed_from)
    if closed_to is not None:
        closed = closed.filter(close_date__lte=closed_to)
    won = Q(stage=OpportunityStage.CLOSED_WON)
    totals = closed.order_by().aggregate(closed=Count("id"), won=Count("id", filter=won))
    shared = (
        ContentShare.objects.filter(opportunity__in=closed)
        .filter(Q(opportunity__closed_at__isnull=True) | Q(at__lte=F("opportunity__closed_at")))
        .order_by()
        .values("asset_id", "asset__title")
        .annotate(
            closed=Count("opportunity", distinct=True),
            won=Count("opportunity", distinct=True, filter=Q(opportunity__stage=OpportunityStage.CLOSED_WON)),
        )
    )
    rows = [
        WinRate(
            asset_id=row["asset_id"],
            title=row["asset__title"],
            shared_won=row["won"],
            shared_closed=row["closed"],
            other_won=totals["won"] - row["won"],
            other_closed=totals["closed"] - row["closed"],
        )
        for row in shared
    ]
    return sorted(rows, key=lambda row: (-row.shared_closed, row.title, row.asset_id))


# --- shares --------------------------------------------------------------------------------------------------


def content_share_list(*, user: User) -> QuerySet[ContentShare]:
    """The shares `user` may read, newest first: everyone's for ops and curators, a manager's team's (transitively),
    else their own. Each with its asset, version, contact, opportunity and sharer: one query for any number of rows.
    """
    shares = owned_by_visible(
        ContentShare.objects.all(), user, "shared_by", everyone=is_ops | is_content_curator
    ).select_related("asset", "version", "contact", "opportunity", "shared_by")
    return shares.order_by("-at", "-id")
