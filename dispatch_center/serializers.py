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

import copy

from rest_framework import serializers


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
