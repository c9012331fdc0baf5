"""District scope of the appointment slots (SPEC §14)."""

from tests.scope.registry import PROBES, Call, obj

PROBES["slots"] = obj(
    lambda side, world: Call(
        query={
            "package_area": side.package_area.code,
            "product": "ftth_broadband",
            "kind": "install",
            "date": "2026-11-21",
        }
    ),
    # a foreign package area reads like an unknown one: 400 naming the field
    refused=(400,),
)
