from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from dispatch_center.converters import ID_REGEX
from dispatch_center.errors import Forbidden, InvalidInput
from dispatch_center.permissions import role_permission
from dispatch_center.replica import read_from_replica
from dispatch_center.roles import Role
from org.selectors import user_district_id
from workorders.api.serializers import CompleteInSerializer, WorkOrderSerializer
from workorders.api.views import COMPLETERS
from workorders.selectors import orders_visible_to

from .. import exports, selectors, services
from ..models import Claim
from . import serializers as s
from .filters import ClaimFilter

READERS = (
    Role.FINANCE,
    Role.MANAGER,
    Role.DISPATCHER,
    Role.SUPERVISOR,
    Role.HOTLINE_AGENT,
)
AUDITORS = (Role.FINANCE, Role.MANAGER)
PAYERS = (Role.FINANCE,)
REVOKERS = (Role.MANAGER, Role.SUPERVISOR, Role.HOTLINE_AGENT)

MONTH = OpenApiParameter(
    "month", OpenApiTypes.STR, required=True, description="YYYY-MM"
)
FORMAT = OpenApiParameter(
    "format", OpenApiTypes.STR, enum=["json", "xlsx"], required=False
)


def _input(request, serializer_class):
    ser = serializer_class(data=request.data)
    ser.is_valid(raise_exception=True)
    return ser.validated_data


def _month(request) -> str:
    month = request.query_params.get("month", "")
    try:
        selectors.month_bounds(month)
    except ValueError:
        raise InvalidInput(
            "month", gettext("月份格式须为 YYYY-MM，如 2026-11。")
        ) from None
    return month


class OrderCompleteView(APIView):
    """报竣 lives here: completion and its 慢必赔 claim are one transaction."""

    permission_classes = [role_permission(*COMPLETERS)]

    @extend_schema(
        request=CompleteInSerializer,
        responses={200: WorkOrderSerializer},
        summary="Report completion (报竣); a late same-day order gets its claim at once",
    )
    def post(self, request, pk):
        data = _input(request, CompleteInSerializer)
        order = get_object_or_404(orders_visible_to(request.user), pk=pk)
        services.order_complete(
            order,
            by=request.user,
            resolution=data["resolution"],
            delay_cause=data["delay_cause"] or "",
            evidence=data["evidence"],
            note=data["note"],
        )
        return Response(WorkOrderSerializer(order).data)


def claim_action(name, request_serializer, roles, summary, responses=None):
    def wrap(fn):
        fn = action(
            detail=True,
            methods=["post"],
            url_path=name,
            permission_classes=[role_permission(*roles)],
        )(fn)
        return extend_schema(
            request=request_serializer,
            responses=responses or {200: s.ClaimSerializer},
            summary=summary,
        )(fn)

    return wrap


class ClaimViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    lookup_value_regex = ID_REGEX
    serializer_class = s.ClaimSerializer
    filterset_class = ClaimFilter
    permission_classes = [role_permission(*READERS)]
    queryset = Claim.objects.none()

    def get_queryset(self):
        return selectors.claims_visible_to(self.request.user).order_by(
            "-created_at", "-id"
        )

    @claim_action(
        "approve", s.NoteInSerializer, AUDITORS, "Audit: approve the claim (审核补偿)"
    )
    def approve(self, request, pk=None):
        data = _input(request, s.NoteInSerializer)
        return Response(
            s.ClaimSerializer(
                services.claim_approve(
                    self.get_object(), by=request.user, note=data["note"]
                )
            ).data
        )

    @claim_action(
        "reject",
        s.ReasonInSerializer,
        AUDITORS,
        "Audit: reject the claim with a reason",
    )
    def reject(self, request, pk=None):
        data = _input(request, s.ReasonInSerializer)
        return Response(
            s.ClaimSerializer(
                services.claim_reject(
                    self.get_object(), by=request.user, reason=data["reason"]
                )
            ).data
        )

    @claim_action(
        "pay",
        None,
        PAYERS,
        "Pay by backend recharge (后台充值); paying twice pays once",
        responses={
            200: s.ClaimSerializer,
            503: OpenApiResponse(description="gateway did not confirm; retry"),
        },
    )
    def pay(self, request, pk=None):
        claim = self.get_object()
        return Response(
            s.ClaimSerializer(services.claim_pay(claim.pk, by=request.user)).data
        )

    @claim_action(
        "revoke-exemption",
        s.ReasonInSerializer,
        REVOKERS,
        "Revoke the exemption: the claim is due",
    )
    def revoke_exemption(self, request, pk=None):
        data = _input(request, s.ReasonInSerializer)
        claim = services.claim_revoke_exemption(
            self.get_object(), by=request.user, reason=data["reason"]
        )
        return Response(s.ClaimSerializer(claim).data)

    @extend_schema(
        operation_id="compensations_approve_many",
        request=s.BulkApproveInSerializer,
        responses={200: s.ClaimSerializer(many=True)},
        summary="Approve many claims at once (all or nothing)",
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="approve",
        url_name="approve-many",
        permission_classes=[role_permission(*AUDITORS)],
        pagination_class=None,
    )
    def approve_many(self, request):
        data = _input(request, s.BulkApproveInSerializer)
        visible = set(
            self.get_queryset().filter(pk__in=data["ids"]).values_list("pk", flat=True)
        )
        unknown = sorted(set(data["ids"]) - visible)
        if unknown:
            raise InvalidInput(
                "ids",
                gettext("未知的补偿单：%(ids)s。")
                % {"ids": gettext("、").join(str(pk) for pk in unknown)},
            )
        claims = services.claims_approve(data["ids"], by=request.user)
        return Response(s.ClaimSerializer(claims, many=True).data)

    @extend_schema(
        parameters=[MONTH],
        responses={200: s.LiabilitySerializer(many=True)},
        summary="定责: vendor liability statement for a month",
    )
    @action(
        detail=False,
        methods=["get"],
        pagination_class=None,
        permission_classes=[role_permission(*AUDITORS)],
    )
    def liability(self, request):
        # Vendors work across districts and the share is computed over all of
        # a vendor's same-day orders: a city-wide statement.
        if user_district_id(request.user) is not None:
            raise Forbidden(gettext("定责清单为全市口径，区局范围的用户不能查看。"))
        month = _month(request)
        threshold = services.compensation_policy().vendor_threshold
        return Response(
            s.LiabilitySerializer(
                selectors.vendor_liability_statement(month, threshold), many=True
            ).data
        )

    @extend_schema(
        parameters=[MONTH, FORMAT],
        responses={
            200: s.PaidListSerializer,
            (
                200,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ): OpenApiTypes.BINARY,
        },
        summary="每月已补偿清单: paid claims of a month with totals (JSON or xlsx)",
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="paid-list",
        pagination_class=None,
        permission_classes=[role_permission(*AUDITORS)],
    )
    @read_from_replica
    def paid_list(self, request):
        month = _month(request)
        listing = selectors.paid_list(month, base=self.get_queryset())
        if request.query_params.get("format") == "xlsx":
            return _xlsx_response(
                exports.paid_list_xlsx(listing), f"paid-compensation-{month}.xlsx"
            )
        return Response(s.PaidListSerializer(_paid_payload(listing)).data)


def _paid_payload(listing):
    def totals(rows, prefix):
        return [
            {
                "code": r[f"{prefix}__code"],
                "name": r[f"{prefix}__name"],
                "count": r["count"],
                "amount": r["amount"],
            }
            for r in rows
        ]

    return {
        "month": listing.month,
        "total_count": listing.total_count,
        "total_amount": listing.total_amount,
        "by_district": totals(listing.by_district, "district"),
        "by_vendor": totals(listing.by_vendor, "vendor"),
        "claims": listing.claims,
    }


def _xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
