"""Complaint endpoints: intake, the step actions, timeline, weekly analysis,
penalty tickets, and callbacks (回访) on work orders with their queue."""

from datetime import date

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from dispatch_center.converters import ID_REGEX
from dispatch_center.errors import InvalidInput
from dispatch_center.permissions import role_permission
from dispatch_center.roles import Role
from workorders.selectors import orders_visible_to

from .. import rules, selectors, services
from ..models import Complaint, PenaltyTicket
from . import serializers as s
from .filters import ComplaintFilter, PenaltyFilter

READERS = (Role.HOTLINE_AGENT, Role.DISPATCHER, Role.SUPERVISOR, Role.MANAGER)
CREATORS = READERS
FRONT_DESK = READERS  # submit / close at the front desk
BACK_OFFICE = (Role.SUPERVISOR, Role.MANAGER)
DETERMINERS = (Role.MANAGER,)
ANALYSTS = (Role.SUPERVISOR, Role.MANAGER)
PENALTY_READERS = (Role.SUPERVISOR, Role.MANAGER, Role.FINANCE)
PUBLISHERS = (Role.MANAGER,)
CALLERS = (Role.HOTLINE_AGENT, Role.DISPATCHER, Role.SUPERVISOR, Role.MANAGER)

WEEK = OpenApiParameter(
    "week", OpenApiTypes.DATE, required=True, description="a Monday (YYYY-MM-DD)"
)


def _input(request, serializer_class):
    ser = serializer_class(data=request.data)
    ser.is_valid(raise_exception=True)
    return ser


def complaint_action(name, request_serializer, roles, summary):
    """A POST step action on one complaint, documented for the schema."""

    def wrap(fn):
        fn = action(
            detail=True,
            methods=["post"],
            url_path=name,
            permission_classes=[role_permission(*roles)],
        )(fn)
        return extend_schema(
            request=request_serializer,
            responses={200: s.ComplaintSerializer},
            summary=summary,
        )(fn)

    return wrap


class ComplaintViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """投诉 (SPEC §7, seed 001: the 96133 flow). One step is open at a time,
    with an owner and a due time (``current_step_due``; limits in the admin's
    投诉时限政策). ``POST /complaints/{id}/<action>/``:

    | step (status) | action | next | who | limit of the next step |
    |---|---|---|---|---|
    | front_desk | submit | review | front desk | 30 min |
    | front_desk, review | close {answer, outcome} | closed | front desk / back office | - |
    | review | dispatch-to-city {district} | city | supervisor, manager | 30 min |
    | city | assign-department {department} | department | supervisor, manager | answer 20 h from the city's receipt |
    | department | answer-customer {answer} | return | supervisor, manager | return 24 h from the city's receipt |
    | return | return-ticket | callback | supervisor, manager | 24 h |
    | department / city | return-ticket {wrong_dispatch: true} | city / review | supervisor, manager | 30 min |
    | callback | callback-customer {satisfied} | determination | supervisor, manager | a week from the complaint |
    | determination | determine-responsibility {outcome, penalty} | closed | manager | - |
    | any submitted step | supervise {note} | (same) | supervisor, manager | - |

    The front desk has 5 minutes from the call. An action in the wrong step
    is ``409 invalid_transition``. ``complaints.scan`` warns the owner of an
    overdue step, escalates to supervisors (+2 h) and managers (+8 h), and
    supervises (督办) 3 hours after submission if the customer is not yet
    answered.
    """

    serializer_class = s.ComplaintSerializer
    filterset_class = ComplaintFilter
    permission_classes = [role_permission(*READERS)]
    queryset = Complaint.objects.none()
    lookup_value_regex = ID_REGEX

    def get_queryset(self):
        return selectors.complaints_visible_to(self.request.user).order_by(
            "-received_at", "-id"
        )

    def _respond(self, complaint, code=status.HTTP_200_OK):
        fresh = selectors.complaints_detailed().get(pk=complaint.pk)
        return Response(s.ComplaintSerializer(fresh).data, status=code)

    @extend_schema(
        request=s.ComplaintCreateSerializer,
        responses={201: s.ComplaintSerializer},
        summary="Open a complaint (前台受理); 201 with its current step's due time",
    )
    def create(self, request):
        ser = _input(request, s.ComplaintCreateSerializer)
        complaint = services.complaint_create(
            data=ser.to_complaint_in(), by=request.user
        )
        return self._respond(complaint, status.HTTP_201_CREATED)

    def get_permissions(self):
        if self.action == "create":
            return [role_permission(*CREATORS)()]
        return super().get_permissions()

    @extend_schema(
        responses={200: s.ComplaintEventSerializer(many=True)},
        summary="Complaint timeline: every step, supervision, warning and escalation",
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def timeline(self, request, pk=None):
        events = selectors.complaint_timeline(self.get_object())
        return Response(s.ComplaintEventSerializer(events, many=True).data)

    @extend_schema(
        responses={200: s.CategorySerializer(many=True)},
        summary="The three quality networks with their active sub-items",
    )
    @action(detail=False, methods=["get"], pagination_class=None, filterset_class=None)
    def categories(self, request):
        return Response(s.CategorySerializer(selectors.categories(), many=True).data)

    @extend_schema(
        parameters=[WEEK],
        responses={200: s.AnalysisSerializer},
        summary="Weekly complaint analysis (周分析) with the previous week alongside",
    )
    @action(
        detail=False,
        methods=["get"],
        pagination_class=None,
        filterset_class=None,
        permission_classes=[role_permission(*ANALYSTS)],
    )
    def analysis(self, request):
        raw = request.query_params.get("week", "")
        try:
            monday = date.fromisoformat(raw)
            before = rules.previous_week(monday)
            rules.week_bounds(monday), rules.week_bounds(before)
        except ValueError:
            raise InvalidInput(
                "week", gettext("周须为某个周一的日期，格式 YYYY-MM-DD。")
            ) from None
        base = selectors.complaints_visible_to(request.user)
        current = selectors.complaint_week_stats(monday, base=base)
        previous = selectors.complaint_week_stats(before, base=base)
        return Response(
            s.AnalysisSerializer({**vars(current), "previous": previous}).data
        )

    # --- the steps -----------------------------------------------------------------

    @complaint_action(
        "submit",
        s.ComplaintNoteInSerializer,
        FRONT_DESK,
        "前台提交 → back-office review",
    )
    def submit(self, request, pk=None):
        data = _input(request, s.ComplaintNoteInSerializer).validated_data
        complaint = services.complaint_submit(
            self.get_object(), by=request.user, note=data["note"]
        )
        return self._respond(complaint)

    @complaint_action(
        "dispatch-to-city",
        s.DispatchToCityInSerializer,
        BACK_OFFICE,
        "后台复核并派往责任地市 (district; default the work order's)",
    )
    def dispatch_to_city(self, request, pk=None):
        data = _input(request, s.DispatchToCityInSerializer).validated_data
        complaint = services.complaint_dispatch_to_city(
            self.get_object(),
            district=data["district"],
            by=request.user,
            note=data["note"],
        )
        return self._respond(complaint)

    @complaint_action(
        "assign-department",
        s.AssignDepartmentInSerializer,
        BACK_OFFICE,
        "地市派给责任部门",
    )
    def assign_department(self, request, pk=None):
        data = _input(request, s.AssignDepartmentInSerializer).validated_data
        complaint = services.complaint_assign_department(
            self.get_object(),
            department=data["department"],
            by=request.user,
            note=data["note"],
        )
        return self._respond(complaint)

    @complaint_action(
        "answer-customer", s.AnswerInSerializer, BACK_OFFICE, "责任部门答复用户"
    )
    def answer_customer(self, request, pk=None):
        data = _input(request, s.AnswerInSerializer).validated_data
        complaint = services.complaint_answer_customer(
            self.get_object(), answer=data["answer"], by=request.user, note=data["note"]
        )
        return self._respond(complaint)

    @complaint_action(
        "return-ticket",
        s.ReturnTicketInSerializer,
        BACK_OFFICE,
        "返单; wrong_dispatch=true sends it back to the previous step",
    )
    def return_ticket(self, request, pk=None):
        data = _input(request, s.ReturnTicketInSerializer).validated_data
        complaint = services.complaint_return_ticket(
            self.get_object(),
            wrong_dispatch=data["wrong_dispatch"],
            by=request.user,
            note=data["note"],
        )
        return self._respond(complaint)

    @complaint_action(
        "supervise",
        s.ComplaintNoteInSerializer,
        BACK_OFFICE,
        "督办: chase the current step",
    )
    def supervise(self, request, pk=None):
        data = _input(request, s.ComplaintNoteInSerializer).validated_data
        complaint = services.complaint_supervise(
            self.get_object(), note=data["note"], by=request.user
        )
        return self._respond(complaint)

    @complaint_action(
        "callback-customer",
        s.CallbackCustomerInSerializer,
        BACK_OFFICE,
        "回访用户 → responsibility determination",
    )
    def callback_customer(self, request, pk=None):
        data = _input(request, s.CallbackCustomerInSerializer).validated_data
        complaint = services.complaint_callback_customer(
            self.get_object(),
            satisfied=data["satisfied"],
            by=request.user,
            note=data["note"],
        )
        return self._respond(complaint)

    @complaint_action(
        "determine-responsibility",
        s.DetermineInSerializer,
        DETERMINERS,
        "责任认定 and close; human cause → penalty ticket (处罚单)",
    )
    def determine_responsibility(self, request, pk=None):
        ser = _input(request, s.DetermineInSerializer)
        complaint = services.complaint_determine(
            self.get_object(),
            outcome=ser.validated_data["outcome"],
            note=ser.validated_data["note"],
            penalty=ser.penalty_in(),
            by=request.user,
        )
        return self._respond(complaint)

    @complaint_action(
        "close",
        s.CloseInSerializer,
        FRONT_DESK,
        "直接答复用户并结案 (front desk or back-office review only)",
    )
    def close(self, request, pk=None):
        data = _input(request, s.CloseInSerializer).validated_data
        complaint = services.complaint_close(
            self.get_object(),
            answer=data["answer"],
            outcome=data["outcome"],
            by=request.user,
        )
        return self._respond(complaint)


class PenaltyViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """处罚单. Published tickets are payroll's 单项奖罚 of their month."""

    serializer_class = s.PenaltySerializer
    filterset_class = PenaltyFilter
    permission_classes = [role_permission(*PENALTY_READERS)]
    queryset = PenaltyTicket.objects.none()
    lookup_value_regex = ID_REGEX

    def get_queryset(self):
        return selectors.penalties_visible_to(self.request.user).order_by(
            "-created_at", "-id"
        )

    @extend_schema(
        request=None,
        responses={200: s.PenaltySerializer},
        summary="公布/上报 a draft penalty (late after one week: reported_late)",
    )
    @action(
        detail=True,
        methods=["post"],
        permission_classes=[role_permission(*PUBLISHERS)],
    )
    def publish(self, request, pk=None):
        ticket = services.penalty_publish(self.get_object(), by=request.user)
        return Response(s.PenaltySerializer(ticket).data)


class OrderCallbackView(APIView):
    """回访 lives with complaints; the path is the work order's action."""

    permission_classes = [role_permission(*CALLERS)]

    @extend_schema(
        request=s.CallbackInSerializer,
        responses={201: s.CallbackSerializer},
        summary="回访: four scores 1-5 and satisfied; dissatisfied escalates",
    )
    def post(self, request, pk):
        ser = _input(request, s.CallbackInSerializer)
        order = get_object_or_404(orders_visible_to(request.user), pk=pk)
        callback = services.callback_record(
            order, data=ser.to_callback_in(), by=request.user
        )
        return Response(
            s.CallbackSerializer(callback).data, status=status.HTTP_201_CREATED
        )


class CallbacksDueView(generics.ListAPIView):
    """The agent's callback queue: completed orders due for a callback."""

    serializer_class = s.CallbackDueSerializer
    permission_classes = [role_permission(*CALLERS)]
    filter_backends = []

    def get_queryset(self):
        return selectors.callbacks_due(
            orders_visible_to(self.request.user),
            now=timezone.now(),
            policy=selectors.complaint_policy(),
        )

    @extend_schema(
        summary="回访队列: installs/moves within 30 days, repairs within 3, oldest first"
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
