from django.http import HttpResponse
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from dispatch_center.errors import InvalidInput
from dispatch_center.permissions import role_permission

from .. import exports, rules, selectors
from ..faults import fault_report, fault_report_xlsx
from .serializers import QualityQuerySerializer


class FaultReportView(APIView):
    """网络故障报表 (SPEC §13) by district for the day/week/month holding
    ``date``: faults, linked repairs, interception rate, time to restore,
    network- vs installer-caused repairs and compensation. A district-scoped
    user gets their district only; ``format=xlsx`` for a spreadsheet."""

    permission_classes = [role_permission(*selectors.READER_ROLES)]

    @extend_schema(
        parameters=[QualityQuerySerializer],
        responses={
            200: OpenApiTypes.OBJECT,
            (200, exports.XLSX_TYPE): OpenApiTypes.BINARY,
        },
        summary="网络故障报表 (JSON or xlsx)",
    )
    def get(self, request):
        for name, value in request.query_params.items():
            if value == "":  # as the list filters: an empty value is a mistake
                raise InvalidInput(name, gettext("参数不能为空。"))
        query = QualityQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        period = rules.period_of(
            params["period"], params["date"] or selectors.local_today()
        )
        district_id = selectors.scope_district_id(request.user)
        report = fault_report(period, district_id=district_id)
        if params["format"] == "xlsx":
            scope = request.user.staff_profile.district.name if district_id else "全市"
            response = HttpResponse(
                fault_report_xlsx(report, scope=scope), content_type=exports.XLSX_TYPE
            )
            response["Content-Disposition"] = (
                f'attachment; filename="network-faults-{period.kind}-{period.start:%Y%m%d}.xlsx"'
            )
            return response
        return Response(report)
