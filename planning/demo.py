"""Planning's step of the demo seeding: a living plan for each key account of the demo's
confirmed shortlist, written through planning's services.

Each plan has every section (vision, SWOT, objectives with KPIs, actions handed to several
departments, offers), the customer's stakeholders across countries with our counterparts, three
cadences agreed with the customer and a year of logged meetings, some of them missed, so that
every page shows real content on first start. The content is drawn from the demo's seed; the
meeting dates are laid out over the twelve months before the day the demo is seeded, so the plan
is alive whatever the day. Running the step again changes nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts import demo as accounts_demo
from accounts.models import Client, Department, User
from kam import history
from planning.models import (
    Action,
    Cadence,
    CounterpartPair,
    InvestmentProject,
    Kpi,
    Level,
    Meeting,
    Objective,
    Offer,
    Offering,
    Plan,
    ReviewComment,
    Stakeholder,
    SwotItem,
)
from planning.selectors import plans as plan_selectors
from planning.services import approval, meetings, objectives, offers, plans, projects, sections
from planning.services import people as people_services
from scoring import demo as scoring_demo
from scoring.models import Programme
from scoring.selectors import shortlist as shortlist_selectors
from scoring.services import selection

OFFERINGS = (
    ("Flexible packaging films", Offering.Kind.PRODUCT),
    ("Rigid containers", Offering.Kind.PRODUCT),
    ("Recycled-content resins", Offering.Kind.PRODUCT),
    ("Labels and sleeves", Offering.Kind.PRODUCT),
    ("Vendor-managed inventory", Offering.Kind.SERVICE),
    ("Packaging design lab", Offering.Kind.SERVICE),
    ("Line audits and training", Offering.Kind.SERVICE),
)
"""The demo company's catalogue: packaging products and the services around them."""

SITES = {
    "FR": ("Lyon plant", "Rouen plant", "Paris HQ"),
    "DE": ("Hamburg plant", "Munich HQ", "Leipzig DC"),
    "ES": ("Zaragoza plant", "Madrid HQ", "Valencia DC"),
    "IT": ("Milan HQ", "Bologna plant", "Verona DC"),
    "BE": ("Antwerp plant", "Brussels HQ"),
    "NL": ("Rotterdam DC", "Eindhoven plant"),
    "GB": ("Leeds plant", "London HQ"),
    "CH": ("Basel plant", "Zurich HQ"),
}
"""The customer's business units and sites, by the customer's country."""

VISION = (
    "{name} makes and sells {segment_en} products across {countries}; packaging is 8 to 12 % of "
    "their cost of goods and the first thing their own customers see.",
    "Their plan to 2028: fewer suppliers, a third less virgin plastic, and faster launches — they "
    "want partners who bring ideas, not only prices.",
    "Together we build a recyclable range for their top lines, shared stock at their plants and "
    "a joint launch calendar, so that we grow with them on margin rather than on volume.",
)

SEGMENT_EN = {
    "Industrie": "industrial",
    "Distribution": "wholesale",
    "Grande distribution": "retail",
    "Santé": "healthcare",
    "Agroalimentaire": "food",
    "Automobile": "automotive",
    "Énergie": "energy",
    "BTP": "building",
}

SWOT = {
    SwotItem.Quadrant.STRENGTH: (
        "Approved supplier at every plant since 2019",
        "Our design lab co-developed two of their best sellers",
        "On-time delivery above 96 % for two years",
    ),
    SwotItem.Quadrant.WEAKNESS: (
        "No presence at their newest sites",
        "Our prices sit 4 % above the cheapest alternative",
        "Invoices disputed too often on the rigid range",
    ),
    SwotItem.Quadrant.OPPORTUNITY: (
        "Their pledge to cut virgin plastic by a third by 2028",
        "Consolidation of their supplier panel next year",
        "Launch of a private-label range in three countries",
    ),
    SwotItem.Quadrant.THREAT: (
        "An Asian competitor quoting 10 % below us",
        "Their new procurement director prefers yearly tenders",
    ),
}

# (side, title, [(kpi name, unit, measure, is_margin, baseline, target)], [(action, department)])
DemoObjective = tuple[
    str, str, list[tuple[str, str, str, bool, int | None, int | None]], list[tuple[str, str]]
]
OBJECTIVES: tuple[DemoObjective, ...] = (
    (
        Objective.Side.CUSTOMER,
        "Cut virgin plastic in their packaging by a third",
        [("Recycled content of supplied packaging", "%", Kpi.Measure.MANUAL, False, 12, 35)],
        [
            ("Qualify the 50 % recycled film on their two main lines", Department.RND),
            ("Publish a joint sustainability case for their annual report", Department.MARKETING),
        ],
    ),
    (
        Objective.Side.CUSTOMER,
        "Launch their private-label range on time",
        [("Launch milestones met", "%", Kpi.Measure.MANUAL, False, 0, 100)],
        [
            ("Share our launch calendar with their category team", Department.MARKETING),
            ("Reserve capacity for the launch quarter", Department.SUPPLY_CHAIN),
        ],
    ),
    (
        Objective.Side.OURS,
        "Grow gross margin, not only volume",
        [
            ("Gross margin", "EUR", Kpi.Measure.GROSS_MARGIN, True, None, None),
            ("Margin rate", "%", Kpi.Measure.MARGIN_PCT, True, None, None),
        ],
        [
            ("Move the rigid range to value-based pricing", Department.SALES),
            ("Review the cost to serve of small orders", Department.FINANCE),
        ],
    ),
    (
        Objective.Side.OURS,
        "Become their reference supplier for logistics",
        [
            ("Average days late in payment", "days", Kpi.Measure.DAYS_LATE, False, None, None),
            ("Plants on vendor-managed inventory", "plants", Kpi.Measure.MANUAL, False, 0, 3),
        ],
        [
            ("Set up vendor-managed inventory at their main plant", Department.LOGISTICS),
            ("Agree a shared forecast with their supply chain", Department.SUPPLY_CHAIN),
            ("Halve disputed invoices with a monthly review", Department.FINANCE),
        ],
    ),
    (
        Objective.Side.CUSTOMER,
        "Lower their total cost of packaging per unit sold",
        [("Packaging cost per thousand units", "EUR", Kpi.Measure.MANUAL, False, 84, 76)],
        [
            ("Run a line audit at their two largest plants", Department.SALES),
            ("Propose lighter films for the three top references", Department.RND),
        ],
    ),
    (
        Objective.Side.OURS,
        "Win the rigid containers of their Southern plants",
        [
            ("Revenue with the account", "EUR", Kpi.Measure.REVENUE, False, None, None),
            ("Plants supplied with rigid containers", "plants", Kpi.Measure.MANUAL, False, 1, 3),
        ],
        [
            ("Qualify our containers with their quality team", Department.SALES),
            ("Plan the ramp-up of the second moulding line", Department.SUPPLY_CHAIN),
            ("Co-brand a case study for their trade fair", Department.MARKETING),
        ],
    ),
)

DEMO_CONTRIBUTORS: dict[str, str] = {
    Department.LOGISTICS: "contributor",
    Department.MARKETING: "marketing",
    Department.SUPPLY_CHAIN: "supply",
    Department.RND: "rnd",
    Department.FINANCE: "finance",
}
"""Who owns an action of each department in the demo (``accounts.demo.DEMO_USERS``); sales
actions are the KAM's own."""


@transaction.atomic
def seed_demo(*, accounts: accounts_demo.Seeded, today: dt.date | None = None) -> str:
    """Open and fill a plan for each key account of the demo's programme year that has none.
    Returns what it did."""
    today = today or timezone.localdate()
    director = accounts.users["director"]
    programme = Programme.objects.filter(year=scoring_demo.PROGRAMME_YEAR).first()
    if programme is None:
        return "Planning: no programme year"
    catalogue = _seed_offerings(director)
    key_accounts = Client.objects.filter(
        pk__in=plan_selectors.key_account_ids(programme=programme)
    ).select_related("kam", "sponsor")
    opened = []
    for client in key_accounts.order_by("name"):
        if Plan.objects.filter(client=client, programme=programme).exists():
            continue
        rng = random.Random(f"{accounts.programme.seed}:{client.external_id}:plan")
        with history.acting(director):
            plan = plans.plan_open(user=director, client=client, programme=programme)
        author = client.kam or director
        with history.acting(author):
            _fill_sections(rng, plan, author, accounts.users, catalogue, today)
            people_ = _fill_people(rng, plan, author, accounts.users)
            _fill_meetings(rng, plan, author, people_, today)
        _later_changes(plan, author, director)
        opened.append(plan)
    names = ", ".join(plan.client.name for plan in opened) or "none (already there)"
    pilot = _seed_pilot_year(director, list(key_accounts.order_by("name")))
    sponsorship = seed_sponsorship(accounts=accounts, today=today)
    steering = _seed_steering(programme, accounts.users, today)
    _seed_approval(opened, director)  # last: a submitted plan takes no more changes
    return (
        f"Planning: {len(catalogue)} offerings, plans opened: {names}; {pilot}; {steering}\n"
        f"{sponsorship}"
    )


PILOT_YEAR = scoring_demo.PROGRAMME_YEAR - 1
"""The programme's pilot year: the last year of the demo ledger, so that the programme results
page compares its key accounts with the other clients on real figures (2025 against 2024)."""
PILOT_ACCOUNTS = 3


def _seed_pilot_year(director: User, key_accounts: list[Client]) -> str:
    """The pilot programme year, before the demo's own, with the first three key accounts on its
    confirmed shortlist, through scoring's services, where it is not there yet."""
    if Programme.objects.filter(year=PILOT_YEAR).exists() or not key_accounts:
        return f"pilot year {PILOT_YEAR} already there"
    programme = selection.programme_save(
        user=director,
        year=PILOT_YEAR,
        budget=Decimal(scoring_demo.PROGRAMME_BUDGET),
        kam_headcount=scoring_demo.PROGRAMME_KAMS,
        kam_cost=Decimal(scoring_demo.PROGRAMME_KAM_COST),
    )
    chosen = key_accounts[:PILOT_ACCOUNTS]
    selection.shortlist_set(user=director, programme=programme, clients=chosen)
    standing = shortlist_selectors.shortlist_standing(
        programme=programme,
        costs=[shortlist_selectors.client_cost(client, programme) for client in chosen],
    )
    selection.shortlist_confirm(
        user=director,
        programme=programme,
        budget_exception="Demo: the pilot year, agreed with the executive committee."
        if standing.is_over_budget
        else "",
    )
    return f"pilot year {PILOT_YEAR}: {len(chosen)} key accounts"


def _later_changes(plan: Plan, author: User, director: User) -> None:
    """A few edits after the plan was written, by its KAM and by the director, for its history
    page to show who changed what: an action moves on, a KPI's figure and an objective's
    wording change."""
    action = (
        Action.objects.filter(objective__plan=plan, status=Action.Status.PLANNED)
        .select_related("objective__plan__client", "owner")
        .order_by("objective__side", "objective__position", "position")
        .first()
    )
    kpi = (
        Kpi.objects.filter(objective__plan=plan, measure=Kpi.Measure.MANUAL)
        .select_related("objective__plan__client")
        .order_by("objective__position", "position")
        .first()
    )
    with history.acting(director):
        if action is not None:
            objectives.action_update(
                user=director,
                action=action,
                status=Action.Status.IN_PROGRESS,
                progress=20,
                comment="Started after the steering review; first results due next month.",
            )
    with history.acting(author):
        if kpi is not None and kpi.current is not None:
            objectives.kpi_update(user=author, kpi=kpi, current=kpi.current + 1)
        objective = plan.objectives.select_related("plan__client").order_by("pk").first()
        if objective is not None:
            objectives.objective_update(
                user=author,
                objective=objective,
                description="Agreed with their purchasing director at the annual review.",
            )


def _seed_approval(opened: list[Plan], director: User) -> None:
    """A history of approvals to look at: the first plan approved twice (version 1, then a
    sharper margin target and a new action approved as version 2) and changed again since; the
    second returned with the director's comments, one of them resolved; the third submitted and
    awaiting review; any other left a draft."""
    held: list[tuple[Plan, User]] = []
    for plan in opened:
        if plan.client.kam is not None:
            held.append((plan, plan.client.kam))
    if held:
        plan, kam = held[0]
        approval.plan_submit(user=kam, plan=plan)
        approval.plan_approve(user=director, plan=plan)
        objective = plan.objectives.order_by("side", "position", "pk").last()
        kpi = Kpi.objects.filter(objective__plan=plan, is_margin=True).order_by("pk").first()
        if kpi is not None:
            target = (kpi.target * Decimal("1.05")).quantize(Decimal("0.01"))
            objectives.kpi_update(user=kam, kpi=kpi, target=target)
        if objective is not None:
            objectives.action_add(
                user=kam,
                objective=objective,
                title="Pilot value-based pricing on the next tender",
                owner=kam,
                due_date=plan.period_end - dt.timedelta(days=60),
            )
        approval.plan_submit(user=kam, plan=plan)
        approval.plan_approve(user=director, plan=plan)
        sections.plan_vision_update(
            user=kam,
            plan=plan,
            shared_vision=plan.shared_vision + " Two joint launches a year from next year.",
        )
    if len(held) > 1:
        plan, kam = held[1]
        approval.plan_submit(user=kam, plan=plan)
        objective = plan.objectives.order_by("side", "position", "pk").first()
        comments: list[dict[str, object]] = [
            {
                "section": ReviewComment.Section.VISION,
                "text": "Say what they expect of us in three years, not only this year.",
            },
            {
                "section": ReviewComment.Section.PEOPLE,
                "text": "Who covers their procurement director? I see no counterpart.",
            },
        ]
        if objective is not None:
            comments.append(
                {
                    "item_kind": ReviewComment.ItemKind.OBJECTIVE,
                    "item_id": objective.pk,
                    "text": "Give this objective a margin target in points, not only revenue.",
                }
            )
        submission = approval.plan_return(user=director, plan=plan, comments=comments)
        first = submission.comments.order_by("pk").first()
        if first is not None:
            approval.review_comment_resolve(user=kam, comment=first, resolved=True)
    if len(held) > 2:
        approval.plan_submit(user=held[2][1], plan=held[2][0])


def _seed_offerings(director: User) -> list[Offering]:
    existing = {offering.name: offering for offering in Offering.objects.all()}
    for name, kind in OFFERINGS:
        if name not in existing:
            existing[name] = offers.offering_create(user=director, name=name, kind=kind)
    return [existing[name] for name, _kind in OFFERINGS]


def _fill_sections(
    rng: random.Random,
    plan: Plan,
    author: User,
    users: dict[str, User],
    catalogue: list[Offering],
    today: dt.date,
) -> None:
    client = plan.client
    countries = sorted({client.country, *rng.sample(sorted(SITES), k=2)})
    business, strategy, shared = (
        text.format(
            name=client.name,
            segment_en=SEGMENT_EN.get(client.segment, "industrial"),
            countries=", ".join(countries),
        )
        for text in VISION
    )
    sections.plan_vision_update(
        user=author,
        plan=plan,
        customer_business=business,
        customer_strategy=strategy,
        shared_vision=shared,
    )
    for quadrant, texts in SWOT.items():
        for text in rng.sample(texts, k=len(texts)):
            sections.swot_item_add(user=author, plan=plan, quadrant=quadrant, text=text)
    start = plan.period_start
    late_left = rng.choice((1, 2))  # overdue actions in this plan
    # the margin and logistics objectives always, two of the others
    templates = [*OBJECTIVES[2:4], *rng.sample([*OBJECTIVES[:2], *OBJECTIVES[4:]], k=2)]
    templates.sort(key=OBJECTIVES.index)
    for side, title, kpis, actions in templates:
        objective = objectives.objective_add(user=author, plan=plan, side=side, title=title)
        for name, unit, measure, is_margin, baseline, target in kpis:
            values: dict[str, object] = {
                "name": name,
                "unit": unit,
                "measure": measure,
                "is_margin": is_margin,
                "due_date": plan.period_end,
            }
            if baseline is not None and target is not None:  # kept by hand
                values |= {
                    "baseline": Decimal(baseline),
                    "target": Decimal(target),
                    "current": Decimal(
                        round(baseline + (target - baseline) * rng.uniform(0.2, 0.8))
                    ),
                }
            else:
                values |= _ledger_target(plan, measure, rng)
            objectives.kpi_add(user=author, objective=objective, **values)
        for index, (title_text, department) in enumerate(actions):
            owner = (
                plan.owner
                if department == Department.SALES
                else users.get(DEMO_CONTRIBUTORS.get(department, ""), author)
            )
            due = max(
                start + dt.timedelta(days=30), today + dt.timedelta(days=rng.randint(-240, 150))
            )
            status, progress = _action_state(rng, due, today, late=late_left > 0 and index > 0)
            if status != Action.Status.DONE and due < today:
                late_left -= 1
            objectives.action_add(
                user=author,
                objective=objective,
                title=title_text,
                owner=owner or author,
                department=department,
                due_date=due,
                status=status,
                progress=progress,
            )
    sites = SITES.get(client.country, SITES["FR"])
    for offering in rng.sample(catalogue, k=4):
        site = rng.choice(sites)
        pricing = rng.choice(list(Offer.Pricing.values))
        offers.offer_add(
            user=author,
            plan=plan,
            offering=offering,
            business_unit=site,
            status=rng.choice(list(Offer.Status.values)),
            pricing=pricing,
            value_drivers=(
                "Less scrap on their lines, lighter packs that cut their transport costs"
                if pricing == Offer.Pricing.VALUE_BASED
                else ""
            ),
            annual_value=Decimal(rng.randrange(40_000, 400_000, 5_000)),
        )


def _ledger_target(plan: Plan, measure: str, rng: random.Random) -> dict[str, object]:
    """Baseline and target of a KPI the ledger measures, from the client's last full year."""
    metric = plan.client.metrics.order_by("-year").first()
    if metric is None:
        return {"target": Decimal(0)}
    value = {
        Kpi.Measure.REVENUE: metric.revenue,
        Kpi.Measure.GROSS_MARGIN: metric.gross_margin,
        Kpi.Measure.MARGIN_PCT: metric.margin_pct,
        Kpi.Measure.VOLUME: metric.volume,
        Kpi.Measure.DAYS_LATE: metric.avg_days_late,
    }[Kpi.Measure(measure)]
    if value is None:
        return {"target": Decimal(0)}
    baseline = Decimal(str(round(float(value), 2)))
    factor = Decimal("0.6") if measure == Kpi.Measure.DAYS_LATE else Decimal("1.08")
    return {"baseline": baseline, "target": (baseline * factor).quantize(Decimal("0.01"))}


def _action_state(rng: random.Random, due: dt.date, today: dt.date, late: bool) -> tuple[str, int]:
    """A plausible status for an action due on ``due``: past ones done unless ``late``."""
    if due < today:
        if late:  # for the pages to show what is overdue
            return rng.choice((Action.Status.IN_PROGRESS, Action.Status.BLOCKED)), rng.choice(
                (30, 50, 70)
            )
        return Action.Status.DONE, 100
    return rng.choice(
        ((Action.Status.PLANNED, 0), (Action.Status.IN_PROGRESS, rng.choice((10, 40, 60))))
    )


# --- people -------------------------------------------------------------------------------------

# title → (level, buying role, attitude, influence, reports to, country: "home" or "abroad")
ORG = {
    "Chief Executive Officer": (
        Level.EXECUTIVE, Stakeholder.BuyingRole.EXECUTIVE_SPONSOR,
        Stakeholder.Attitude.SUPPORTIVE, 5, "", "home",
    ),
    "Purchasing Director": (
        Level.EXECUTIVE, Stakeholder.BuyingRole.DECISION_MAKER,
        Stakeholder.Attitude.NEUTRAL, 5, "Chief Executive Officer", "home",
    ),
    "Chief Financial Officer": (
        Level.EXECUTIVE, Stakeholder.BuyingRole.INFLUENCER,
        Stakeholder.Attitude.SCEPTICAL, 4, "Chief Executive Officer", "home",
    ),
    "Operations Director": (
        Level.EXECUTIVE, Stakeholder.BuyingRole.CHAMPION,
        Stakeholder.Attitude.ADVOCATE, 4, "Chief Executive Officer", "abroad",
    ),
    "Head of Procurement": (
        Level.MANAGEMENT, Stakeholder.BuyingRole.INFLUENCER,
        Stakeholder.Attitude.HOSTILE, 4, "Purchasing Director", "abroad",
    ),
    "Category Manager": (
        Level.MANAGEMENT, Stakeholder.BuyingRole.COACH,
        Stakeholder.Attitude.SUPPORTIVE, 3, "Head of Procurement", "home",
    ),
    "Supply Chain Director": (
        Level.MANAGEMENT, Stakeholder.BuyingRole.CHAMPION,
        Stakeholder.Attitude.SUPPORTIVE, 4, "Operations Director", "abroad",
    ),
    "Logistics Manager": (
        Level.OPERATIONAL, Stakeholder.BuyingRole.USER,
        Stakeholder.Attitude.NEUTRAL, 2, "Supply Chain Director", "abroad",
    ),
    "R&D Manager": (
        Level.MANAGEMENT, Stakeholder.BuyingRole.INFLUENCER,
        Stakeholder.Attitude.ADVOCATE, 3, "Operations Director", "home",
    ),
    "Quality Manager": (
        Level.OPERATIONAL, Stakeholder.BuyingRole.USER,
        Stakeholder.Attitude.NEUTRAL, 2, "Operations Director", "home",
    ),
    "Buyer": (
        Level.OPERATIONAL, Stakeholder.BuyingRole.USER,
        Stakeholder.Attitude.SUPPORTIVE, 2, "Category Manager", "home",
    ),
    "Accounts Payable Manager": (
        Level.OPERATIONAL, Stakeholder.BuyingRole.USER,
        Stakeholder.Attitude.SCEPTICAL, 2, "Chief Financial Officer", "home",
    ),
}  # fmt: skip
"""The customer's organisation as the demo plans map it: twelve people across two countries;
the Head of Procurement, hostile and influential, is left without a counterpart on our side for
the People tab to flag."""

# our person (demo username, or "kam" for the account's KAM) → their title, level, cadence
PAIRS = (
    ("director", "Chief Executive Officer", Level.EXECUTIVE, "strategic"),
    ("kam", "Purchasing Director", Level.EXECUTIVE, "strategic"),
    ("kam", "Category Manager", Level.MANAGEMENT, ""),
    ("finance", "Chief Financial Officer", Level.MANAGEMENT, ""),
    ("rnd", "R&D Manager", Level.MANAGEMENT, "codev"),
    ("marketing", "Operations Director", Level.MANAGEMENT, "codev"),
    ("supply", "Supply Chain Director", Level.MANAGEMENT, "peer"),
    ("contributor", "Logistics Manager", Level.OPERATIONAL, "peer"),
)


@dataclass(frozen=True)
class DemoPeople:
    stakeholders: dict[str, Stakeholder]  # by title, as in ORG
    pairs: dict[str, list[CounterpartPair]]  # by the key of the cadence they belong to


def _fill_people(
    rng: random.Random, plan: Plan, author: User, users: dict[str, User]
) -> DemoPeople:
    """Name the client's contacts (adding the missing ones) as the plan's stakeholders along
    ``ORG``, and pair our people with them along ``PAIRS``."""
    client = plan.client
    abroad = rng.choice([code for code in SITES if code != client.country])
    contacts = {contact.title: contact for contact in client.contacts.order_by("pk")}
    people: dict[str, Stakeholder] = {}
    for title, (level, role, attitude, influence, boss, where) in ORG.items():
        boss_of = people.get(boss)
        if title in contacts:
            people[title] = people_services.stakeholder_add(
                user=author,
                plan=plan,
                contact=contacts[title],
                buying_role=role,
                attitude=attitude,
                influence=influence,
                level=level,
                reports_to=boss_of,
            )
            continue
        country = client.country if where == "home" else abroad
        people[title] = people_services.stakeholder_contact_add(
            user=author,
            plan=plan,
            first_name=rng.choice(accounts_demo.FIRST_NAMES[country]),
            last_name=rng.choice(accounts_demo.LAST_NAMES[country]),
            title=title,
            country=country,
            buying_role=role,
            attitude=attitude,
            influence=influence,
            level=level,
            reports_to=boss_of,
        )
    pairs: dict[str, list[CounterpartPair]] = {"strategic": [], "codev": [], "peer": []}
    for ours, title, level, cadence in PAIRS:
        person = (plan.owner or author) if ours == "kam" else users.get(ours)
        if person is None:
            continue
        pair = people_services.counterpart_add(
            user=author, plan=plan, person=person, stakeholder=people[title], level=level
        )
        if cadence:
            pairs[cadence].append(pair)
    return DemoPeople(stakeholders=people, pairs=pairs)


# --- cadences and meetings ------------------------------------------------------------------------

CADENCES = (
    ("strategic", Cadence.Kind.STRATEGIC_REVIEW, "Strategic alignment review",
     Level.EXECUTIVE, 3, Department.MANAGEMENT, "Executive committee"),
    ("codev", Cadence.Kind.CO_DEVELOPMENT, "Recyclable range: co-development review",
     Level.MANAGEMENT, 2, Department.RND, "R&D and operations"),
    ("peer", Cadence.Kind.PEER_TO_PEER, "Logistics and supply chain exchange",
     Level.OPERATIONAL, 1, Department.LOGISTICS, "Supply chain"),
)  # fmt: skip
"""Three cadences agreed with each customer: (key, kind, name, level, every N months, our
department, their function)."""

DECISIONS = (
    "Run a trial of the recycled film on line 3",
    "Share the next quarter's forecast by the 10th",
    "Prepare a value-based offer for the rigid range",
    "Invite their quality team to our design lab",
    "Review the disputed invoices together each month",
    "Set up a joint launch calendar for the private label",
)


def _fill_meetings(
    rng: random.Random, plan: Plan, author: User, people: DemoPeople, today: dt.date
) -> None:
    """Agree the three cadences a year ago and log the year of meetings held under them: most
    on time, a few late, one now and then missed; the peer exchange's latest one is missed, so
    it is overdue. One decision of the year was made an action."""
    stakeholders, pairs = people.stakeholders, people.pairs
    agreed = today - dt.timedelta(days=365 + rng.randint(5, 25))
    logged: list[Meeting] = []
    for key, kind, name, level, every, department, function in CADENCES:
        cadence = meetings.cadence_create(
            user=author,
            plan=plan,
            pairs=pairs[key],
            kind=kind,
            name=name,
            level=level,
            every=every,
            unit=Cadence.Unit.MONTH,
            starts_on=agreed + dt.timedelta(days=rng.randint(10, 30)),
            agreed_on=agreed,
            agreed_by_us=plan.owner or author,
            agreed_by_them=stakeholders["Purchasing Director"],
            our_department=department,
            their_function=function,
        )
        due = cadence.starts_on
        while True:
            late = rng.choice((0, 0, 0, 2, 5, 9))
            held = due + dt.timedelta(days=late)
            last = cadence.due_after(held) > today
            missed = rng.random() < 0.12 or (key == "peer" and last)
            if held > today - dt.timedelta(days=2) or (missed and last):
                break
            if not missed:
                ours = [pair.user for pair in pairs[key]]
                theirs = [pair.stakeholder for pair in pairs[key]]
                logged.append(
                    meetings.meeting_log(
                        user=author,
                        plan=plan,
                        date=held,
                        cadence=cadence,
                        title=f"{name} {held:%Y-%m}",
                        summary="Reviewed progress on the plan's objectives and the open actions.",
                        our_participants=ours,
                        their_participants=theirs,
                        decisions=rng.sample(DECISIONS, k=rng.randint(0, 2)),
                    )
                )
            due = cadence.due_after(held if not missed else due)
    decisions = [d for meeting in logged[-6:] for d in meeting.decisions.all()]
    if decisions:
        meetings.decision_to_action(user=author, decision=decisions[-1])


# --- executive sponsorship and good practices ----------------------------------------------------

ASKS = (
    (
        "Call their CEO before the packaging tender opens",
        -12,
        "Done on the phone with their CEO: the tender will weigh recyclability at 30 %, not only "
        "price. I will open their next steering committee.",
    ),
    ("Co-sign the three-year co-innovation letter with their R&D director", -5, ""),
    ("Join the quarterly business review at their headquarters", 18, ""),
    (
        "Approve a dedicated logistics coordinator for their plants",
        -20,
        "Approved for twelve months, funded from the programme budget; review at mid-year.",
    ),
    ("Host their purchasing director at our Lyon plant", 9, ""),
    ("Open the year-end negotiation with their managing director", -2, ""),
)
"""What a KAM asks of the account's sponsor: the text, the due day (days from the day of
seeding) and, when answered, the sponsor's answer."""

NEGOTIATION_TERMS = (
    "Three-year framework from January; prices indexed on resin costs every quarter; "
    "a 1.5 % rebate above their volume target; payment at 45 days instead of 60.",
    "Two-year agreement; value-based pricing on the recyclable range (shared savings 50/50); "
    "vendor-managed inventory at two plants billed as a service.",
    "One-year renewal at flat prices; they dropped the 2 % rebate in exchange for a "
    "joint launch calendar and first refusal on new references.",
    "Prices down 3 % on films to keep the volume; logistics service now charged separately.",
)
NEGOTIATION_IMPACT = (Decimal("184000"), Decimal("96500"), Decimal("42000"), Decimal("-38000"))

COMMITTEE_MEETINGS = (
    (
        -210,
        "Spring advisory council",
        "Four key accounts around the table on sustainability and supply security.",
        (
            (
                "Recycled content must be certified plant by plant, not by batch",
                "Certification of the Lyon and Rouen plants with an external auditor",
                "rnd",
                "done",
            ),
            (
                "Lead times on rigid containers are too long in the South",
                "Second moulding line planned; weekly stock report for their buyers",
                "supply",
                "in_progress",
            ),
        ),
    ),
    (
        -45,
        "Autumn advisory council",
        "Price volatility and the joint innovation roadmap.",
        (
            (
                "They want price indexation on resin rather than yearly hikes",
                "Index formula drafted with finance, to propose at the year-end negotiations",
                "finance",
                "in_progress",
            ),
            (
                "A shared innovation day each year with their R&D teams",
                "",
                "",
                "open",
            ),
            (
                "Invoices disputed for missing delivery notes",
                "Delivery notes attached to every invoice since September",
                "finance",
                "done",
            ),
        ),
    ),
)
"""The advisory committee's meetings: days from the day of seeding, title, summary, and the
topics raised with what we do about them (action, owner's username, status)."""

RECOGNITIONS = (
    (
        "kam",
        "",
        "Key account manager of the year",
        "Grew the margin of his two key accounts by "
        "four points while holding revenue, and brought both into the advisory council.",
        -320,
    ),
    (
        "",
        "Lyon logistics team",
        "Supply chain excellence award",
        "Vendor-managed inventory live at three customer plants with no stock-out in six months.",
        -250,
    ),
    (
        "rnd",
        "",
        "Co-innovation prize",
        "Led the recyclable film co-developed with a key account, now in their best-selling range.",
        -160,
    ),
    (
        "kam2",
        "",
        "Trophée de la relation client",
        "A relancé un compte en recul grâce à une "
        "revue trimestrielle avec leur direction et un plan d'action partagé.",
        -90,
    ),
    (
        "finance",
        "",
        "Cash and trust award",
        "Halved the disputed invoices of the key accounts "
        "with a monthly review held with their accounts payable teams.",
        -30,
    ),
)
"""Recognitions: recipient username (or ''), team (or ''), award, reason, days from seeding."""

PRACTICES = (
    (
        "Préparer la négociation annuelle avec le sponsor",
        "Le client annonçait chaque année une baisse de prix de 3 % dès l'ouverture de la "
        "négociation.",
        "Une réunion de préparation d'une heure avec notre sponsor exécutif deux semaines avant : "
        "chiffres de valeur créée, concessions possibles, et le sponsor ouvre la négociation.",
        "Marge brute du compte +2,1 points ; négociation close en deux rendez-vous au lieu "
        "de cinq.",
        "négociation, sponsor, prix",
        "plan",
    ),
    (
        "Value-based pricing on the recyclable range",
        "The customer compared our films with the cheapest supplier, line by line.",
        "We priced the recyclable range on the savings it brings them (lighter film, fewer line "
        "stops), with the savings split 50/50 and measured every quarter.",
        "Margin % on the range 31 % against 22 % on the standard range; no lost reference.",
        "pricing, value-based, margin",
        "plan",
    ),
    (
        "Stock partagé en usine (VMI)",
        "Ruptures fréquentes sur deux usines du client, commandes urgentes coûteuses.",
        "Stock géré par nous sur leur site, réapprovisionné sur leurs prévisions hebdomadaires, "
        "facturé comme un service.",
        "Zéro rupture en six mois ; commandes urgentes -80 % ; service facturé 48 k€ par an.",
        "logistique, vmi, service",
        "meeting",
    ),
    (
        "Quarterly business review with their finance director",
        "Disputed invoices and late payments soured the relationship.",
        "A 45-minute review each quarter with their CFO and accounts payable: disputes, payment "
        "delays, and one improvement we commit to.",
        "Disputes halved; days late from 19 to 6 in a year.",
        "finance, qbr, payment",
        "meeting",
    ),
    (
        "Cartographier les décideurs avant l'appel d'offres",
        "Nous découvrions les décideurs au moment de l'appel d'offres.",
        "Carte des parties prenantes tenue à jour avec le client : qui décide, qui influence, qui "
        "nous est hostile, et un binôme de notre côté pour chacun.",
        "Appel d'offres gagné avec un contact au comité de direction identifié six mois avant.",
        "parties prenantes, appel d'offres",
        "plan",
    ),
    (
        "Joint launch calendar",
        "New references reached us too late to qualify our packaging.",
        "A shared twelve-month launch calendar reviewed every two months by both marketing teams.",
        "Four launches packed by us out of five in the year, against one the year before.",
        "marketing, launch, co-innovation",
        "",
    ),
    (
        "Audit de ligne gratuit contre engagement de volume",
        "Le client hésitait à nous confier une deuxième usine.",
        "Un audit de leurs lignes de conditionnement par nos techniciens, restitué à leur "
        "direction industrielle, avec les gains chiffrés.",
        "Deuxième usine gagnée ; 6 % de gaspillage en moins sur leurs lignes.",
        "audit, service, industrie",
        "",
    ),
    (
        "Executive sponsor at their steering committee",
        "Our relationship stayed at the buyer's level.",
        "Our sponsor joins their yearly steering committee with the KAM and presents one shared "
        "project, never a price list.",
        "A co-innovation programme funded over three years; a board-level contact on their side.",
        "sponsor, executive, co-innovation",
        "",
    ),
    (
        "Indexation des prix sur la résine",
        "Chaque hausse de prix annuelle déclenchait une crise.",
        "Une formule d'indexation trimestrielle sur le cours de la résine, publiée et vérifiable.",
        "Plus de renégociation en cours d'année ; marge stabilisée à ±0,5 point.",
        "prix, indexation, négociation",
        "",
    ),
    (
        "Advisory council topics answered within a quarter",
        "Customers' executives raised the same issues year after year.",
        "Every topic raised at the advisory council gets an owner and an answer within three "
        "months, reported at the next council.",
        "Nine topics out of ten closed within a quarter; two customers asked to join.",
        "advisory committee, executive",
        "",
    ),
    (
        "Échantillons co-développés avec leur R&D",
        "Leur R&D travaillait avec trois fournisseurs en parallèle.",
        "Un ingénieur de notre laboratoire détaché une journée par semaine dans leur centre R&D.",
        "Deux références co-développées, exclusives trois ans.",
        "r&d, co-innovation",
        "",
    ),
    (
        "Counterpart pairs at every level",
        "Only the KAM knew anyone at the customer.",
        "Each of their key people has one of ours in front, from the plant manager to the CEO, "
        "and each pair meets at an agreed cadence.",
        "No uncovered decision maker; relationship survived their buyer's departure.",
        "stakeholders, coverage, cadence",
        "",
    ),
    (
        "Revue des litiges mensuelle",
        "Factures contestées pour bons de livraison manquants.",
        "Bons de livraison joints à chaque facture et revue mensuelle des litiges avec leur "
        "comptabilité fournisseurs.",
        "Litiges divisés par deux en six mois.",
        "finance, litiges",
        "",
    ),
    (
        "Lighter films proposed before they ask",
        "Their sustainability targets were public but no supplier came with a plan.",
        "We proposed a 15 % lighter film for their top three references with a trial plan.",
        "Trial approved in a month; 120 tonnes of plastic saved a year.",
        "sustainability, r&d, proposal",
        "",
    ),
    (
        "Plan de compte partagé avec le client",
        "Le plan de compte restait un document interne.",
        "Nous présentons au client la vision partagée et les objectifs communs une fois par an, "
        "et nous les signons ensemble.",
        "Objectifs communs tenus à 80 % ; le client cite le plan dans ses propres revues.",
        "plan de compte, vision",
        "plan",
    ),
)
"""Good practices: title, context, what worked, evidence, tags, and where they come from ("plan":
a key account's plan, "meeting": one of its meetings, "": nowhere in particular)."""


def seed_sponsorship(*, accounts: accounts_demo.Seeded, today: dt.date | None = None) -> str:
    """The asks of the sponsor, year-end negotiations, the advisory committee, recognitions and
    good practices, through the services. Running it again changes nothing."""
    today = today or timezone.localdate()
    users = accounts.users
    director = users["director"]
    programme = Programme.objects.filter(year=scoring_demo.PROGRAMME_YEAR).first()
    if programme is None:
        return "Sponsorship: no programme year"
    plans_ = list(
        Plan.objects.filter(programme=programme)
        .select_related("client__kam", "client__sponsor")
        .order_by("client__name")
    )
    asks = sum(_seed_asks(plan, today) for plan in plans_)
    negotiations = sum(
        _seed_negotiations(index, plan, director, today) for index, plan in enumerate(plans_)
    )
    topics = _seed_committee(plans_, users, director, today)
    recognitions = _seed_recognitions(users, today)
    practices = _seed_practices(plans_, users, director)
    return (
        f"Sponsorship: {asks} asks of the sponsor, {negotiations} year-end negotiations, "
        f"{topics} advisory committee topics, {recognitions} recognitions, "
        f"{practices} good practices"
    )


def _within(plan: Plan, day: dt.date) -> dt.date:
    return min(max(day, plan.period_start), plan.period_end)


def _seed_asks(plan: Plan, today: dt.date) -> int:
    from planning.services import sponsorship as sponsorship_services

    sponsor, kam = plan.client.sponsor, plan.client.kam
    if sponsor is None or kam is None or plan.sponsor_asks.exists():
        return 0
    start = (plan.pk * 2) % len(ASKS)  # a different three for each account
    for text, days, answer in (ASKS + ASKS)[start : start + 3]:
        due = _within(plan, today + dt.timedelta(days=days))
        ask = sponsorship_services.ask_add(user=kam, plan=plan, request=text, due_on=due)
        if answer:
            sponsorship_services.ask_answer(user=sponsor, ask=ask, answer=answer)
    return 3


def _seed_negotiations(index: int, plan: Plan, director: User, today: dt.date) -> int:
    from planning.models import YearEndNegotiation
    from planning.services import sponsorship as sponsorship_services

    client = plan.client
    if YearEndNegotiation.objects.filter(client=client).exists():
        return 0
    kam = client.kam or director
    leader = client.sponsor or director
    year = plan.period_start.year
    held_on = min(dt.date(year - 1, 12, 9) + dt.timedelta(days=index * 3), today)
    sponsorship_services.negotiation_create(
        user=director,
        client=client,
        year=year - 1,
        status=YearEndNegotiation.Status.HELD,
        held_on=held_on,
        executives=[leader, kam],
        terms_agreed=NEGOTIATION_TERMS[index % len(NEGOTIATION_TERMS)],
        margin_impact=NEGOTIATION_IMPACT[index % len(NEGOTIATION_IMPACT)],
    )
    planned = max(today + dt.timedelta(days=10 + index * 4), dt.date(year, 12, 8))
    sponsorship_services.negotiation_create(
        user=director,
        client=client,
        year=year,
        status=YearEndNegotiation.Status.PLANNED,
        held_on=planned if planned.year <= year + 1 else None,
        executives=[leader, kam] if leader == director else [leader, director, kam],
    )
    return 2


def _seed_committee(
    plans_: list[Plan], users: dict[str, User], director: User, today: dt.date
) -> int:
    from planning.models import AdvisoryMeeting, AdvisoryMember
    from planning.services import sponsorship as sponsorship_services

    if AdvisoryMeeting.objects.exists():
        return 0
    members = []
    for index, plan in enumerate(plans_):
        contacts = plan.client.contacts.order_by("last_name", "first_name", "pk")
        senior = [c for c in contacts if any(w in c.title for w in ("Chief", "Director", "Head"))]
        candidates = senior or list(contacts)
        if not candidates or AdvisoryMember.objects.filter(contact=candidates[0]).exists():
            continue
        contact = candidates[0]
        members.append(
            sponsorship_services.advisory_member_add(
                user=director,
                contact=contact,
                since=today - dt.timedelta(days=400 - index * 30),
            )
        )
    topics = 0
    for days, title, summary, raised in COMMITTEE_MEETINGS:
        meeting = sponsorship_services.advisory_meeting_create(
            user=users["sponsor"],
            held_on=today + dt.timedelta(days=days),
            title=title,
            summary=summary,
            attendees=members,
        )
        for index, (topic, action, owner, status) in enumerate(raised):
            sponsorship_services.advisory_topic_add(
                user=users["sponsor"],
                meeting=meeting,
                topic=topic,
                raised_by=members[index % len(members)] if members else None,
                action=action,
                owner=users[owner] if owner else None,
                status=status,
            )
            topics += 1
    return topics


def _seed_recognitions(users: dict[str, User], today: dt.date) -> int:
    from planning.models import Recognition
    from planning.services import sponsorship as sponsorship_services

    if Recognition.objects.exists():
        return 0
    for recipient, team, award, reason, days in RECOGNITIONS:
        sponsorship_services.recognition_create(
            user=users["sponsor"],
            recipient=users[recipient] if recipient else None,
            team=team,
            award=award,
            reason=reason,
            awarded_on=today + dt.timedelta(days=days),
        )
    return len(RECOGNITIONS)


def _seed_practices(plans_: list[Plan], users: dict[str, User], director: User) -> int:
    from planning.models import Practice
    from planning.services import practices as practice_services

    if Practice.objects.exists() or not plans_:
        return 0
    made = []
    for index, (title, context, worked, evidence, tags, source) in enumerate(PRACTICES):
        plan = plans_[index % len(plans_)]
        author = plan.client.kam or director
        meeting = plan.meetings.order_by("-date", "-pk").first() if source == "meeting" else None
        made.append(
            practice_services.practice_create(
                user=author,
                title=title,
                context=context,
                what_worked=worked,
                evidence=evidence,
                tags=tags,
                source_plan=plan if source else None,
                source_meeting=meeting,
            )
        )
    for index, plan in enumerate(plans_):  # each plan reuses two practices of other plans
        others = [p for p in made if p.source_plan_id not in (None, plan.pk)]
        for practice in others[index : index + 2]:
            practice_services.practice_reuse_add(
                user=plan.client.kam or director,
                plan=plan,
                practice=practice,
                note="Adapted to this account's year-end negotiation and its plants.",
            )
    return len(made)


# --- investment projects and the steering committee -----------------------------------------------

PROJECTS = (
    # (account's rank among the plans by name, kind, title, description, owner, years as
    #  (year offset, budget, expected margin impact), what the held session decided, spent)
    (1, InvestmentProject.Kind.CO_INNOVATION, "Recyclable film co-development",
     "Develop with their R&D a mono-material film their lines can run, for their private "
     "labels first.", "rnd",
     ((0, 18_000, 5_000), (1, 40_000, 35_000), (2, 20_000, 60_000)),
     ("approve", "Their recyclable range is the strategy they share with us; payback in year "
      "three, the first year fits the budget left."), (12_400,)),
    (0, InvestmentProject.Kind.SUPPLY_CHAIN, "Dedicated logistics cell in Basel",
     "Two planners and a buffer warehouse next to their plant.", "supply",
     ((0, 60_000, 10_000), (1, 60_000, 30_000)),
     ("reject", "The margin expected does not cover the cost within the horizon; vendor-managed "
      "inventory from our own site comes first."), ()),
    (2, InvestmentProject.Kind.EXPANSION, "Benelux roll-out with their new stores",
     "Follow their opening of 40 stores in Belgium and the Netherlands with local stock.",
     "kam2",
     ((1, 80_000, 20_000), (2, 50_000, 90_000)),
     ("defer", "Sound case; it starts in the next year: decide it with next year's budget."), ()),
    (3, InvestmentProject.Kind.PRODUCT_LAUNCH, "Private-label design lab",
     "Our packaging design lab at their disposal for the launch of their private label.",
     "marketing",
     ((0, 9_500, 0), (1, 45_000, 30_000), (2, 25_000, 70_000)),
     None, ()),
    (1, InvestmentProject.Kind.DEDICATED_TEAM, "Dedicated on-site team",
     "A technician and a quality engineer on their main site, full time.", "kam",
     ((0, 22_000, 8_000), (1, 90_000, 60_000), (2, 90_000, 110_000)),
     None, ()),
)  # fmt: skip


def _seed_steering(programme: Programme, users: dict[str, User], today: dt.date) -> str:
    """Projects proposed on the key accounts, a session held two months ago that approved one,
    rejected one and deferred one, and a session planned in three weeks for the rest."""
    if InvestmentProject.objects.exists():
        return "steering committee: already there"
    with history.acting(users["director"]):
        return _seed_steering_as_director(programme, users, today)


def _seed_steering_as_director(programme: Programme, users: dict[str, User], today: dt.date) -> str:
    director = users["director"]
    by_name = list(Plan.objects.filter(programme=programme).select_related("client", "client__kam"))
    by_name.sort(key=lambda plan: plan.client.name)
    if not by_name:
        return "steering committee: no plan"
    held = projects.session_plan(
        user=director,
        date=today - dt.timedelta(days=60),
        agenda="Investment proposals of the key accounts for the programme's three years.",
        members=[director, users["sponsor"]],
    )
    decided = 0
    for index, kind, title, description, owner, years, decision, spent in PROJECTS:
        plan = by_name[index % len(by_name)]
        author = plan.client.kam or director
        project = projects.project_propose(
            user=author,
            plan=plan,
            kind=kind,
            title=title,
            description=description,
            owner=users[owner],
            objectives=list(plan.objectives.order_by("position")[:1]),
            years=[
                {
                    "year": programme.year + offset,
                    "budget": Decimal(budget),
                    "margin_impact": Decimal(impact),
                }
                for offset, budget, impact in years
            ],
        )
        if decision is not None:
            outcome, reason = decision
            projects.project_decide(
                user=director,
                session=held,
                project=project,
                outcome=outcome,
                reason=reason,
                notify=False,  # history: nobody is told again
            )
            decided += 1
        if spent:
            projects.project_spent_set(
                user=author,
                project=project,
                spent={programme.year + i: Decimal(amount) for i, amount in enumerate(spent)},
            )
    projects.session_hold(user=director, session=held)
    projects.session_plan(
        user=director,
        date=today + dt.timedelta(days=21),
        agenda="The private-label lab, the on-site team, and the Benelux roll-out deferred "
        "last time.",
        members=[director, users["sponsor"]],
    )
    return f"steering committee: {len(PROJECTS)} projects, {decided} decisions, 2 sessions"
