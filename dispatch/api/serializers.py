from rest_framework import serializers

from ..models import RotaKind


class DispatchInSerializer(serializers.Serializer):
    technician = serializers.CharField(max_length=32)
    reason = serializers.CharField(
        required=False,
        default="",
        allow_blank=True,
        max_length=500,
        help_text="required when reassigning (改派) or with override (调剂)",
    )
    override = serializers.BooleanField(
        required=False,
        default=False,
        help_text="borrow a technician outside the candidate pool (another group "
        "of the district, or after hours one who did not opt in); never another "
        "district, never someone resting, on leave, without the skill or full",
    )
    note = serializers.CharField(
        required=False,
        default="",
        allow_blank=True,
        max_length=500,
        help_text="deprecated: read as `reason` when `reason` is empty",
    )


class RedispatchInSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=500)


class ReasonsSerializer(serializers.Serializer):
    package_area_owner = serializers.BooleanField()
    distance_km = serializers.FloatField(allow_null=True)
    workload_hours = serializers.FloatField()
    open_orders = serializers.IntegerField()
    capacity = serializers.IntegerField()
    role = serializers.CharField()
    same_group = serializers.BooleanField()


class CandidateSerializer(serializers.Serializer):
    technician = serializers.CharField(source="tech.code")
    name = serializers.CharField(source="tech.name")
    score = serializers.DecimalField(max_digits=10, decimal_places=2)
    reasons = ReasonsSerializer()


class CandidatesSerializer(serializers.Serializer):
    order = serializers.CharField()
    candidates = CandidateSerializer(many=True)
    refused = serializers.DictField(
        child=serializers.CharField(), help_text="technician → why not"
    )


class RunAssignmentSerializer(serializers.Serializer):
    order = serializers.CharField()
    technician = serializers.CharField()


class RunNoCandidateSerializer(serializers.Serializer):
    order = serializers.CharField()
    reason = serializers.CharField()


class RunResultSerializer(serializers.Serializer):
    skipped = serializers.BooleanField()
    assigned = RunAssignmentSerializer(many=True)
    no_candidate = RunNoCandidateSerializer(many=True)
    lost_races = serializers.IntegerField()


class PositionInSerializer(serializers.Serializer):
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lng = serializers.FloatField(min_value=-180, max_value=180)


class PositionSerializer(serializers.Serializer):
    technician = serializers.CharField(source="code")
    lat = serializers.FloatField(source="last_lat")
    lng = serializers.FloatField(source="last_lng")
    at = serializers.DateTimeField(source="last_position_at")


class RotaGenerateInSerializer(serializers.Serializer):
    group = serializers.CharField(max_length=32)
    week_start = serializers.DateField(help_text="a Monday")


class RotaEntryInSerializer(serializers.Serializer):
    technician = serializers.CharField(max_length=32)
    date = serializers.DateField()
    kind = serializers.ChoiceField(
        RotaKind.choices, allow_null=True, help_text="null clears the day"
    )
    note = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=200
    )


class RotaTechnicianSerializer(serializers.Serializer):
    technician = serializers.CharField()
    name = serializers.CharField()
    days = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        help_text="date → rest|leave|off|''",
    )


class RotaWeekSerializer(serializers.Serializer):
    group = serializers.CharField()
    week_start = serializers.DateField()
    technicians = RotaTechnicianSerializer(many=True)
    violations = serializers.ListField(child=serializers.CharField())


class AutoDispatchInSerializer(serializers.Serializer):
    enabled = serializers.BooleanField()


class AutoDispatchSerializer(serializers.Serializer):
    area = serializers.CharField(source="code")
    name = serializers.CharField()
    auto_dispatch_enabled = serializers.BooleanField()
