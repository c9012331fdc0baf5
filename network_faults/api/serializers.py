from rest_framework import serializers

from dispatch_center.fields import BusinessDateTimeField
from dispatch_center.serializers import ModelSerializer
from org.models import Product

from ..models import FaultEvent, NetworkFault


class NetworkFaultSerializer(ModelSerializer):
    package_areas = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True
    )
    product = serializers.SerializerMethodField()
    linked_count = serializers.IntegerField(read_only=True)
    intercepted_count = serializers.IntegerField(read_only=True)
    owner = serializers.CharField(source="owner.username", read_only=True, default=None)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = NetworkFault
        fields = [
            "id",
            "number",
            "status",
            "status_display",
            "origin",
            "package_areas",
            "product",
            "cause",
            "started_at",
            "eta",
            "restored_at",
            "confirmed_at",
            "closed_at",
            "dismissed_at",
            "dismiss_reason",
            "owner",
            "linked_count",
            "intercepted_count",
        ]
        read_only_fields = fields

    def get_product(self, fault) -> str | None:
        return fault.product or None


class FaultEventSerializer(ModelSerializer):
    actor = serializers.CharField(source="actor_name", read_only=True)

    class Meta:
        model = FaultEvent
        fields = [
            "id",
            "at",
            "kind",
            "actor",
            "from_status",
            "to_status",
            "reason",
            "data",
        ]
        read_only_fields = fields


class DeclareInSerializer(serializers.Serializer):
    package_areas = serializers.ListField(
        child=serializers.CharField(max_length=32),
        allow_empty=False,
        min_length=1,
        max_length=500,
    )
    product = serializers.ChoiceField(
        Product.choices, required=False, allow_null=True, default=None
    )
    cause = serializers.CharField(max_length=255)
    started_at = BusinessDateTimeField(required=False, allow_null=True, default=None)
    eta = BusinessDateTimeField(required=False, allow_null=True, default=None)
    force_majeure_evidence = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=255
    )


class ConfirmInSerializer(serializers.Serializer):
    eta = BusinessDateTimeField(required=False, allow_null=True, default=None)
    cause = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=255
    )


class DismissInSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255)


class EtaInSerializer(serializers.Serializer):
    eta = BusinessDateTimeField()


class LinkInSerializer(serializers.Serializer):
    work_orders = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        allow_empty=False,
        min_length=1,
        max_length=5000,
    )


class RestoreInSerializer(serializers.Serializer):
    restored_at = BusinessDateTimeField(required=False, allow_null=True, default=None)


class EmptyInSerializer(serializers.Serializer):
    """An action without a body."""
