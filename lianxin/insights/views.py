"""Pages of the insights app: parse, call one selector or service, render."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lianxin.core.plugins import metric_specs
from lianxin.core.roles import SUPERVISOR_ROLES, has_role
from lianxin.insights import exports, selectors, services
from lianxin.places.models import Grid
from lianxin.places.selectors import grids_geojson
from lianxin.places.services import grids_import_geojson


def _period(request, default):
    try:
        return selectors.period_parse(request.GET.get("start"), request.GET.get("end"), default=default), None
    except ValidationError as exc:
        return default, exc


def _errors(exc):
    return [m for msgs in exc.message_dict.values() for m in msgs] if exc else []


def _chart(figures):
    return [
        {
            "key": f.spec.key,
            "label": str(f.spec.label),
            "unit": f.spec.unit,
            "months": [first.strftime("%Y-%m") for first, _v in f.trend],
            "values": [
                None if v is None else (round(v * 100, 1) if f.spec.unit == "share" else v) for _f, v in f.trend
            ],
        }
        for f in figures
    ]


@login_required
def dashboard(request):
    selectors.insights_station_for(user=request.user)
    today = selectors.local_today()
    (start_on, end_on), error = _period(request, selectors.year_to_date(today))
    figures = selectors.figures_for(user=request.user, start_on=start_on, end_on=end_on)
    return render(
        request,
        "insights/dashboard.html",
        {
            "figures": figures,
            "start_on": start_on,
            "end_on": end_on,
            "errors": _errors(error),
            "charts": _chart(figures),
            "grids": selectors.grids_for(user=request.user),
        },
    )


def _grid_param(request):
    raw = request.GET.get("grid")
    if not raw:
        return None
    return selectors.grid_get_for(user=request.user, grid_id=raw).id


@login_required
def records(request):
    selectors.insights_station_for(user=request.user)
    today = selectors.local_today()
    (start_on, end_on), error = _period(request, selectors.year_to_date(today))
    spec, value, rows = selectors.records_for(
        user=request.user,
        key=request.GET.get("metric", ""),
        start_on=start_on,
        end_on=end_on,
        grid_id=_grid_param(request),
    )
    figure = selectors.Figure(spec, value, start_on, end_on)
    return render(
        request,
        "insights/records.html",
        {"spec": spec, "figure": figure, "rows": rows, "errors": _errors(error), "query": request.GET.urlencode()},
    )


def _export(request, kind):
    selectors.insights_station_for(user=request.user)
    (start_on, end_on), error = _period(request, selectors.year_to_date(selectors.local_today()))
    if error:
        return HttpResponse("; ".join(_errors(error)), status=400, content_type="text/plain; charset=utf-8")
    spec, value, rows = selectors.records_for(
        user=request.user,
        key=request.GET.get("metric", ""),
        start_on=start_on,
        end_on=end_on,
        grid_id=_grid_param(request),
    )
    name = f"{spec.key}-{start_on}-{end_on}"
    if kind == "csv":
        response = HttpResponse(exports.rows_csv(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    else:
        response = HttpResponse(
            exports.rows_xlsx(rows, title=str(spec.label)),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


@login_required
def records_csv(request):
    return _export(request, "csv")


@login_required
def records_xlsx(request):
    return _export(request, "xlsx")


@login_required
def grid_ranking(request):
    selectors.insights_station_for(user=request.user)
    (start_on, end_on), error = _period(request, selectors.year_to_date(selectors.local_today()))
    key = request.GET.get("metric") or "satisfaction"
    rows = selectors.grid_ranking_for(user=request.user, key=key, start_on=start_on, end_on=end_on)
    return render(
        request,
        "insights/grid_ranking.html",
        {
            "rows": rows,
            "spec": selectors.metric_get(key),
            "specs": metric_specs(),
            "start_on": start_on,
            "end_on": end_on,
            "errors": _errors(error),
        },
    )


@login_required
def grid_board(request, pk):
    grid = selectors.grid_get_for(user=request.user, grid_id=pk)
    (start_on, end_on), error = _period(request, selectors.year_to_date(selectors.local_today()))
    figures = selectors.figures_for(
        user=request.user, start_on=start_on, end_on=end_on, grid_id=grid.id, with_trend=False
    )
    return render(
        request,
        "insights/grid_board.html",
        {
            "grid": grid,
            "members": grid.members.select_related("partner").order_by("role", "last_name", "first_name", "id"),
            "figures": figures,
            "start_on": start_on,
            "end_on": end_on,
            "errors": _errors(error),
        },
    )


@login_required
def before_after(request):
    selectors.insights_station_for(user=request.user)
    result, errors = None, []
    key = request.GET.get("metric") or "public_order_incidents"
    if request.GET.get("started_on"):
        try:
            started_on = dt.date.fromisoformat(request.GET["started_on"])
        except ValueError:
            errors = [_("Give the date as YYYY-MM-DD.")]
        else:
            try:
                days = int(request.GET.get("days") or 90)
                result = selectors.before_after_for(
                    user=request.user, key=key, started_on=started_on, days=days, grid_id=_grid_param(request)
                )
            except ValueError:
                errors = [_("Give a number of days from 1 to %(n)d.") % {"n": selectors.PERIOD_MAX_DAYS}]
            except ValidationError as exc:
                errors = _errors(exc)
    return render(
        request,
        "insights/before_after.html",
        {"result": result, "errors": errors, "specs": metric_specs(), "key": key, "params": request.GET},
    )


@login_required
def report_list(request):
    station = selectors.insights_station_for(user=request.user)
    if request.method == "POST":
        try:
            start_on, end_on = selectors.period_parse(
                request.POST.get("start") or None, request.POST.get("end") or None, default=(None, None)
            )
            if start_on is None or end_on is None:
                raise ValidationError({"start": [_("Give both dates of the period.")]})
            report = services.report_generate(station=station, start_on=start_on, end_on=end_on)
        except ValidationError as exc:
            for message in _errors(exc):
                messages.error(request, message)
        else:
            messages.success(request, _("The report is ready."))
            return redirect("insights:report_pdf", pk=report.pk)
        return redirect("insights:reports")
    return render(request, "insights/report_list.html", {"reports": selectors.report_list(station=station)})


@login_required
def report_pdf(request, pk):
    station = selectors.insights_station_for(user=request.user)
    report = selectors.report_list(station=station).filter(pk=pk).first()
    if report is None:
        raise Http404("no such report")
    response = HttpResponse(bytes(report.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="lianxin-{report.start_on}-{report.end_on}.pdf"'
    return response


@login_required
def grids_export(request):
    station = selectors.insights_station_for(user=request.user)
    grids = Grid.objects.filter(station=station).select_related("police_chief").prefetch_related("members")
    response = JsonResponse(
        grids_geojson(grids=grids.order_by("code"), with_members=True), json_dumps_params={"ensure_ascii": False}
    )
    response["Content-Disposition"] = 'attachment; filename="grids.geojson"'
    return response


@login_required
@require_POST
def grids_import(request):
    station = selectors.insights_station_for(user=request.user)
    if not has_role(request.user, SUPERVISOR_ROLES):
        raise PermissionDenied(_("Your role may not edit grids."))
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise ValidationError({"file": [_("Choose a GeoJSON file.")]})
        saved = grids_import_geojson(actor=request.user, station=station, text=upload.read())
    except ValidationError as exc:
        for message in _errors(exc):
            messages.error(request, message)
    else:
        messages.success(request, _("%(n)d grids saved.") % {"n": len(saved)})
    return redirect("insights:grids")
