"""The criteria of the key-account method as the default catalogue.

Adds the financial criteria the first catalogue lacked (volume, gross margin, share of revenue,
disputes) and the strategic-alignment and maturity questions of the method, each rated 1 to 5
with a rubric; retires the four generic rated criteria of 0002 (their ratings stay, inactive);
and saves the weights as a new version, so the change is in the weights' change log. Names and
rubrics are written in the installation's language (``KAM_LANGUAGE``); directors can edit them.
"""

from django.conf import settings
from django.db import migrations

RATING_THRESHOLDS = [2, 3, 4, 5]  # level 1 scores 0, 2 scores 0.25 ... 5 scores 1
RETIRED = ["strategic-fit", "growth-potential", "relationship", "collaboration"]
FIRST_NAMES = {  # the names 0002 gave the criteria kept here, renamed unless a director did
    "revenue": "Revenue",
    "growth": "Revenue growth",
    "margin": "Margin",
    "payment": "Payment discipline",
}

# code: family, direction, normalisation, thresholds, met from, source, weight, (en, fr)
CRITERIA = {
    "revenue": ("financial", "higher", "percentile", [], 0.5, "revenue", 25,
                ("Revenue", "Chiffre d'affaires")),
    "volume": ("financial", "higher", "percentile", [], 0.5, "volume", 10,
               ("Volume", "Volume")),
    "gross-margin": ("financial", "higher", "percentile", [], 0.5, "gross_margin", 15,
                     ("Gross margin", "Marge brute")),
    "margin": ("financial", "higher", "minmax", [], 0.5, "margin_pct", 15,
               ("Margin %", "Taux de marge")),
    "growth": ("financial", "higher", "minmax", [], 0.5, "growth_pct", 15,
               ("Revenue growth", "Croissance du chiffre d'affaires")),
    "share": ("financial", "higher", "thresholds", [1, 2.5, 5], 1 / 3, "share_pct", 5,
              ("Share of our revenue", "Part de notre chiffre d'affaires")),
    "payment": ("financial", "lower", "thresholds", [5, 15, 30], 2 / 3, "avg_days_late", 10,
                ("Payment discipline", "Respect des échéances")),
    "disputes": ("financial", "lower", "thresholds", [1, 3, 6], 2 / 3, "dispute_rate", 5,
                 ("Disputes", "Litiges")),
    "footprint": ("strategic", "higher", "thresholds", RATING_THRESHOLDS, 0.5, "", 25,
                  ("Shapes our geographic footprint",
                   "Structure notre présence géographique")),
    "product-lines": ("strategic", "higher", "thresholds", RATING_THRESHOLDS, 0.5, "", 25,
                      ("Drives our product launches or keeps a product line alive",
                       "Porte nos lancements de produits ou fait vivre une gamme")),
    "investment": ("strategic", "higher", "thresholds", RATING_THRESHOLDS, 0.5, "", 25,
                   ("Drives our R&D, logistics or delivery investment",
                    "Oriente nos investissements R&D, logistique ou livraison")),
    "shared-vision": ("strategic", "higher", "thresholds", RATING_THRESHOLDS, 0.5, "", 25,
                      ("Shares our vision of the business and its outlook",
                       "Partage notre vision du métier et de ses perspectives")),
    "structured-relationship": ("maturity", "higher", "thresholds", RATING_THRESHOLDS, 0.5, "",
                                25, ("Wants a more structured, open and proactive relationship",
                                     "Veut une relation plus structurée, ouverte et proactive")),
    "information-sharing": ("maturity", "higher", "thresholds", RATING_THRESHOLDS, 0.5, "", 25,
                            ("Shares information beyond the transaction",
                             "Partage des informations au-delà de la transaction")),
    "long-term-view": ("maturity", "higher", "thresholds", RATING_THRESHOLDS, 0.5, "", 25,
                       ("Takes a long-term view", "Se projette dans la durée")),
    "contact-levels": ("maturity", "higher", "thresholds", RATING_THRESHOLDS, 0.5, "", 25,
                       ("Has multiple levels of contact", "Multiplie les niveaux de contact")),
}  # fmt: skip

RUBRICS = {
    "footprint": (
        ("Only where we already are, no effect on our presence.",
         "Uniquement là où nous sommes déjà, sans effet sur notre présence."),
        ("Occasional orders outside our usual territories.",
         "Commandes ponctuelles hors de nos territoires habituels."),
        ("Regular business in a country or region we want to grow in.",
         "Activité régulière dans un pays ou une région que nous voulons développer."),
        ("Opens a new country or region for us.",
         "Nous ouvre un nouveau pays ou une nouvelle région."),
        ("Decides where we set up sites, stock or teams.",
         "Décide où nous installons sites, stocks ou équipes."),
    ),
    "product-lines": (
        ("Buys only standard, mature products.",
         "N'achète que des produits standards et matures."),
        ("Tries some of our new products.", "Essaie certains de nos nouveaux produits."),
        ("A regular early buyer of new products.",
         "Achète régulièrement nos nouveautés parmi les premiers."),
        ("Co-develops or pilots our launches.", "Co-développe ou pilote nos lancements."),
        ("A product line would not survive without it.",
         "Une gamme ne survivrait pas sans lui."),
    ),
    "investment": (
        ("Asks nothing beyond our standard offer.",
         "Ne demande rien au-delà de notre offre standard."),
        ("Occasional specific requests.", "Demandes spécifiques occasionnelles."),
        ("Its needs shape some of our R&D, logistics or delivery choices.",
         "Ses besoins orientent certains choix R&D, logistiques ou de livraison."),
        ("Justifies a dedicated investment project.",
         "Justifie un projet d'investissement dédié."),
        ("Drives our investment roadmap.", "Oriente notre feuille de route d'investissement."),
    ),
    "shared-vision": (
        ("Sees us as one interchangeable supplier.",
         "Nous voit comme un fournisseur interchangeable."),
        ("Shares its view of the market when asked.",
         "Partage sa vision du marché si on la demande."),
        ("Our views of the business and its outlook largely agree.",
         "Nos visions du métier et de ses perspectives concordent largement."),
        ("We discuss strategy together regularly.",
         "Nous discutons régulièrement de stratégie ensemble."),
        ("A partner in shaping where the business goes.",
         "Un partenaire pour décider où va le métier."),
    ),
    "structured-relationship": (
        ("Prefers ad hoc, price-driven exchanges.",
         "Préfère des échanges ponctuels, centrés sur le prix."),
        ("Accepts periodic reviews.", "Accepte des revues périodiques."),
        ("Asks for regular, structured reviews.", "Demande des revues régulières et structurées."),
        ("Proposes joint plans and open discussions.",
         "Propose des plans communs et des échanges ouverts."),
        ("Runs a proactive, governed partnership with us.",
         "Pilote avec nous un partenariat proactif et gouverné."),
    ),
    "information-sharing": (
        ("Orders and invoices only.", "Commandes et factures uniquement."),
        ("Occasional forecasts.", "Prévisions occasionnelles."),
        ("Shares forecasts and feedback regularly.",
         "Partage régulièrement prévisions et retours."),
        ("Shares plans, data and problems openly.",
         "Partage ouvertement plans, données et difficultés."),
        ("Shares strategic information under a joint framework.",
         "Partage des informations stratégiques dans un cadre commun."),
    ),
    "long-term-view": (
        ("Buys order by order.", "Achète commande par commande."),
        ("Yearly contracts.", "Contrats annuels."),
        ("Multi-year agreements.", "Accords pluriannuels."),
        ("Multi-year plans with shared objectives.",
         "Plans pluriannuels avec objectifs partagés."),
        ("A long-term partnership beyond contracts.",
         "Un partenariat de long terme au-delà des contrats."),
    ),
    "contact-levels": (
        ("A single buyer contact.", "Un seul contact acheteur."),
        ("Several contacts in purchasing.", "Plusieurs contacts aux achats."),
        ("Contacts in purchasing and operations.", "Des contacts aux achats et aux opérations."),
        ("Regular meetings with decision makers.", "Rencontres régulières avec les décideurs."),
        ("Access to top management, mirrored by ours.",
         "Accès à la direction générale, en miroir de la nôtre."),
    ),
}

FAMILY_WEIGHTS = {"financial": 50, "strategic": 30, "maturity": 20}


def apply(apps, schema_editor):
    Criterion = apps.get_model("scoring", "Criterion")
    WeightSet = apps.get_model("scoring", "WeightSet")
    CriterionWeight = apps.get_model("scoring", "CriterionWeight")
    french = settings.LANGUAGE_CODE.startswith("fr")
    active = WeightSet.objects.filter(is_active=True).first()
    if active is None:
        return  # no default catalogue was seeded (an installation that manages its own)
    Criterion.objects.filter(code__in=RETIRED).update(is_active=False)
    criteria = {}
    for code, row in CRITERIA.items():
        family, direction, normalisation, thresholds, met, source, _, names = row
        rubric = {
            str(level): texts[1 if french else 0]
            for level, texts in enumerate(RUBRICS.get(code, ()), start=1)
        }
        criterion, created = Criterion.objects.get_or_create(
            code=code,
            defaults={
                "name": names[1 if french else 0],
                "family": family,
                "direction": direction,
                "normalisation": normalisation,
                "thresholds": thresholds,
                "met_threshold": met,
                "source": source,
                "rubric": rubric,
            },
        )
        if not created and criterion.family != family:
            continue  # a director's own criterion under that code: left alone
        if not created and criterion.name == FIRST_NAMES.get(code):
            criterion.name = names[1 if french else 0]
        criterion.is_active = True
        criterion.save()
        criteria[code] = criterion
    active.is_active = False
    active.save(update_fields=["is_active"])
    weight_set = WeightSet.objects.create(
        name=active.name,
        version=WeightSet.objects.order_by("-version").values_list("version", flat=True)[0] + 1,
        is_active=True,
        family_weights=FAMILY_WEIGHTS,
        reason=(
            "Critères de la méthode grands comptes : finances, alignement stratégique, maturité"
            if french
            else "Criteria of the key-account method: financial, strategic alignment, maturity"
        ),
    )
    CriterionWeight.objects.bulk_create(
        CriterionWeight(weight_set=weight_set, criterion=criterion, weight=CRITERIA[code][6])
        for code, criterion in criteria.items()
    )


class Migration(migrations.Migration):
    dependencies = [("scoring", "0004_structured_score_sources")]

    operations = [migrations.RunPython(apply, migrations.RunPython.noop)]
