"""The legal bases for sharing without consent as they stand from Barnets lov (2024-01-01), seeded by a data
migration (legal-rules.md, "Sharing between administrations"). A municipality changes the list by adding a
version (`helhed consent bases --add`), never by editing one that disclosures already used."""

from __future__ import annotations

from datetime import date

BL_IN_FORCE = date(2024, 1, 1)

SEED = [
    {
        "code": "early_preventive",
        "name": "Tidlig forebyggende samarbejde",
        "paragraph": "Barnets lov (tidligere servicelovens § 49 a)",
        "description": (
            "Skoler, dagtilbud, sundhedspleje, PPR og socialforvaltningen kan udveksle oplysninger om et barns "
            "rent private forhold uden samtykke, når det er nødvendigt for det tidlige forebyggende samarbejde "
            "om et barn med behov for særlig støtte."
        ),
        "administrations": ["BUF", "SOF"],
        "position": 1,
    },
    {
        "code": "abuse",
        "name": "Sag om overgreb mod et barn",
        "paragraph": "Barnets lov § 126 (tidligere servicelovens § 49 b)",
        "description": (
            "I sager om mistanke om vold eller seksuelle overgreb mod et barn kan kommunen, politiet, "
            "sundhedsvæsenet og børnehuset udveksle oplysninger uden samtykke, når det er nødvendigt for at "
            "undersøge og hjælpe barnet."
        ),
        "administrations": [],
        "position": 2,
    },
    {
        "code": "fvl_28",
        "name": "Barnets interesse går klart forud",
        "paragraph": "Forvaltningsloven § 28",
        "description": (
            "Oplysninger kan videregives uden samtykke, når hensynet til barnet klart overstiger hensynet til "
            "familiens interesse i, at oplysningerne ikke videregives. Kræver en konkret afvejning, som skal "
            "skrives i begrundelsen."
        ),
        "administrations": [],
        "position": 3,
    },
]
