"""Export pages and downloads (statisticians and admins)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import FileResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from dressdb.access import require_role, sites_visible_to
from dressdb.bounds import BoundedModelMultipleChoiceField
from dressdb.models import Role
from reports import services
from reports.copy_export import copy_available, copy_lines
from reports.exports import DATASETS, csv_lines, dictionary_csv
from reports.models import ExportJob
from reports.odm import odm_lines
from reports.r_loader import r_script
from reports.stat_syntax import SYNTAX_FILES

EXPORT_ROLES = (Role.STATISTICIAN, Role.ADMIN)
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ExportOptionsForm(forms.Form):
    sites = BoundedModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every site.",
    )
    start = forms.DateField(required=False, widget=DATE, label="From")
    end = forms.DateField(required=False, widget=DATE, label="To")
    deidentify = forms.BooleanField(
        required=False, label="De-identified (no initials or free text; dates as study days)"
    )
    bom = forms.BooleanField(required=False, label="UTF-8 with BOM (for Excel)")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sites"].queryset = sites_visible_to(user, EXPORT_ROLES)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", "The end date is before the start date.")
        return cleaned

    def options(self, user: Any) -> dict[str, Any]:
        chosen = self.cleaned_data.get("sites")
        site_ids = [s.pk for s in (chosen if chosen else sites_visible_to(user, EXPORT_ROLES))]
        return services.parse_options(
            site_ids,
            self.cleaned_data.get("start"),
            self.cleaned_data.get("end"),
            bool(self.cleaned_data.get("deidentify")),
            bool(self.cleaned_data.get("bom")),
        )


def export_site_ids(user: Any, wanted: list[int]) -> list[int]:
    """The sites an export reads: those asked for, kept only within the user's scope
    (the access module), in the order asked. Page and API both stream through here."""
    visible = set(sites_visible_to(user, EXPORT_ROLES).values_list("pk", flat=True))
    return [pk for pk in wanted if pk in visible]


def stream_csv(
    user: Any, dataset_name: str, options: dict[str, Any], filename: str
) -> StreamingHttpResponse:
    dataset = DATASETS[dataset_name]
    start = dt.date.fromisoformat(options["start"]) if options.get("start") else None
    end = dt.date.fromisoformat(options["end"]) if options.get("end") else None
    site_ids = export_site_ids(user, options["site_ids"])

    def body() -> Iterator[bytes]:
        counter: list[int] = []
        if copy_available(dataset_name, options["deidentify"]):
            yield from copy_lines(
                dataset_name, site_ids, start, end, bom=options["bom"], counter=counter
            )
        else:
            for line in csv_lines(
                dataset,
                site_ids,
                start,
                end,
                deidentify=options["deidentify"],
                bom=options["bom"],
                counter=counter,
            ):
                yield line.encode("utf-8")
        services.log_export(user, dataset_name, options, counter[0] if counter else 0)

    response = StreamingHttpResponse(body(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@require_role(*EXPORT_ROLES)
def export_home(request: HttpRequest) -> HttpResponse:
    form = ExportOptionsForm(request.GET or None, user=request.user)
    query = request.GET.urlencode()
    jobs = ExportJob.objects.filter(user_id=request.user.pk or 0)[:5]
    return render(
        request,
        "reports/exports.html",
        {
            "form": form,
            "datasets": DATASETS.values(),
            "query": query,
            "jobs": jobs,
        },
    )


@require_role(*EXPORT_ROLES)
def export_download(request: HttpRequest, dataset: str) -> HttpResponseBase:
    if dataset not in DATASETS:
        raise Http404("No such dataset.")
    form = ExportOptionsForm(request.GET, user=request.user)
    if not form.is_valid():
        return render(
            request,
            "reports/exports.html",
            {"form": form, "datasets": DATASETS.values(), "query": "", "jobs": []},
            status=400,
        )
    return stream_csv(request.user, dataset, form.options(request.user), f"{dataset}.csv")


@require_role(*EXPORT_ROLES)
def export_dictionary(request: HttpRequest) -> HttpResponse:
    deidentify = request.GET.get("deidentify") == "on"
    response = HttpResponse(
        dictionary_csv(deidentify, request.GET.get("bom") == "on"),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="data_dictionary.csv"'
    return response


@require_role(*EXPORT_ROLES)
def export_r_script(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        r_script(request.GET.get("deidentify") == "on"), content_type="text/plain; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="load_dressdb.R"'
    return response


@require_role(*EXPORT_ROLES)
def export_syntax(request: HttpRequest, tool: str) -> HttpResponse:
    """The SAS, Stata or SPSS syntax that reads the CSVs (no data in it)."""
    if tool not in SYNTAX_FILES:
        raise Http404("No such syntax file.")
    filename, build = SYNTAX_FILES[tool]
    response = HttpResponse(
        build(request.GET.get("deidentify") == "on"), content_type="text/plain; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_role(*EXPORT_ROLES)
def export_odm(request: HttpRequest) -> HttpResponseBase:
    """CDISC ODM 1.3.2 XML of the clinical data in the options' scope, streamed and logged
    like a CSV export (with the audit trail when `audit=on`)."""
    form = ExportOptionsForm(request.GET, user=request.user)
    if not form.is_valid():
        return render(
            request,
            "reports/exports.html",
            {"form": form, "datasets": DATASETS.values(), "query": "", "jobs": []},
            status=400,
        )
    return stream_odm(
        request.user, form.options(request.user), include_audit=request.GET.get("audit") == "on"
    )


def stream_odm(user: Any, options: dict[str, Any], *, include_audit: bool) -> StreamingHttpResponse:
    """The ODM document of the options' scope, streamed; logged as an export at its end.
    Page and API both stream through here."""
    start = dt.date.fromisoformat(options["start"]) if options.get("start") else None
    end = dt.date.fromisoformat(options["end"]) if options.get("end") else None
    site_ids = export_site_ids(user, options["site_ids"])

    def body() -> Iterator[bytes]:
        rows: dict[str, int] = {}
        for piece in odm_lines(
            site_ids,
            start,
            end,
            deidentify=options["deidentify"],
            include_audit=include_audit,
            rows=rows,
        ):
            yield piece.encode("utf-8")
        services.log_export(user, "odm", {**options, "audit": include_audit}, rows)

    response = StreamingHttpResponse(body(), content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="dressdb-odm.xml"'
    response["Cache-Control"] = "no-store"
    return response


@require_role(*EXPORT_ROLES)
@require_POST
def export_pack_start(request: HttpRequest) -> HttpResponse:
    form = ExportOptionsForm(request.POST, user=request.user)
    if not form.is_valid():
        return render(
            request,
            "reports/exports.html",
            {"form": form, "datasets": DATASETS.values(), "query": "", "jobs": []},
            status=400,
        )
    job = services.export_job_start(user=request.user, options=form.options(request.user))
    return redirect("export_pack", pk=job.pk)


@require_role(*EXPORT_ROLES)
def export_pack(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(ExportJob, pk=pk, user_id=request.user.pk)
    template = (
        "reports/_pack_status.html"
        if request.headers.get("HX-Request")
        else ("reports/export_pack.html")
    )
    return render(request, template, {"job": job})


@require_role(*EXPORT_ROLES)
def export_pack_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    job = get_object_or_404(ExportJob, pk=pk, user_id=request.user.pk, status=ExportJob.Status.DONE)
    storage = services.export_storage()
    if not job.file_name or not storage.exists(job.file_name):
        raise Http404("The file is no longer there; build the pack again.")
    return FileResponse(
        storage.open(job.file_name, "rb"),
        as_attachment=True,
        filename=job.file_name.rsplit("/", 1)[-1],
    )
