from django.db import migrations


def seed(apps, schema_editor):
    from helhed.consent.bases import BL_IN_FORCE, SEED

    LegalBasis = apps.get_model("consent", "LegalBasis")
    for row in SEED:
        LegalBasis.objects.get_or_create(code=row["code"], valid_from=BL_IN_FORCE, defaults=row)


def unseed(apps, schema_editor):
    apps.get_model("consent", "LegalBasis").objects.filter(disclosures__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("consent", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
