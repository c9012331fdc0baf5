"""A ModelSerializer that builds its fields once per class.

DRF's ``ModelSerializer.get_fields()`` maps every model field to a serializer
field on every instance: ~40 ``build_field`` calls, each walking the model
field's options, validators and translated error messages. For an order that
is most of the CPU of answering a create (issue 2: ~2 ms of ~7 ms). The
mapping depends only on the class (its ``Meta`` and declared fields), so we
build it once and hand each instance shallow copies, which ``fields`` then
binds to that instance as usual. Nothing instance-specific (context, request,
instance) is read while building, so sharing the prototype is safe; each
instance still gets its own field objects to bind.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping

from django.core.exceptions import ObjectDoesNotExist
from django.utils.functional import cached_property
from rest_framework import serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject
from rest_framework.utils.serializer_helpers import ReturnDict


class CachedFieldsMixin:
    def get_fields(self):
        cls = type(self)
        prototype = cls.__dict__.get("_fields_prototype")
        if prototype is None:
            prototype = super().get_fields()
            # Set on this very class (not inherited by subclasses, which
            # build their own); a race between two threads builds it twice.
            cls._fields_prototype = prototype
        return {name: _fresh(field) for name, field in prototype.items()}


class Serializer(CachedFieldsMixin, serializers.Serializer):
    """A plain serializer: copies its declared fields shallowly, not deeply."""


class InputSerializer(Serializer):
    """A plain serializer of request input whose fields are bound once per
    process (per class), not per request.

    ``Serializer(data=...).is_valid()`` walks ``fields``: for each request
    ~20 field copies bound to the new instance, and a nested serializer made
    afresh with its own. Validating reads the fields and writes nothing on
    them (``to_internal_value``, validators, ``validate_empty_values``), and
    what it reads through the parent (``root.partial``, ``context``) is the
    same for every instance made with data alone: those share one bound set,
    held by an instance of the class made once. ``is_valid``,
    ``validated_data`` and ``errors`` stay the instance's own, so answers and
    error bodies are DRF's. An instance with context, ``partial`` or no data
    (schema generation, rendering) binds its own fields as before.
    """

    @cached_property
    def fields(self):
        cls = type(self)
        shared = hasattr(self, "initial_data") and not self._context
        if not shared or self.partial:
            return super().fields
        prototype = cls.__dict__.get("_bound_prototype")
        if prototype is None:
            # On this very class; a race between two threads binds it twice.
            prototype = cls._bound_prototype = cls()
        return prototype.fields


class ModelSerializer(CachedFieldsMixin, serializers.ModelSerializer):
    """A model serializer: maps the model's fields once per class."""


def _fresh(field):
    """A copy of a prototype field that can be bound to a new serializer.

    A plain field is copied shallowly (``bind`` sets its name, parent, label
    and source on the copy). Fields that bind children when they are made —
    nested serializers, ``many=True`` lists and relations — are made afresh,
    so that the children's parent, root and context are this request's.
    """
    if isinstance(field, (serializers.BaseSerializer, serializers.ManyRelatedField)):
        return copy.deepcopy(field)
    clone = object.__new__(type(field))  # copy.copy, without its reduce protocol
    clone.__dict__.update(field.__dict__)
    return clone


# --- answering with one serializer instance per class ------------------------------
# An action's answer is ``SomeSerializer(instance).data``: a new serializer,
# its ~50 fields copied and bound, a nested serializer deep-copied, then
# DRF's generic loop. For the order that was a third of a create's CPU
# (issue 18). A read-only serializer without context (as ``_respond`` makes
# it) holds no per-request state once its fields are bound: ``represent``
# binds one per class, once per process, and walks a plan of its fields.


def represent(serializer_class, instance) -> ReturnDict:
    """``serializer_class(instance).data``, equal value for value.

    The same fields' ``to_representation`` on the same attributes; only the
    per-request building and DRF's per-field lookup are skipped: a plain
    attribute (one ``source``, the field's own ``get_attribute`` not
    overridden) is read with ``getattr``; anything else (callables, related
    fields, ``source="*"``, a missing attribute) goes through the field's
    ``get_attribute`` exactly as DRF does. Only for serializers whose output
    needs no context (request, view): ``_plan`` refuses hyperlinked fields.
    """
    plan = _plans.get(serializer_class)
    if plan is None:
        if not _plain(serializer_class):
            return serializer_class(instance).data
        plan = _plans[serializer_class] = _Plan(serializer_class())
    return ReturnDict(plan.run(instance), serializer=plan.serializer)


def _plain(serializer_class) -> bool:
    """DRF's own ``to_representation`` (the loop ``_Plan`` replays)."""
    return (
        serializer_class.to_representation is serializers.Serializer.to_representation
    )


_plans: dict[type, _Plan] = {}


class _Plan:
    def __init__(self, serializer):
        self.serializer = serializer
        self.steps = []
        for field in serializer._readable_fields:
            if isinstance(field, (serializers.HyperlinkedRelatedField,)):
                raise TypeError(f"{field.field_name}: needs the request")
            simple = (
                type(field).get_attribute is serializers.Field.get_attribute
                and len(field.source_attrs) == 1
            )
            nested = (
                _Plan(field)
                if isinstance(field, serializers.Serializer) and _plain(type(field))
                else None
            )
            attr = field.source_attrs[0] if simple else None
            self.steps.append((field.field_name, field, attr, nested))

    def run(self, instance) -> dict:
        if isinstance(instance, Mapping):  # DRF reads keys: its own loop
            return self.serializer.to_representation(instance)
        ret = {}
        for name, field, attr, nested in self.steps:
            try:
                if attr is None:
                    value = field.get_attribute(instance)
                else:
                    try:
                        value = getattr(instance, attr)
                    except ObjectDoesNotExist:
                        value = None
                    except (KeyError, AttributeError):
                        value = field.get_attribute(instance)  # DRF's handling
                    else:
                        if callable(value):  # a method as source: DRF calls it
                            value = field.get_attribute(instance)
            except SkipField:
                continue
            if isinstance(value, PKOnlyObject):
                ret[name] = None if value.pk is None else field.to_representation(value)
            elif value is None:
                ret[name] = None
            elif nested is not None:
                ret[name] = nested.run(value)
            else:
                ret[name] = field.to_representation(value)
        return ret
