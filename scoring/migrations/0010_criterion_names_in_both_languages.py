"""A criterion's name and rubric in English and in French.

The seeded criteria (0002 and 0005) get both languages, unless a director changed their text:
a text that is neither the seeded English nor the seeded French one stays, in the installation's
language (``KAM_LANGUAGE``), and so does a criterion a director created. ``0011`` then drops the
single-language fields.
"""

import importlib

from django.conf import settings
from django.db import migrations, models

SEEDED = importlib.import_module("scoring.migrations.0005_method_criteria")

FIRST = {  # 0002's criteria (retired by 0005): code: (en, fr), rubric ((en, fr) per level)
    "revenue": (("Revenue", "Chiffre d'affaires"), ()),
    "growth": (("Revenue growth", "Croissance du chiffre d'affaires"), ()),
    "margin": (("Margin", "Marge"), ()),
    "payment": (("Payment discipline", "Respect des échéances"), ()),
    "strategic-fit": (
        ("Strategic fit", "Adéquation stratégique"),
        (
            ("Outside our target markets and offer.", "Hors de nos marchés cibles et de notre offre."),
            ("Buys a marginal part of our range.", "Achète une part marginale de notre gamme."),
            ("Buys our core range in one of our target markets.",
             "Achète le cœur de notre gamme dans l'un de nos marchés cibles."),
            ("Core range, target market, shares some of our priorities.",
             "Cœur de gamme, marché cible, partage certaines de nos priorités."),
            ("A reference client for our strategy.", "Un client de référence pour notre stratégie."),
        ),
    ),
    "growth-potential": (
        ("Growth potential", "Potentiel de croissance"),
        (
            ("No further business to expect.", "Pas d'affaires supplémentaires à attendre."),
            ("Some growth in the range already bought.",
             "Un peu de croissance sur la gamme déjà achetée."),
            ("Room for new products or sites.", "De la place pour de nouveaux produits ou sites."),
            ("Clear projects we can win in the next two years.",
             "Des projets précis à gagner dans les deux ans."),
            ("Could become one of our largest clients.",
             "Pourrait devenir l'un de nos plus gros clients."),
        ),
    ),
    "relationship": (
        ("Depth of the relationship", "Profondeur de la relation"),
        (
            ("A single buyer contact.", "Un seul contact acheteur."),
            ("Several contacts in purchasing.", "Plusieurs contacts aux achats."),
            ("Contacts in purchasing and in operations.",
             "Des contacts aux achats et aux opérations."),
            ("Regular meetings with decision makers.", "Rencontres régulières avec les décideurs."),
            ("Access to top management; joint reviews.",
             "Accès à la direction générale ; revues communes."),
        ),
    ),
    "collaboration": (
        ("Collaboration maturity", "Maturité de la collaboration"),
        (
            ("Transactional orders only.", "Commandes transactionnelles uniquement."),
            ("Occasional forecasts or feedback.", "Prévisions ou retours occasionnels."),
            ("Shared forecasts and a yearly review.", "Prévisions partagées et revue annuelle."),
            ("Joint plans and projects.", "Plans et projets communs."),
            ("Long-term partnership with shared objectives.",
             "Partenariat de long terme aux objectifs partagés."),
        ),
    ),
}  # fmt: skip


def _catalogue():
    """code: [((en, fr) name, ((en, fr) per level) rubric)]: every seeded text of a code."""
    known = {code: [entry] for code, entry in FIRST.items()}
    for code, row in SEEDED.CRITERIA.items():
        known.setdefault(code, []).append((row[7], SEEDED.RUBRICS.get(code, ())))
    return known


def fill(apps, schema_editor):
    Criterion = apps.get_model("scoring", "Criterion")
    own = "name_fr" if settings.LANGUAGE_CODE.startswith("fr") else "name_en"
    own_rubric = "rubric_fr" if own == "name_fr" else "rubric_en"
    known = _catalogue()
    for criterion in Criterion.objects.all():
        entries = known.get(criterion.code, [])
        name = criterion.name.strip()
        seeded = next((names for names, _ in entries if name in names), None)
        if seeded is not None:
            criterion.name_en, criterion.name_fr = seeded
        else:
            setattr(criterion, own, name)
        rubric = criterion.rubric if isinstance(criterion.rubric, dict) else {}
        english, french, kept = {}, {}, {}
        for level, text in rubric.items():
            pairs = [
                texts[int(level) - 1]
                for _, texts in entries
                if level.isdigit() and 1 <= int(level) <= len(texts)
            ]
            pair = next((pair for pair in pairs if text.strip() in pair), None)
            if pair is not None:
                english[level], french[level] = pair
            elif text:
                kept[level] = text
        criterion.rubric_en, criterion.rubric_fr = english, french
        getattr(criterion, own_rubric).update(kept)
        criterion.save(update_fields=["name_en", "name_fr", "rubric_en", "rubric_fr"])


def unfill(apps, schema_editor):
    Criterion = apps.get_model("scoring", "Criterion")
    french = settings.LANGUAGE_CODE.startswith("fr")
    for criterion in Criterion.objects.all():
        names = (criterion.name_fr, criterion.name_en) if french else (criterion.name_en, criterion.name_fr)
        criterion.name = next((name for name in names if name), "")
        rubrics = (criterion.rubric_en, criterion.rubric_fr)
        first, second = rubrics[::-1] if french else rubrics
        criterion.rubric = {**second, **first}
        criterion.save(update_fields=["name", "rubric"])


class Migration(migrations.Migration):
    dependencies = [("scoring", "0009_programme_investment_horizon")]

    operations = [
        migrations.AddField(
            model_name="criterion",
            name="name_en",
            field=models.CharField(blank=True, max_length=150, verbose_name="name in English"),
        ),
        migrations.AddField(
            model_name="criterion",
            name="name_fr",
            field=models.CharField(blank=True, max_length=150, verbose_name="name in French"),
        ),
        migrations.AddField(
            model_name="criterion",
            name="rubric_en",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text='Rated criteria: what each level "1" to "5" means.',
                verbose_name="rubric in English",
            ),
        ),
        migrations.AddField(
            model_name="criterion",
            name="rubric_fr",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text='Rated criteria: what each level "1" to "5" means.',
                verbose_name="rubric in French",
            ),
        ),
        migrations.RunPython(fill, unfill),
    ]
