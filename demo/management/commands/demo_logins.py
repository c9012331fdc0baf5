"""``python manage.py demo_logins``: the demo accounts made by ``seed_demo``."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from rest_framework.authtoken.models import Token

from demo.constants import DEMO_USERS, PASSWORD, TECHNICIAN_DUTY
from demo.slots import demo_customer_order
from demo.users import demo_technician_codes
from org.models import Technician
from workorders.models import CUSTOMER_PATH


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


class Command(BaseCommand):
    help = "Print the demo logins (role, username, password, duty), the CRM token and URLs."

    def add_arguments(self, parser):
        parser.add_argument(
            "--base-url",
            default="http://localhost:8000",
            help="where the server runs (for the URL hints)",
        )

    def handle(self, *args, base_url, **options):
        User = get_user_model()
        existing = set(
            User.objects.filter(username__in=[u for u, *_ in DEMO_USERS]).values_list(
                "username", flat=True
            )
        )
        rows = [
            (role or "superuser", username, PASSWORD, duty)
            for username, role, _name, duty in DEMO_USERS
            if username in existing
        ]
        names = dict(
            Technician.objects.filter(code__in=demo_technician_codes()).values_list(
                "code", "name"
            )
        )
        rows += [
            ("technician", code, PASSWORD, f"{TECHNICIAN_DUTY}（{name}）")
            for code, name in sorted(names.items())
        ]
        if not rows:
            self.stdout.write(
                "没有演示账号：请先运行 python manage.py seed_demo "
                "(no demo users yet: run seed_demo first)"
            )
            return
        header = ("角色 role", "用户名 username", "密码 password", "职责 what they do")
        widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(3)]
        self.stdout.write("演示账号 demo logins")
        for row in [header, *rows]:
            cells = [_pad(row[i], widths[i]) for i in range(3)] + [row[3]]
            self.stdout.write("  ".join(cells).rstrip())

        base = base_url.rstrip("/")
        token = Token.objects.filter(user__username="crm").first()
        if token is not None:
            self.stdout.write("")
            self.stdout.write(f"CRM API token: {token.key}")
            self.stdout.write(
                f'  curl -H "Authorization: Token {token.key}" {base}/api/v1/work-orders/'
            )
        booked = demo_customer_order()
        if booked is not None:
            self.stdout.write("")
            self.stdout.write(
                f"客户页面 customer page ({booked.number}): "
                f"{base}{CUSTOMER_PATH.format(token=booked.customer_token)}"
            )
        self.stdout.write("")
        self.stdout.write(f"登录 sign in:      {base}/")
        self.stdout.write(f"后台 admin:        {base}/admin/")
        self.stdout.write(f"接口文档 API docs: {base}/api/docs/")
        self.stdout.write(f"接口 API:          {base}/api/v1/")
