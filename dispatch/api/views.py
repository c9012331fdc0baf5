"""Dispatch endpoints: manual dispatch, candidates, re-dispatch, engine run,
technician positions and the rest rota."""

from datetime import timedelta

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from dispatch_center.errors import Forbidden, InvalidInput
from dispatch_center.permissions import role_permission
from dispatch_center.roles import Role
from org.models import RegionGroup, Technician
from org.selectors import (
    areas_visible_to,
    groups_visible_to,
    technicians_visible_to,
    user_district_id,
)
from workorders.api.serializers import WorkOrderSerializer
from workorders.selectors import orders_visible_to

from .. import selectors, services
from . import serializers as s

DISPATCHERS = (Role.DISPATCHER, Role.SUPERVISOR)


def _order(request, pk):
    return get_object_or_404(orders_visible_to(request.user), pk=pk)


def _input(request, serializer_class):
    ser = serializer_class(data=request.data)
    ser.is_valid(raise_exception=True)
    return ser.validated_data


def _technician(request, code: str, field: str = "technician") -> Technician:
    """A technician of the user's district (another district's is unknown)."""
    technician = technicians_visible_to(request.user).filter(code=code).first()
    if technician is None:
        raise InvalidInput(
            field, gettext("未知的装维工程师：%(code)s。") % {"code": code}
        )
    return technician


def _group(request, code: str) -> RegionGroup:
    group = groups_visible_to(request.user).filter(code=code).first()
    if group is None:
        raise InvalidInput(
            "group", gettext("未知的区域组：%(code)s。") % {"code": code}
        )
    return group


class OrderDispatchView(APIView):
    permission_classes = [role_permission(*DISPATCHERS)]

    @extend_schema(
        request=s.DispatchInSerializer,
        responses={200: WorkOrderSerializer},
        summary="Assign or reassign (dispatcher); SMS to the customer",
    )
    def post(self, request, pk):
        data = _input(request, s.DispatchInSerializer)
        order = _order(request, pk)
        services.order_dispatch(
            order,
            technician=_technician(request, data["technician"]),
            by=request.user,
            reason=data["reason"] or data["note"],
            override=data["override"],
        )
        return Response(WorkOrderSerializer(order).data)


class OrderCandidatesView(APIView):
    permission_classes = [role_permission(*DISPATCHERS)]

    @extend_schema(
        responses={200: s.CandidatesSerializer},
        summary="Ranked technicians with reasons",
    )
    def get(self, request, pk):
        order = _order(request, pk)
        found = services.order_candidates(order)
        return Response(
            s.CandidatesSerializer(
                {
                    "order": order.number,
                    "candidates": found.ranked,
                    "refused": found.refused,
                }
            ).data
        )


class OrderRedispatchView(APIView):
    permission_classes = [role_permission(Role.TECHNICIAN, *DISPATCHERS)]

    @extend_schema(
        request=s.RedispatchInSerializer,
        responses={200: WorkOrderSerializer},
        summary="提前升级: hand the order back to the dispatcher",
    )
    def post(self, request, pk):
        data = _input(request, s.RedispatchInSerializer)
        order = _order(request, pk)
        services.order_request_redispatch(order, by=request.user, note=data["note"])
        return Response(WorkOrderSerializer(order).data)


class DispatchRunView(APIView):
    permission_classes = [role_permission(*DISPATCHERS)]

    @extend_schema(
        request=None,
        responses={200: s.RunResultSerializer},
        summary="Run rolling dispatch now",
    )
    def post(self, request):
        result = services.auto_dispatch_run(
            by=request.user, district_id=user_district_id(request.user)
        )
        return Response(s.RunResultSerializer(result.as_dict()).data)


class PositionView(APIView):
    permission_classes = [role_permission(Role.TECHNICIAN)]

    @extend_schema(
        request=s.PositionInSerializer,
        responses={200: s.PositionSerializer},
        summary="Technician reports their position (phone)",
    )
    def post(self, request):
        data = _input(request, s.PositionInSerializer)
        technician = getattr(request.user, "technician", None)
        if technician is None:
            raise Forbidden(gettext("此账号不是装维工程师。"))
        services.technician_position_update(
            technician, lat=data["lat"], lng=data["lng"]
        )
        return Response(s.PositionSerializer(technician).data)


WEEK = OpenApiParameter(
    "week_start", OpenApiTypes.DATE, required=True, description="a Monday"
)
GROUP = OpenApiParameter(
    "group", OpenApiTypes.STR, required=True, description="region group code"
)


class RotaView(APIView):
    permission_classes = [role_permission(*DISPATCHERS, Role.MANAGER)]

    @extend_schema(
        parameters=[GROUP, WEEK],
        responses={200: s.RotaWeekSerializer},
        summary="A group's rest rota for a week, with violations",
    )
    def get(self, request):
        ser = s.RotaGenerateInSerializer(data=request.query_params)
        ser.is_valid(raise_exception=True)
        group = _group(request, ser.validated_data["group"])
        return Response(_rota_payload(group, ser.validated_data["week_start"]))


def _rota_payload(group, week_start):
    technicians = list(group.technicians.order_by("code"))
    entries = selectors.rota_week(technicians, week_start)
    days = [week_start + timedelta(days=i) for i in range(7)]
    return s.RotaWeekSerializer(
        {
            "group": group.code,
            "week_start": week_start,
            "technicians": [
                {
                    "technician": t.code,
                    "name": t.name,
                    "days": {
                        d.isoformat(): entries.get(t.code, {}).get(d, "") for d in days
                    },
                }
                for t in technicians
            ],
            "violations": services.rota_violations(group, week_start),
        }
    ).data


class RotaGenerateView(APIView):
    permission_classes = [role_permission(*DISPATCHERS)]

    @extend_schema(
        request=s.RotaGenerateInSerializer,
        responses={200: s.RotaWeekSerializer},
        summary="Generate the week's rest days (轮休) for a group",
    )
    def post(self, request):
        data = _input(request, s.RotaGenerateInSerializer)
        group = _group(request, data["group"])
        services.rota_generate_week(group, data["week_start"], by=request.user)
        return Response(_rota_payload(group, data["week_start"]))


class RotaEntryView(APIView):
    permission_classes = [role_permission(*DISPATCHERS)]

    @extend_schema(
        request=s.RotaEntryInSerializer,
        responses={200: s.RotaWeekSerializer},
        summary="Set or clear one technician's day (rest, leave, off)",
    )
    def post(self, request):
        data = _input(request, s.RotaEntryInSerializer)
        technician = _technician(request, data["technician"])
        services.rota_set(
            technician,
            data["date"],
            kind=data["kind"],
            note=data["note"],
            by=request.user,
        )
        week_start = data["date"] - timedelta(days=data["date"].weekday())
        return Response(
            _rota_payload(technician.group, week_start), status=status.HTTP_200_OK
        )


class AreaAutoDispatchView(APIView):
    permission_classes = [role_permission(*DISPATCHERS)]

    @extend_schema(
        request=s.AutoDispatchInSerializer,
        responses={200: s.AutoDispatchSerializer},
        summary="Switch automatic dispatch on or off for an area",
    )
    def post(self, request, code):
        data = _input(request, s.AutoDispatchInSerializer)
        area = get_object_or_404(areas_visible_to(request.user), code=code)
        services.area_auto_dispatch_set(area, enabled=data["enabled"], by=request.user)
        return Response(s.AutoDispatchSerializer(area).data)
