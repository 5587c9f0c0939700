"""Data management and monitoring (issue 18): queries, automatic edit checks, SDV, the
casebook signature, freeze and database lock.

Floor: above every domain app and reports, below the portal (.importlinter). It reads
every form's records; no domain app imports it.

When the edit checks run ("on save" within the floors): the domain services cannot call
up into this app, and signals are not used for domain flow. So the checks run
- every 10 minutes for the participants whose records changed in the last 30 minutes
  (beat entry "datamanagement edit checks (recent)", from the history tables);
- nightly for everyone, with the SDV plan and the casebook fingerprint check (beat entry
  "datamanagement edit checks (nightly)");
- at once when a query is answered (page or API), so a correction closes its automatic
  query immediately, and from the participant's page ("Run the edit checks now");
- on demand: `manage.py run_edit_checks [participant ids]`.

Freeze and lock are read from the core floor (`dressdb.models.EditFreeze`) by
`enrollment.services.data_entry_allowed`, which the outcomes services (visit entry,
missed visit, hospital course) and the safety services already call.
"""
