from django.http import HttpResponse
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from dispatch_center.errors import InvalidInput
from dispatch_center.permissions import role_permission
from dispatch_center.replica import read_from_replica

from .. import exports, paged, rules, selectors
from . import serializers as s


class QualityReportView(APIView):
    """日/周/月 质量分析 (SPEC §10): metrics per district, group, technician or
    vendor for the period holding ``date``, with totals and the previous
    period alongside. Rates are fractions in [0, 1], or null when nothing was
    measured. Days before today are read from the nightly rollups; today is
    computed live. A district-scoped user gets their district only."""

    permission_classes = [role_permission(*selectors.READER_ROLES)]

    @extend_schema(
        parameters=[s.QualityQuerySerializer],
        responses={
            200: s.QualityReportSerializer,
            (200, exports.XLSX_TYPE): OpenApiTypes.BINARY,
        },
        summary="质量分析报表 (JSON or xlsx)",
    )
    @read_from_replica
    def get(self, request):
        query = s.QualityQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        today = selectors.local_today()
        period = rules.period_of(params["period"], params["date"] or today)
        district_id = selectors.scope_district_id(request.user)
        if params["format"] == "xlsx":
            report = selectors.quality_report(
                period, params["by"], district_id=district_id, today=today
            )
            scope = request.user.staff_profile.district.name if district_id else "全市"
            response = HttpResponse(
                exports.report_xlsx(report, scope=scope),
                content_type=exports.XLSX_TYPE,
            )
            response["Content-Disposition"] = (
                f'attachment; filename="quality-{period.kind}-'
                f'{period.start:%Y%m%d}-{params["by"]}.xlsx"'
            )
            return response
        payload = paged.report_page(
            period,
            params["by"],
            page=params["page"],
            page_size=params["page_size"],
            district_id=district_id,
            today=today,
        )
        if params["page"] > payload["pages"]:
            raise InvalidInput(
                "page", gettext("没有第 %(page)s 页。") % {"page": params["page"]}
            )
        return Response(payload)
