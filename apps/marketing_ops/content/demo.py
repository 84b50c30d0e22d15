"""Demo data for the content library: about thirty assets of a B2B analytics company, in every status and kind, with
real small files (made by `samples`), their text and previews, history, reviews, usage and shares.

The rows are written directly, as the history would have left them (dates in the past, reviews by other people):
the services act "now" and as one actor, which a believable history cannot be made of. Every file is processed by
`version_process` itself, so previews and text are what the worker would have made.
"""

import datetime as dt
import hashlib
import random
import uuid

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from apps.core.models import Contact, Opportunity, OpportunityStage, Role, User
from apps.marketing_ops.content import samples, search
from apps.marketing_ops.content.models import (
    Asset,
    AssetEvent,
    AssetKind,
    AssetStatus,
    AssetVersion,
    Audience,
    ContentShare,
    ContentUsage,
    FunnelStage,
    ReviewerRole,
    Tag,
    VersionReview,
    VersionStatus,
)
from apps.marketing_ops.content.services.processing import version_process
from apps.marketing_ops.content.services.sweep import date_shown

K, S, F = AssetKind, AssetStatus, FunnelStage
DAY = dt.timedelta(days=1)
INTERNAL, CUSTOMER = Audience.INTERNAL, Audience.CUSTOMER
# The first asset: present means the demo library was made already.
MARKER = "Meridian platform overview 2026"

TAGS = [
    "Analytics", "Automation", "Integrations", "Security", "Compliance", "Pricing", "ROI", "Competitive",
    "Onboarding", "Enterprise", "Mid-market", "SMB", "Retail", "Manufacturing", "Financial services",
    "Healthcare", "Product launch", "Customer story", "Objection handling", "Partner",
]  # fmt: skip

OOXML = "application/vnd.openxmlformats-officedocument."
FILE_TYPES = {  # file: (extension, kind, MIME type)
    "pdf": (".pdf", "pdf", "application/pdf"),
    "docx": (".docx", "office", f"{OOXML}wordprocessingml.document"),
    "pptx": (".pptx", "office", f"{OOXML}presentationml.presentation"),
    "xlsx": (".xlsx", "office", f"{OOXML}spreadsheetml.sheet"),
    "png": (".png", "image", "image/png"),
    "txt": (".txt", "text", "text/plain"),
}


# title, kind, audience, status, product, segment, funnel stage, language, tags, description, body, file, extra.
# extra: versions (how many, default 1), expires / review (days from today), reviewed (days ago), owner ("admin"),
# story: "legal_pending" (in review, marketing ops approved, legal to do), "new_in_review" (published, a newer
# version in review), "rejected" (draft after a rejected version), "expired" (archived by the sweep), "retired".
ASSETS = [
    (MARKER, K.DECK, CUSTOMER, S.PUBLISHED, "Platform", "", F.AWARENESS, "en",
     ["Analytics", "Automation", "Integrations"],
     "The first-meeting deck: who we are, the three products, customer logos and the 2026 roadmap themes.",
     "Meridian turns operational data into decisions.\nAnalytics, Automate and Connect on one platform.\n"
     "1,200 customers in 31 countries. 99.95 % uptime in 2025.", "pdf", {"versions": 3}),
    ("Northwind Logistics case study: 40 % faster month-end reporting", K.CASE_STUDY, CUSTOMER, S.PUBLISHED,
     "Analytics", "enterprise", F.CONSIDERATION, "en", ["Customer story", "Analytics", "Enterprise"],
     "How Northwind replaced 14 spreadsheets with Meridian Analytics and closed the books four days earlier.",
     "Northwind Logistics runs 220 depots across Europe.\nBefore Meridian: 14 spreadsheets, 9 days to close.\n"
     "After: one model, 5 days to close, 40 % less reporting effort.", "pdf", {"reviewed": 40}),
    ("Battlecard: Meridian vs. Globex Insights", K.BATTLECARD, INTERNAL, S.PUBLISHED, "Analytics", "",
     F.DECISION, "en", ["Competitive", "Analytics", "Objection handling"],
     "Where we win, where we lose and the five traps to set when Globex is in the deal. Internal only.",
     "Globex wins on price for under 50 seats.\nWe win on governed self-service and the data connectors.\n"
     "Trap: ask for their row-level security story.", "docx", {"versions": 2}),
    ("Security and compliance overview (SOC 2 Type II, ISO 27001, GDPR)", K.DATASHEET, CUSTOMER, S.PUBLISHED,
     "Platform", "enterprise", F.DECISION, "en", ["Security", "Compliance", "Enterprise"],
     "What security reviewers ask for first: certifications, encryption, hosting regions, sub-processors.",
     "Encryption at rest AES-256, in transit TLS 1.3.\nSOC 2 Type II and ISO 27001 certified.\n"
     "EU and US hosting regions; data never leaves the chosen region.", "pdf", {"versions": 2, "reviewed": 20}),
    ("Meridian Automate datasheet", K.DATASHEET, CUSTOMER, S.PUBLISHED, "Automate", "", F.CONSIDERATION, "en",
     ["Automation", "Product launch"], "Two pages on workflow automation: triggers, approvals, audit trail.",
     "Automate approvals, alerts and hand-offs without code.\n300 ready-made workflow templates.\n"
     "Every run audited and replayable.", "pdf", {"expires": 9}),
    ("Pricing and packaging one-pager", K.ONE_PAGER, CUSTOMER, S.PUBLISHED, "Platform", "", F.DECISION,
     "en", ["Pricing"], "List prices of the Growth, Business and Enterprise plans and what each includes.",
     "Growth: 49 USD per seat and month.\nBusiness: 79 USD per seat and month.\nEnterprise: on request.",
     "pdf", {"expires": 5}),
    ("ROI calculator for finance teams", K.ONE_PAGER, CUSTOMER, S.PUBLISHED, "Analytics", "mid_market",
     F.DECISION, "en", ["ROI", "Financial services"],
     "A spreadsheet that turns hours saved per analyst into payback months; fill in the blue cells with the "
     "prospect.", "", "xlsx", {}),
    ("Discovery call playbook", K.PLAYBOOK, INTERNAL, S.PUBLISHED, "Platform", "", F.AWARENESS, "en",
     ["Objection handling", "Onboarding"],
     "The questions to ask in the first call, how to qualify (MEDDICC) and when to bring in a solutions engineer.",
     "Open with the reporting pain, not the product.\nQualify the economic buyer by call two.\n"
     "Bring in a solutions engineer once a data source is named.", "docx", {"review": 6}),
    ("E-mail template: follow-up after the demo", K.EMAIL_TEMPLATE, INTERNAL, S.PUBLISHED, "Platform", "",
     F.CONSIDERATION, "en", ["Onboarding"], "A short follow-up with the recording, two next steps and a date.",
     "Subject: Your Meridian demo and next steps\n\nHi {first_name},\n\nthanks for your time today. Here is the "
     "recording and the two steps we agreed on.\n\nBest regards", "txt", {}),
    ("Product tour video: Analytics in 3 minutes", K.VIDEO_LINK, CUSTOMER, S.PUBLISHED, "Analytics", "",
     F.AWARENESS, "en", ["Analytics", "Product launch"],
     "A three-minute tour of dashboards, governed metrics and sharing; the link opens the video host.",
     "Analytics in 3 minutes", "png", {"url": "https://video.example.com/meridian/analytics-tour"}),
    ("Retail customer story: Contoso Stores", K.CASE_STUDY, CUSTOMER, S.PUBLISHED, "Analytics", "mid_market",
     F.CONSIDERATION, "en", ["Customer story", "Retail", "Mid-market"],
     "Contoso Stores' 180 store managers see yesterday's sales by 7 am, on their phones.",
     "Contoso Stores: 180 stores, one dashboard.\nDaily sales by 7 am instead of noon.\n"
     "Shrinkage down 12 % in the first year.", "pdf", {"expires": 13}),
    ("Manufacturing solution brief", K.ONE_PAGER, CUSTOMER, S.PUBLISHED, "Automate", "enterprise",
     F.AWARENESS, "en", ["Manufacturing", "Automation"],
     "Shop-floor alerts, maintenance workflows and OEE dashboards in one page.",
     "Overall equipment effectiveness, live.\nMaintenance tickets opened by the machine, not the night shift.",
     "pdf", {"reviewed": 420}),
    ("Fallstudie: Fabrikat AG (Deutsch)", K.CASE_STUDY, CUSTOMER, S.PUBLISHED, "Automate", "enterprise",
     F.CONSIDERATION, "de", ["Customer story", "Manufacturing"],
     "Wie Fabrikat AG Wartungsaufträge mit Meridian Automate um 30 % schneller abschließt.",
     "Fabrikat AG: 3 Werke, 1.400 Maschinen.\nWartungsaufträge 30 % schneller abgeschlossen.", "pdf", {}),
    ("Étude de cas : Banque Lumière (français)", K.CASE_STUDY, CUSTOMER, S.PUBLISHED, "Analytics", "enterprise",
     F.CONSIDERATION, "fr", ["Customer story", "Financial services"],
     "Comment Banque Lumière publie ses rapports réglementaires en deux jours au lieu de dix.",
     "Banque Lumière : rapports réglementaires en deux jours.\nUne seule source de vérité pour 40 équipes.",
     "pdf", {"reviewed": 390}),
    ("Integrations catalogue", K.DATASHEET, CUSTOMER, S.PUBLISHED, "Connect", "", F.CONSIDERATION, "en",
     ["Integrations"], "Every connector we ship (Salesforce, SAP, NetSuite, Snowflake, HubSpot …) and its sync mode.",
     "Salesforce: two-way, every 5 minutes.\nSAP S/4HANA: one-way, hourly.\nSnowflake: native share.",
     "pdf", {"versions": 2}),
    ("Objection handling: \"we already have a BI tool\"", K.BATTLECARD, INTERNAL, S.PUBLISHED, "Analytics", "",
     F.CONSIDERATION, "en", ["Objection handling", "Competitive"],
     "Three answers that keep the deal alive when the prospect says their BI tool does this.",
     "Their BI tool shows data; Meridian acts on it.\nAsk who maintains the 200 dashboards today.", "docx",
     {"review": 12}),
    ("Partner enablement deck", K.DECK, INTERNAL, S.PUBLISHED, "Platform", "", F.ONBOARDING, "en",
     ["Partner"], "What resellers need to pitch Meridian: positioning, margins, deal registration.",
     "Deal registration protects your margin for 90 days.\nTier 1 partners earn 25 % on new business.",
     "pptx", {}),
    ("Customer onboarding checklist", K.PLAYBOOK, CUSTOMER, S.PUBLISHED, "Platform", "smb", F.ONBOARDING, "en",
     ["Onboarding", "SMB"], "The first 30 days after signature, week by week, for the customer's admin.",
     "Week 1: connect the first data source.\nWeek 2: invite the team.\nWeek 4: first executive dashboard.",
     "docx", {}),
    # in review
    ("Healthcare data protection addendum summary", K.ONE_PAGER, CUSTOMER, S.IN_REVIEW, "Platform",
     "enterprise", F.DECISION, "en", ["Healthcare", "Compliance", "Security"],
     "A plain-language summary of the HIPAA business associate addendum, for hospital buyers. Needs legal review.",
     "We sign a business associate agreement.\nProtected health information stays in the US region.",
     "pdf", {"story": "legal_pending"}),
    ("SMB starter deck", K.DECK, CUSTOMER, S.IN_REVIEW, "Platform", "smb", F.AWARENESS, "en",
     ["SMB", "Pricing"], "A ten-slide deck for teams under 50 people: the Growth plan, self-serve trial, payback.",
     "Start free for 14 days.\nLive in an afternoon.\nPays back in under three months.", "pptx", {}),
    ("Battlecard: Meridian vs. Initech Flow", K.BATTLECARD, INTERNAL, S.IN_REVIEW, "Automate", "",
     F.DECISION, "en", ["Competitive", "Automation"],
     "Initech Flow is cheaper per run; we win on approvals and audit. Internal only.",
     "Initech charges per run, we charge per seat.\nOur audit trail is what compliance teams buy.", "pdf",
     {"owner": "admin"}),
    ("Analytics release notes, spring 2026", K.DATASHEET, CUSTOMER, S.PUBLISHED, "Analytics", "",
     F.ONBOARDING, "en", ["Analytics", "Product launch"],
     "What is new in Analytics this spring: metric layer, scheduled exports, Slack alerts.",
     "New: the governed metric layer.\nNew: scheduled exports to Excel and PDF.", "pdf",
     {"versions": 2, "story": "new_in_review"}),
    # drafts
    ("Financial services compliance brief", K.ONE_PAGER, CUSTOMER, S.DRAFT, "Analytics", "enterprise",
     F.CONSIDERATION, "en", ["Financial services", "Compliance"],
     "DORA and EBA outsourcing guidelines: what Meridian provides, for bank procurement teams.",
     "Exit plan and data portability under DORA.\nAudit rights for the customer and its regulator.", "docx",
     {"story": "rejected"}),
    ("Webinar invitation: automating month-end close", K.EMAIL_TEMPLATE, CUSTOMER, S.DRAFT, "Automate",
     "mid_market", F.AWARENESS, "en", ["Automation", "Financial services"],
     "Invitation for the April webinar with a customer controller as guest speaker.",
     "Join us on 21 April: how Northwind closes the books in five days.", "txt", {}),
    ("Connect API quick-start", K.PLAYBOOK, CUSTOMER, S.DRAFT, "Connect", "", F.ONBOARDING, "en",
     ["Integrations", "Onboarding"], "From API key to the first synced table in fifteen minutes.",
     "Create an API key in Settings.\nPOST your first table to /v2/tables.", "pdf", {}),
    ("Executive briefing deck (draft)", K.DECK, INTERNAL, S.DRAFT, "Platform", "enterprise", F.DECISION, "en",
     ["Enterprise"], "For CFO meetings: three business outcomes and the reference customers to quote.",
     "", "pptx", {"versions": 0}),
    # archived
    ("Platform overview 2025", K.DECK, CUSTOMER, S.ARCHIVED, "Platform", "", F.AWARENESS, "en",
     ["Analytics", "Automation"], "Last year's first-meeting deck; replaced by the 2026 overview.",
     "Meridian in 2025: 900 customers.", "pdf", {"story": "retired"}),
    ("Holiday promotion 2025: 20 % off annual plans", K.ONE_PAGER, CUSTOMER, S.ARCHIVED, "Platform", "smb",
     F.DECISION, "en", ["Pricing", "SMB"], "The December promotion; archived when it expired.",
     "20 % off annual Growth plans signed before 31 December.", "pdf", {"story": "expired"}),
    ("Battlecard: Meridian vs. Umbrella BI (retired product)", K.BATTLECARD, INTERNAL, S.ARCHIVED, "Analytics",
     "", F.DECISION, "en", ["Competitive"], "Umbrella BI was discontinued in 2025.",
     "Umbrella customers: offer the migration service.", "docx", {"story": "retired"}),
    ("Healthcare customer story: St. Aurelia Hospital", K.CASE_STUDY, CUSTOMER, S.ARCHIVED, "Analytics",
     "enterprise", F.CONSIDERATION, "en", ["Customer story", "Healthcare"],
     "Customer approval for the quotes ran out.", "Bed occupancy forecasts 3 days ahead.", "pdf",
     {"story": "expired"}),
]  # fmt: skip


@transaction.atomic
def content_demo_seed() -> str:
    """Idempotent: nothing is made when the demo library exists already."""
    if Asset.objects.filter(title=MARKER).exists():
        return "Content demo: already present."
    people = _people()
    if people is None:
        return "Content demo: skipped (no marketing ops user to own the library)."
    rng = random.Random(20260302)
    now = timezone.now()
    today = timezone.localdate(now)
    tags = {name: Tag.objects.get_or_create(slug=_slug(name), defaults={"name": name})[0] for name in TAGS}
    assets = []
    for number, row in enumerate(ASSETS):
        title, kind, audience, status, product, segment, stage, language, tag_names, description, body, file, extra = (
            row
        )
        owner = people["admin"] if extra.get("owner") == "admin" else people["owner"]
        created = now - dt.timedelta(days=extra.get("reviewed", 0) + 30 + 7 * extra.get("versions", 1) + number)
        review_days = extra.get("review", 180 + 11 * number % 120)
        expires = extra.get("expires")
        if extra.get("story") == "expired":
            expires = -rng.randint(10, 60)
        asset = Asset.objects.create(
            title=title, description=description, kind=kind, product=product, segment=segment, funnel_stage=stage,
            language=language, owner=owner, audience=audience, review_by=today + dt.timedelta(days=review_days),
            expires_on=None if expires is None else today + dt.timedelta(days=expires), url=extra.get("url", ""),
            created_at=created,
        )  # fmt: skip
        asset.tags.set([tags[name] for name in tag_names])
        _event(asset, AssetEvent.Kind.CREATED, owner, created, to_status=S.DRAFT)
        _history(asset, status, file, body, extra, people, now, rng)
        assets.append(asset)
    search.asset_search_refresh([asset.pk for asset in assets])
    usages, shares = _usage(assets, now, rng)
    versions = AssetVersion.objects.filter(asset__in=assets).count()
    return f"Content demo: {len(assets)} assets, {versions} versions, {usages} views and downloads, {shares} shares."


def _people() -> dict[str, User] | None:
    owner = User.objects.filter(groups__name=Role.MARKETING_OPS, is_active=True).order_by("pk").first()
    admin = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    if owner is None or admin is None:
        return None
    legal = User.objects.filter(groups__name=Role.LEGAL, is_active=True).order_by("pk").first() or admin
    reps = list(User.objects.filter(groups__name=Role.REP, is_active=True).order_by("pk"))
    return {"owner": owner, "admin": admin, "legal": legal, "reps": reps}


def _history(asset: Asset, status: str, file: str, body: str, extra: dict, people: dict, now, rng) -> None:
    """The versions and the events that brought the asset to `status`, in the past, oldest first."""
    owner = asset.owner
    # Marketing ops review: never the owner (nobody approves their own version).
    marketing = people["owner"] if owner == people["admin"] else people["admin"]
    story = extra.get("story", "")
    count = extra.get("versions", 1)
    at = asset.created_at + dt.timedelta(hours=2)
    published = None
    for number in range(1, count + 1):
        last = number == count
        version = _version(asset, number, file, body, at)
        _event(asset, AssetEvent.Kind.UPLOADED, owner, at, version=version)
        at += dt.timedelta(days=1)
        if last and status == S.DRAFT:
            if story == "rejected":
                _event(asset, AssetEvent.Kind.SUBMITTED, owner, at, version, S.DRAFT, S.IN_REVIEW)
                comment = "The DORA section cites the draft regulation; please quote the final text (Art. 28-30)."
                _review(version, ReviewerRole.MARKETING_OPS, "rejected", marketing, at + dt.timedelta(hours=3), comment)
                _set(version, VersionStatus.REJECTED)
                _event(asset, AssetEvent.Kind.REJECTED, marketing, at + dt.timedelta(hours=3), version,
                       S.IN_REVIEW, S.DRAFT, "Quotes the draft regulation.")  # fmt: skip
                version = _version(asset, number + 1, file, body + "\nUpdated for the final DORA text.", at + 2 * DAY)
                _event(asset, AssetEvent.Kind.UPLOADED, owner, at + 2 * DAY, version=version)
            break
        if last and (status == S.IN_REVIEW or story == "new_in_review"):
            from_status = S.PUBLISHED if published else S.DRAFT
            _set(version, VersionStatus.IN_REVIEW)
            to_status = S.PUBLISHED if published else S.IN_REVIEW  # a published asset stays published
            _event(asset, AssetEvent.Kind.SUBMITTED, owner, at, version, from_status, to_status)
            if story == "legal_pending":
                _review(version, ReviewerRole.MARKETING_OPS, "approved", marketing, at + dt.timedelta(hours=5),
                        "Fine from marketing's side; legal to check the BAA wording.")  # fmt: skip
                _event(asset, AssetEvent.Kind.APPROVED, marketing, at + dt.timedelta(hours=5), version,
                       reason="Approved as marketing ops; legal still to review.")  # fmt: skip
            break
        # Approved by every role the asset needs, then published.
        _review(version, ReviewerRole.MARKETING_OPS, "approved", marketing, at, "Looks good.")
        _event(asset, AssetEvent.Kind.APPROVED, marketing, at, version)
        if asset.audience == CUSTOMER:
            _review(version, ReviewerRole.LEGAL, "approved", people["legal"], at + dt.timedelta(hours=4), "")
            _event(asset, AssetEvent.Kind.APPROVED, people["legal"], at + dt.timedelta(hours=4), version)
        if published:
            _set(published, VersionStatus.SUPERSEDED)
        _set(version, VersionStatus.PUBLISHED)
        published = version
        _event(asset, AssetEvent.Kind.PUBLISHED, None, at + dt.timedelta(hours=4), version,
               S.IN_REVIEW if number == 1 else S.PUBLISHED, S.PUBLISHED)  # fmt: skip
        at += dt.timedelta(days=7)
    if published is not None:
        reviewed = now - dt.timedelta(days=extra["reviewed"]) if "reviewed" in extra else at
        Asset.objects.filter(pk=asset.pk).update(current_version=published, reviewed_at=reviewed)
        asset.current_version, asset.reviewed_at = published, reviewed
    if status in (S.IN_REVIEW, S.PUBLISHED):
        Asset.objects.filter(pk=asset.pk).update(status=status)
    if status == S.ARCHIVED:
        expired = story == "expired"
        actor = None if expired else owner
        reason = (
            f"Expired on {date_shown(asset.expires_on)}: archived by the daily sweep."
            if expired
            else "Replaced by a newer asset."
        )
        when = timezone.make_aware(dt.datetime.combine(asset.expires_on, dt.time(0, 15))) if expired else at
        Asset.objects.filter(pk=asset.pk).update(status=S.ARCHIVED)
        _event(asset, AssetEvent.Kind.ARCHIVED, actor, when, None, S.PUBLISHED, S.ARCHIVED, reason)
    asset.refresh_from_db()


def _version(asset: Asset, number: int, file: str, body: str, at) -> AssetVersion:
    """Version `number` of the asset, a real file stored under a generated name, processed as the worker would."""
    extension, kind, mime_type = FILE_TYPES[file]
    content = _content(file, asset, number, body)
    version = AssetVersion(
        asset=asset, number=number, status=VersionStatus.DRAFT, display_name=_display_name(asset.title, extension),
        mime_type=mime_type, file_kind=kind, size=len(content), sha256=hashlib.sha256(content).hexdigest(),
        note="" if number == 1 else f"Version {number}: figures and logos updated.", uploaded_by=asset.owner,
        uploaded_at=at,
    )  # fmt: skip
    version.file.save(f"{uuid.uuid4().hex}{extension}", ContentFile(content), save=False)
    version.save()
    version_process(version_id=version.pk)
    version.refresh_from_db()
    return version


def _content(file: str, asset: Asset, number: int, body: str) -> bytes:
    stamp = f"Version {number} · {asset.get_kind_display()} · {asset.product or 'Meridian'}"
    lines = [line for line in body.splitlines() if line]
    if file == "pdf":
        return samples.pdf("\n".join([asset.description, "", *lines, "", stamp]), title=asset.title[:60])
    if file == "docx":
        return samples.docx(asset.title, asset.description, *lines, stamp)
    if file == "pptx":
        slides = [(asset.title[:60], asset.description), *((f"Point {i}", line) for i, line in enumerate(lines, 1))]
        return samples.pptx(*slides, ("Next steps", stamp))
    if file == "xlsx":
        return samples.xlsx(
            [
                ["Meridian ROI calculator", stamp],
                ["Analysts", 12],
                ["Hours on reporting per analyst and week", 9],
                ["Share saved with Meridian", 0.4],
                ["Loaded hourly cost (USD)", 65],
                ["Yearly saving (USD)", "=B2*B3*B4*B5*46"],
            ],
            sheet="ROI",
        )
    if file == "png":
        return samples.png(f"{body} — v{number}", size=(1280, 720))
    return samples.text(f"{body}\n\n-- {stamp}\n")


def _display_name(title: str, extension: str) -> str:
    stem = "".join(c if c.isalnum() or c in " -" else " " for c in title)
    return f"{'-'.join(stem.lower().split())[:80]}{extension}"


def _slug(name: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in name.lower()).split())


def _set(version: AssetVersion, status: str) -> None:
    AssetVersion.objects.filter(pk=version.pk).update(status=status)


def _review(version: AssetVersion, role: str, decision: str, reviewer: User, at, comment: str) -> None:
    VersionReview.objects.create(
        version=version, role=role, decision=decision, reviewer=reviewer, comment=comment, at=at
    )


def _event(asset, kind, actor, at, version=None, from_status="", to_status="", reason="") -> None:
    AssetEvent.objects.create(
        asset=asset, version=version, kind=kind, actor=actor, at=at, from_status=from_status, to_status=to_status,
        reason=reason,
    )  # fmt: skip


def _usage(assets: list[Asset], now, rng: random.Random) -> tuple[int, int]:
    """Reps viewed and downloaded the live assets (some more than others, a few never), and shared some
    customer-facing ones with contacts of their opportunities that may be e-mailed."""
    reps = list(User.objects.filter(groups__name=Role.REP, is_active=True).order_by("pk"))
    live = [a for a in assets if a.status == S.PUBLISHED and not a.is_expired(timezone.localdate(now))]
    if not reps or not live:
        return 0, 0
    usages = []
    for index, asset in enumerate(live):
        popularity = max(0, 14 - index) if index % 5 else 0  # every fifth asset never used
        for _ in range(popularity * rng.randint(1, 3)):
            action = ContentUsage.Action.DOWNLOAD if rng.random() < 0.4 else ContentUsage.Action.VIEW
            at = now - dt.timedelta(days=rng.randint(0, 60), minutes=rng.randint(0, 600))
            usages.append(ContentUsage(asset=asset, version=asset.current_version, user=rng.choice(reps),
                                       action=action, at=at))  # fmt: skip
    ContentUsage.objects.bulk_create(usages)
    shareable = [a for a in live if a.audience == CUSTOMER]
    # Closed deals first, so that the win-rate report has shared and not-shared outcomes to compare.
    closed = [OpportunityStage.CLOSED_WON, OpportunityStage.CLOSED_LOST]
    opportunities = [
        *Opportunity.objects.filter(owner__in=reps, stage__in=closed).order_by("pk")[:60],
        *Opportunity.objects.filter(owner__in=reps).exclude(stage__in=closed).order_by("pk")[:20],
    ]
    shares = []
    for opportunity in opportunities:
        if rng.random() < 0.5:
            continue
        contact = (
            Contact.objects.filter(Contact.EMAILABLE, account_id=opportunity.account_id)
            .exclude(email="")
            .order_by("pk")
            .first()
        )
        if contact is None:
            continue
        asset = rng.choice(shareable[:8])
        shares.append(ContentShare(asset=asset, version=asset.current_version, contact=contact,
                                   opportunity=opportunity, shared_by=opportunity.owner,
                                   note="Sent after the discovery call.",
                                   at=now - dt.timedelta(days=rng.randint(1, 90))))  # fmt: skip
    ContentShare.objects.bulk_create(shares)
    return len(usages), len(shares)
