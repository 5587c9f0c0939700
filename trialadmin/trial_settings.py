"""The TRIAL_* settings in force, each with its protocol meaning (docs/protocol.md, the
table of readings and settings; its wording reused)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

# setting name -> (meaning, protocol section). The wording is docs/protocol.md's.
MEANINGS: dict[str, tuple[str, str]] = {
    "TRIAL_INCLUSION_MIN_REGISCAR": (
        'Inclusion: RegiSCAR "greater than 4" means a score of at least this value [reading]',
        "docs/protocol.md §1 Eligibility",
    ),
    "TRIAL_EXCLUSION_EGFR_BELOW": (
        "Exclusion: eGFR below this value, unless on dialysis (from the record)",
        "docs/protocol.md §1 Eligibility",
    ),
    "TRIAL_RENAL_IMPAIRMENT_EGFR_BELOW": (
        "Renal impairment (lower cyclosporine doses; a stratum factor): eGFR below this "
        "value, or on dialysis [reading]",
        "docs/protocol.md §1 Eligibility",
    ),
    "TRIAL_BLOCK_SIZES": (
        "Block sizes of the permuted blocks, drawn at random [reading]",
        "docs/protocol.md §2 Randomization",
    ),
    "TRIAL_STRATA_FACTORS": (
        "Stratification factors [reading] (site is always a factor)",
        "docs/protocol.md §2 Randomization",
    ),
    "TRIAL_CSA_CAPSULE_STEP_MG": (
        "Cyclosporine oral dose step (capsule size)",
        "docs/protocol.md §3 Dosing",
    ),
    "TRIAL_CSA_IV_FRACTION": (
        "Cyclosporine IV dose as a fraction of the oral daily dose, when NPO "
        "[reading: Sandimmune injection labelling]",
        "docs/protocol.md §3 Dosing",
    ),
    "TRIAL_CSA_IV_STEP_MG": ("Cyclosporine IV dose step", "docs/protocol.md §3 Dosing"),
    "TRIAL_PREDNISONE_STEP_MG": ("Prednisone dose step", "docs/protocol.md §3 Dosing"),
    "TRIAL_VISIT_WINDOWS": (
        "Visit windows around study days 7, 30, 60 and 90, in days either side [reading] "
        "(TRIAL_WINDOW_DAY7 … TRIAL_WINDOW_DAY90)",
        "docs/protocol.md §4 Visits",
    ),
    "TRIAL_TARGET_ENROLLMENT": (
        "Enrollment target shown on the dashboard (the record's estimate)",
        "docs/protocol.md Settings (the readings)",
    ),
    "TRIAL_MIN_UNUSED_SLOTS_WARNING": (
        "Warn the statistician when a LIVE stratum has fewer unused slots than this",
        "docs/protocol.md §2 Randomization",
    ),
    "TRIAL_AE_PERIOD_DAYS": (
        "Safety reporting: the AE period runs from consent to this study day (issue 17)",
        "dressdb/settings.py (not in protocol.md's table)",
    ),
    "TRIAL_SAE_REPORT_HOURS": (
        "Safety reporting: the initial SAE report is due this many hours after the site "
        "became aware (issue 17)",
        "dressdb/settings.py (not in protocol.md's table)",
    ),
    "TRIAL_SAFETY_CONTACT_EMAIL": (
        "The sponsor's safety contact, notified at once of an SAE (issue 17)",
        "dressdb/settings.py (not in protocol.md's table)",
    ),
    "TRIAL_SDV_SAMPLE_EVERY": (
        "SDV outside the 100% forms: every n-th participant of a site (issue 18; 1 = all)",
        "dressdb/settings.py (not in protocol.md's table)",
    ),
    "TRIAL_REQUIRE_CURRENT_CONSENT": (
        "A participant who must re-consent on a new consent-form version: refuse new data "
        "entry (safety reports excepted); off: warn only (issue 18)",
        "docs/protocol.md §4 Visits (consent-form versions)",
    ),
    "TRIAL_ADMIN_DOSE_TOLERANCE_PCT": (
        "Administrations: a dose given differing from the order by more than this percent "
        "is a discrepancy, alerted to the investigator and pharmacist (issue 19)",
        "dressdb/settings.py (not in protocol.md's table)",
    ),
    "TRIAL_CSA_TROUGH_MAX_NG_ML": (
        "Cyclosporine monitoring: a trough level above this (ng/mL) alerts investigators "
        "(issue 19)",
        "dressdb/settings.py (not in protocol.md's table)",
    ),
    "TRIAL_SYSTOLIC_ALERT_MMHG": (
        "Cyclosporine monitoring: a systolic pressure at or above this (mmHg) alerts "
        "investigators (issue 19)",
        "dressdb/settings.py (not in protocol.md's table)",
    ),
    "TRIAL_CREATININE_RISE_ALERT_PCT": (
        "Cyclosporine monitoring: a creatinine rise of this percent or more from baseline "
        "alerts investigators (issue 19)",
        "dressdb/settings.py (not in protocol.md's table)",
    ),
    "TRIAL_ENFORCE_DELEGATION": (
        "A user acts only within the duties of the site delegation log (issue 21; on by "
        "default); off: not checked",
        "issue 21 (GCP delegation log)",
    ),
    "TRIAL_REQUIRED_TRAINING": (
        "The training courses each duty requires (issue 21; GCP and protocol for every duty "
        "by default); missing or lapsed training is a warning",
        "issue 21 (GCP training records)",
    ),
    "TRIAL_BLOCK_ON_LAPSED_TRAINING": (
        "On: a user whose required training is missing or lapsed is refused the duty's "
        "actions like an undelegated user (issue 21); off: warned only",
        "issue 21 (an admin can make lapsed training block work)",
    ),
}
UNDOCUMENTED = "Not in docs/protocol.md's table: see dressdb/settings.py"


@dataclass(frozen=True)
class TrialSetting:
    name: str
    value: str
    meaning: str
    source: str


def trial_settings() -> list[TrialSetting]:
    """Every TRIAL_* setting in force (read from django.conf.settings), sorted by name."""
    rows = []
    for name in sorted(n for n in dir(settings) if n.startswith("TRIAL_")):
        meaning, source = MEANINGS.get(name, (UNDOCUMENTED, "dressdb/settings.py"))
        rows.append(TrialSetting(name, repr(getattr(settings, name)), meaning, source))
    return rows
