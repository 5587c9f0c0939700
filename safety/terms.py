"""The curated safety vocabulary, as plain data (pure: no Django).

- SOCS: the MedDRA system organ classes used by CTCAE v5.0 (code, name);
- TERMS: the CTCAE v5.0 terms this trial expects or watches, each with its system organ
  class; a few trial terms that CTCAE v5.0 grades under "Other, specify" are marked
  `ctcae=False`;
- EXPECTED: per study drug, the expected events (term codes, and whole system organ
  classes such as infections), from the issue's lists (the reference safety information);
- SPECIAL_INTEREST: the adverse events of special interest, grouped for the dashboard;
- CYP3A4: strong CYP3A4 inhibitors and inducers that interact with cyclosporine.

The migration safety 0002 loads SOCS and TERMS into tables (the form's choices); the
rules (safety/rules.py) read EXPECTED and SPECIAL_INTEREST from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from enrollment.labels import gettext_noop


class Drug(StrEnum):
    CYCLOSPORINE = "cyclosporine"
    CORTICOSTEROIDS = "corticosteroids"


DRUG_LABELS = {
    Drug.CYCLOSPORINE: gettext_noop("Cyclosporine"),
    Drug.CORTICOSTEROIDS: gettext_noop("Corticosteroids"),
}


@dataclass(frozen=True)
class Term:
    code: str
    name: str
    soc: str
    ctcae: bool = True


SOCS: tuple[tuple[str, str], ...] = (
    ("blood", gettext_noop("Blood and lymphatic system disorders")),
    ("cardiac", gettext_noop("Cardiac disorders")),
    ("endocrine", gettext_noop("Endocrine disorders")),
    ("gastrointestinal", gettext_noop("Gastrointestinal disorders")),
    ("general", gettext_noop("General disorders and administration site conditions")),
    ("hepatobiliary", gettext_noop("Hepatobiliary disorders")),
    ("immune", gettext_noop("Immune system disorders")),
    ("infections", gettext_noop("Infections and infestations")),
    ("investigations", gettext_noop("Investigations")),
    ("metabolism", gettext_noop("Metabolism and nutrition disorders")),
    ("musculoskeletal", gettext_noop("Musculoskeletal and connective tissue disorders")),
    ("nervous", gettext_noop("Nervous system disorders")),
    ("psychiatric", gettext_noop("Psychiatric disorders")),
    ("renal", gettext_noop("Renal and urinary disorders")),
    ("respiratory", gettext_noop("Respiratory, thoracic and mediastinal disorders")),
    ("skin", gettext_noop("Skin and subcutaneous tissue disorders")),
    ("vascular", gettext_noop("Vascular disorders")),
)
SOC_NAMES = dict(SOCS)

TERMS: tuple[Term, ...] = (
    # Renal (nephrotoxicity)
    Term("acute_kidney_injury", "Acute kidney injury", "renal"),
    Term("chronic_kidney_disease", "Chronic kidney disease", "renal"),
    Term("creatinine_increased", "Creatinine increased", "investigations"),
    # Vascular, cardiac
    Term("hypertension", "Hypertension", "vascular"),
    Term("hypotension", "Hypotension", "vascular"),
    Term("thromboembolic_event", "Thromboembolic event", "vascular"),
    Term("heart_failure", "Heart failure", "cardiac"),
    # Metabolism
    Term("hyperkalemia", "Hyperkalemia", "metabolism"),
    Term("hyperglycemia", "Hyperglycemia", "metabolism"),
    Term("hypomagnesemia", "Hypomagnesemia", "metabolism"),
    # Nervous, psychiatric (mood change)
    Term("tremor", "Tremor", "nervous"),
    Term("headache", "Headache", "nervous"),
    Term("seizure", "Seizure", "nervous"),
    Term("depression", "Depression", "psychiatric"),
    Term("euphoria", "Euphoria", "psychiatric"),
    Term("agitation", "Agitation", "psychiatric"),
    Term("anxiety", "Anxiety", "psychiatric"),
    Term("insomnia", "Insomnia", "psychiatric"),
    Term("psychosis", "Psychosis", "psychiatric"),
    # Gastrointestinal
    Term("gingival_hyperplasia", "Gingival hyperplasia", "gastrointestinal", ctcae=False),
    Term("upper_gi_hemorrhage", "Upper gastrointestinal hemorrhage", "gastrointestinal"),
    Term("lower_gi_hemorrhage", "Lower gastrointestinal hemorrhage", "gastrointestinal"),
    Term("nausea", "Nausea", "gastrointestinal"),
    Term("vomiting", "Vomiting", "gastrointestinal"),
    Term("diarrhea", "Diarrhea", "gastrointestinal"),
    # Skin
    Term("hirsutism", "Hirsutism", "skin"),
    Term("rash_maculo_papular", "Rash maculo-papular", "skin"),
    # Musculoskeletal (myopathy)
    Term("myopathy", "Myopathy (steroid)", "musculoskeletal", ctcae=False),
    Term("generalized_muscle_weakness", "Generalized muscle weakness", "musculoskeletal"),
    # Endocrine
    Term("adrenal_insufficiency", "Adrenal insufficiency", "endocrine"),
    # Infections
    Term("sepsis", "Sepsis", "infections"),
    Term("lung_infection", "Lung infection", "infections"),
    Term("urinary_tract_infection", "Urinary tract infection", "infections"),
    Term("skin_infection", "Skin infection", "infections"),
    Term("viral_reactivation", "Viral reactivation (HHV-6, HHV-7, EBV, CMV)", "infections", False),
    # Blood, liver, general
    Term("anemia", "Anemia", "blood"),
    Term("neutrophil_count_decreased", "Neutrophil count decreased", "investigations"),
    Term("alt_increased", "Alanine aminotransferase increased", "investigations"),
    Term("fever", "Fever", "general"),
    Term("edema_limbs", "Edema limbs", "general"),
    Term("death_nos", "Death NOS", "general"),
    Term("hepatic_failure", "Hepatic failure", "hepatobiliary"),
)
TERMS_BY_CODE = {t.code: t for t in TERMS}

INFECTIONS = "soc:infections"

# The reference safety information: what each study drug is expected to cause. An entry is
# a term code, or "soc:<code>" for a whole system organ class (every infection).
EXPECTED: dict[Drug, frozenset[str]] = {
    Drug.CYCLOSPORINE: frozenset(
        {
            # nephrotoxicity
            "acute_kidney_injury",
            "chronic_kidney_disease",
            "creatinine_increased",
            "hypertension",
            "hyperkalemia",
            "tremor",
            "gingival_hyperplasia",
            "hirsutism",
            INFECTIONS,
        }
    ),
    Drug.CORTICOSTEROIDS: frozenset(
        {
            "hyperglycemia",
            INFECTIONS,
            # GI bleeding
            "upper_gi_hemorrhage",
            "lower_gi_hemorrhage",
            # mood change
            "depression",
            "euphoria",
            "agitation",
            "anxiety",
            "insomnia",
            "psychosis",
            "hypertension",
            # myopathy
            "myopathy",
            "generalized_muscle_weakness",
            "adrenal_insufficiency",
        }
    ),
}

# Adverse events of special interest (dashboard rows): name -> term codes or "soc:".
SPECIAL_INTEREST: dict[str, frozenset[str]] = {
    gettext_noop("Nephrotoxicity"): frozenset(
        {"acute_kidney_injury", "chronic_kidney_disease", "creatinine_increased"}
    ),
    gettext_noop("Hypertension"): frozenset({"hypertension"}),
    gettext_noop("Hyperglycaemia"): frozenset({"hyperglycemia"}),
    gettext_noop("Serious infection"): frozenset({INFECTIONS}),
    gettext_noop("Viral reactivation"): frozenset({"viral_reactivation"}),
}
SERIOUS_ONLY = frozenset({"Serious infection"})

# Strong CYP3A4 inhibitors (raise cyclosporine levels) and inducers (lower them).
CYP3A4_INHIBITORS = frozenset(
    {
        "clarithromycin",
        "itraconazole",
        "ketoconazole",
        "posaconazole",
        "voriconazole",
        "ritonavir",
        "cobicistat",
        "nefazodone",
        "telithromycin",
    }
)
CYP3A4_INDUCERS = frozenset(
    {
        "rifampicin",
        "rifampin",
        "carbamazepine",
        "phenytoin",
        "phenobarbital",
        "st john's wort",
        "enzalutamide",
        "apalutamide",
        "mitotane",
    }
)
