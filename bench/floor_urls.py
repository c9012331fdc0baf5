"""The stack's floor for bench/intake.py: a bare DRF create of one row.

``POST /bench/floor/`` with ``{"payload": "..."}``: the same gunicorn, the
same middleware, the same token authentication and JSON parsing and
rendering as ``POST /api/v1/work-orders/``, then one ``INSERT`` into the
benchmark's scratch table ``bench_raw_insert`` and a 201. What an order
costs above this is the intake's own work.
"""

from django.db import connection
from django.urls import path
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from dispatch_center.urls import (  # noqa: F401 - the error handlers too
    handler400,
    handler403,
    handler404,
    handler500,
)
from dispatch_center.urls import urlpatterns as app_urlpatterns


class RowSerializer(serializers.Serializer):
    payload = serializers.CharField(max_length=200)

    def create(self, validated_data):
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO bench_raw_insert (payload) VALUES (%s) RETURNING id",
                [validated_data["payload"]],
            )
            return {"id": cursor.fetchone()[0], **validated_data}


class FloorCreate(APIView):
    permission_classes = [IsAuthenticated]

    def post(self, request):
        serializer = RowSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        row = serializer.save()
        return Response(row, status=status.HTTP_201_CREATED)


urlpatterns = [path("bench/floor/", FloorCreate.as_view()), *app_urlpatterns]
