"""The demo logins."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from rest_framework.authtoken.models import Token

from org.models import District, StaffProfile, Technician, TechnicianRole

from .constants import (
    DEMO_DEPARTMENT,
    DEMO_TECHNICIAN_LOGINS,
    DEMO_USERS,
    PASSWORD,
)


def upsert_users(org: dict) -> list[str]:
    """The demo logins of ``DEMO_USERS`` plus the first technicians."""
    User = get_user_model()
    done = []

    def login(username, *, full_name=None, superuser=False, group=None):
        user, created = User.objects.get_or_create(username=username)
        changed = created
        if full_name is not None and user.first_name != full_name:
            user.first_name = full_name
            changed = True
        # the console has its own login page: only the superuser is admin staff
        for attr, value in (("is_staff", superuser), ("is_active", True)):
            if getattr(user, attr) != value:
                setattr(user, attr, value)
                changed = True
        if superuser and not user.is_superuser:
            user.is_superuser = True
            changed = True
        if created or not user.check_password(PASSWORD):
            user.set_password(PASSWORD)
            changed = True
        if changed:
            user.save()
        if group:
            user.groups.add(Group.objects.get_or_create(name=group)[0])
        done.append(username)
        return user

    for username, role, full_name, _duty in DEMO_USERS:
        user = login(username, full_name=full_name, superuser=role is None, group=role)
        if username == "crm":
            Token.objects.get_or_create(user=user)
        if username == "dispatcher_d1":
            district = District.objects.get(code=org["districts"][0]["code"])
            StaffProfile.objects.update_or_create(
                user=user, defaults={"district": district}
            )
        if username == "dept_network":
            district = District.objects.get(code=org["districts"][0]["code"])
            StaffProfile.objects.update_or_create(
                user=user,
                defaults={"district": district, "department": DEMO_DEPARTMENT},
            )
    for code in demo_technician_codes():
        login(code)
    return done


def demo_technician_codes() -> list[str]:
    return list(
        Technician.objects.filter(
            role=TechnicianRole.TECHNICIAN, code__regex=r"^T[0-9]{4}$"
        )
        .order_by("code")
        .values_list("code", flat=True)[:DEMO_TECHNICIAN_LOGINS]
    )
