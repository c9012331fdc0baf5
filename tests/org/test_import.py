"""``manage.py import_org`` as API.md describes it."""

import copy
import json

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from org.models import Area, District, PackageArea, RegionGroup, Technician, Vendor
from tests.conftest import ORG

pytestmark = pytest.mark.django_db


def run_import(tmp_path, data):
    path = tmp_path / "org.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    call_command("import_org", str(path))


def counts():
    return [
        m.objects.count()
        for m in (District, Area, RegionGroup, PackageArea, Vendor, Technician, User)
    ] + [m.history.count() for m in (District, Technician)]


def test_import_creates_everything_and_technician_logins(tmp_path):
    run_import(tmp_path, ORG)
    assert counts()[:7] == [2, 3, 3, 4, 1, 3, 3]
    t2 = Technician.objects.get(code="T2")
    assert (t2.vendor.code, t2.group.code, t2.home_package_area.code) == (
        "V1",
        "G1",
        "P2",
    )
    assert t2.skills == ["ftth_broadband", "itv_hd", "fixed_phone"]
    assert t2.user.username == "T2"
    assert list(t2.user.groups.values_list("name", flat=True)) == ["technician"]
    assert not t2.user.has_usable_password()


def test_import_twice_changes_nothing(tmp_path):
    run_import(tmp_path, ORG)
    before = counts()
    run_import(tmp_path, ORG)
    assert counts() == before


def test_import_updates_by_code(tmp_path):
    run_import(tmp_path, ORG)
    data = copy.deepcopy(ORG)
    data["technicians"][0]["max_open_orders"] = 3
    data["areas"][2]["same_day_enabled"] = True
    run_import(tmp_path, data)
    assert Technician.objects.get(code="T1").max_open_orders == 3
    assert Area.objects.get(code="A3").same_day_enabled is True
    assert Technician.objects.count() == 3


@pytest.mark.parametrize(
    ("section", "index", "key", "value", "message"),
    [
        ("areas", 0, "district", "D9", "areas[0] (A1): unknown district 'D9'"),
        ("groups", 1, "area", "A9", "groups[1] (G2): unknown area 'A9'"),
        (
            "package_areas",
            0,
            "group",
            "G9",
            "package_areas[0] (P1): unknown group 'G9'",
        ),
        ("technicians", 2, "vendor", "V9", "technicians[2] (T3): unknown vendor 'V9'"),
        (
            "technicians",
            0,
            "home_package_area",
            "P9",
            "technicians[0] (T1): unknown package area 'P9'",
        ),
        ("technicians", 0, "skills", ["5g"], "technicians[0] (T1): unknown skill"),
        ("technicians", 0, "role", "boss", "technicians[0] (T1): role must be one of"),
        ("areas", 0, "area_type", "moon", "areas[0] (A1): area_type must be one of"),
    ],
)
def test_bad_reference_is_named_and_nothing_is_imported(
    tmp_path, section, index, key, value, message
):
    data = copy.deepcopy(ORG)
    data[section][index][key] = value
    with pytest.raises(CommandError) as excinfo:
        run_import(tmp_path, data)
    assert message in str(excinfo.value)
    assert counts()[:7] == [0, 0, 0, 0, 0, 0, 0]


def test_references_may_point_to_rows_already_in_the_database(tmp_path):
    run_import(tmp_path, ORG)
    run_import(
        tmp_path,
        {"technicians": [{**ORG["technicians"][0], "code": "T9", "name": "新工"}]},
    )
    assert Technician.objects.get(code="T9").group.code == "G1"


def test_duplicate_code_in_file_is_refused(tmp_path):
    data = copy.deepcopy(ORG)
    data["districts"].append({"code": "D1", "name": "重复"})
    with pytest.raises(
        CommandError, match=r"districts\[2\] \(D1\): code appears twice"
    ):
        run_import(tmp_path, data)


def test_unreadable_file_is_a_clear_error(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("import_org", str(path))


def test_create_api_token_prints_a_working_token(org, capsys):
    User.objects.create_user("crm-system")
    call_command("create_api_token", "crm-system")
    key = capsys.readouterr().out.strip()
    call_command("create_api_token", "crm-system")
    assert capsys.readouterr().out.strip() == key
    assert len(key) == 40


def test_create_api_token_for_unknown_user(db):
    with pytest.raises(CommandError, match="no user named 'ghost'"):
        call_command("create_api_token", "ghost")
