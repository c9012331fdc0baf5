"""``python manage.py seed_demo``: a believable demo city (连云港-like).

Deterministic: the same ``--seed``, ``--days``, ``--scale`` and ``--today``
give the same organisation, customers, order numbers, kinds and lifecycles.
The reference time (``now``) only decides how far each planned lifecycle has
got: events after it have not happened yet. It is ``--at`` when given, the
current local time when ``--today`` is the local date, and 18:00 otherwise.

1. The organisation goes through ``org.services.org_import`` (upsert by code).
2. Demo users are upserted (password ``demo1234``, see ``demo_logins``).
3. Orders are planned by the pure function ``generate`` (plain dicts, no ORM)
   and written with ``bulk_create`` in batches, skipped when demo orders are
   already present. ``bulk_create`` skips django-simple-history: fine for a demo.
"""

from __future__ import annotations

import math
import random
import time as _time
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from rest_framework.authtoken.models import Token

from dispatch_center.roles import Role
from org.models import (
    District,
    PackageArea,
    StaffProfile,
    Technician,
    TechnicianRole,
)
from org.services import org_import
from workorders import rules
from workorders.models import Customer, WorkOrder, WorkOrderEvent
from workorders.rules import LOCAL_TZ
from workorders.selectors import service_policy

PASSWORD = "demo1234"
BATCH = 2000
DEFAULT_AT = time(18, 0)
SYSTEM = "系统"
#: Demo order numbers: prefix, yymmdd, "D", 6 digits (14 characters). The
#: services' numbers have a 6-character tail (13 characters): never equal.
NUMBER_RE = r"^[XYZ][0-9]{6}D[0-9]{6}$"
CRM_PREFIX = "DEMO-CRM-"

#: username, role group (None: superuser), display name, what the role does.
DEMO_USERS: list[tuple[str, str | None, str, str]] = [
    (
        "admin",
        None,
        "系统管理员",
        "超级管理员：后台全部配置（时限政策、标准时限、组织、用户）",
    ),
    (
        "dispatcher",
        Role.DISPATCHER,
        "周敏",
        "综合调度员（全市）：监控实时队列、滚动派单/改派、处理预警和超时升级",
    ),
    (
        "dispatcher_d1",
        Role.DISPATCHER,
        "孙磊",
        "区局调度员：同上，只看第一个区局（海州区局）",
    ),
    (
        "agent",
        Role.HOTLINE_AGENT,
        "陈静",
        "10000号坐席：按电话查客户、受理障碍单、催单、受理投诉、答复进度",
    ),
    ("supervisor", Role.SUPERVISOR, "刘建国", "班组长/审核：挂起审核、改约审核"),
    (
        "manager",
        Role.MANAGER,
        "王海燕",
        "质量管控经理：日/周/月质量报表、预警、排名、导出；审批补偿清单和工资",
    ),
    ("finance", Role.FINANCE, "赵丽", "业务集中支撑中心：稽核补偿清单、工资核算"),
    ("crm", Role.CRM, "CRM系统", "CRM接口账号：REST建单/查询/撤单（Token认证）"),
]
TECHNICIAN_DUTY = (
    "装维工程师（手机）：接单、首次联系预约、上门、报竣、申请挂起/改约/提前升级"
)
DEMO_TECHNICIAN_LOGINS = 3

# --- the city ------------------------------------------------------------------------

#: district code and name; its areas: name, short name, area type, same-day
#: switch, number of region groups, centre (lat, lng), package-area names
# fmt: off
CITY = [
    ("D01", "海州区局", [
        ("新浦片区", "新浦", "urban_core", True, 4, (34.598, 119.195),
         "通灌小区 海连小区 朝阳小区 苍梧小区 建国小区 陇海小区 解放小区 人民小区 "
         "凤凰城 万润小区 盐河小区 巨龙小区 新海小区 海昌小区 龙河小区 润园小区"),
        ("海州片区", "海州", "urban_core", True, 3, (34.572, 119.135),
         "鼓楼小区 幸福小区 朐阳小区 锦屏小区 双龙小区 东风小区 白虎山小区 "
         "孔望山小区 花果山小区 宋跳小区 郁林小区 新坝小区"),
        ("浦南片区", "浦南", "rural", True, 2, (34.480, 119.250),
         "板浦镇 浦南村 新坝村 南城村 小伊村 太平村 新东村 岗埠村"),
    ]),
    ("D02", "连云区局", [
        ("墟沟片区", "墟沟", "urban_core", True, 3, (34.735, 119.385),
         "墟沟小区 海滨小区 港城小区 中山小区 平山小区 海棠小区 云山小区 "
         "庙岭小区 东港小区 海州湾小区 山海小区 华山小区"),
        ("连云片区", "连云", "urban_core", True, 2, (34.755, 119.440),
         "连云老街 西大堤小区 港口小区 大港小区 海港小区 阳光小区 金港湾小区 连岛小区"),
        ("高公岛片区", "高公岛", "rural", False, 1, (34.700, 119.470),
         "高公岛村 黄窝村 柳河村 西连岛村"),
    ]),
    ("D03", "赣榆区局", [
        ("青口片区", "青口", "county_town", True, 3, (34.840, 119.130),
         "青口小区 赣马小区 欢墩小区 城西小区 金山小区 海头小区 塔山小区 "
         "城头小区 黄海小区 华中小区 吾悦小区 利民小区"),
        ("沙河片区", "沙河", "rural", False, 2, (34.920, 119.050),
         "沙河镇 墩尚村 宋庄村 班庄村 厉庄村 石桥村 门河村 黑林村"),
    ]),
    ("D04", "灌云县分公司", [
        ("伊山片区", "伊山", "county_town", True, 3, (34.290, 119.250),
         "伊山小区 侍庄小区 东王集小区 龙苴小区 下车小区 杨庄小区 大伊山小区 "
         "新城小区 图河小区 圩丰小区 四队小区 鲁河小区"),
        ("杨集片区", "杨集", "rural", False, 2, (34.360, 119.500),
         "杨集镇 燕尾港村 沂北村 四队村 同兴村 小圩村 五图河村 北陈集村"),
    ]),
]
# fmt: on
VENDORS = [
    ("V01", "连云港华通通信工程有限公司"),
    ("V02", "江苏润联代维服务有限公司"),
]
#: Whole outsourced areas (代维片区) and their vendor; elsewhere a few people.
OUTSOURCED_AREAS = {"伊山片区": "V01", "杨集片区": "V01", "沙河片区": "V02"}

PRODUCTS = ["ftth_broadband", "itv_hd", "fixed_phone", "fttb_broadband", "other"]
LEVELS = ["diamond", "gold", "silver", "ordinary"]
SEGMENTS = ["public", "government_enterprise", "campus"]
CN_NUMBERS = "一二三四五六七八九十"

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
    "于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹"
    "薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴莫孔汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉斌宇浩"
    "凯健俊帆帅旭宁琳晨婷雪倩颖佳欣怡雯博文新建国海波峰亮成林春梅兵志永红卫东"
)
MOBILE_PREFIXES = (
    "133 135 136 137 138 139 150 151 152 157 158 159 177 180 181 182 187 188 189 199"
).split()
COMPANY_WORDS = (
    "华泰 恒通 东方 金海 新海 润华 海澜 汇丰 云台 花果山 港城 鑫源 天元 瑞达".split()
)
COMPANY_KINDS = [
    "物流有限公司",
    "商贸有限公司",
    "科技有限公司",
    "大酒店",
    "医药有限公司",
    "建材有限公司",
    "机械制造有限公司",
]
GOV_UNITS = [
    "税务分局",
    "市场监督管理所",
    "派出所",
    "社区服务中心",
    "中心小学",
    "卫生院",
]
CAMPUSES = ["江苏海洋大学", "连云港职业技术学院", "连云港师范高等专科学校"]

#: local hour-of-day weights: most orders 08:00-20:00
HOUR_WEIGHTS_REPAIR = [
    1.2, 0.6, 0.4, 0.3, 0.3, 0.5, 1.2, 3.5, 7, 10, 10, 9,
    7, 7.5, 8.5, 9, 8.5, 7.5, 6, 5.5, 4.5, 3.5, 2.5, 1.8,
]  # fmt: skip
HOUR_WEIGHTS_CRM = [
    0.1, 0.05, 0.05, 0.05, 0.05, 0.1, 0.3, 1.5, 6, 10, 11, 10,
    7, 8, 10, 11, 10, 9, 6, 4, 2.5, 1.2, 0.5, 0.2,
]  # fmt: skip
PRODUCT_WEIGHTS = {
    "install": [58, 26, 6, 6, 4],
    "move": [62, 20, 10, 5, 3],
    "repair": [55, 25, 10, 7, 3],
}
PRODUCT_NAMES = {
    "ftth_broadband": "FTTH宽带",
    "itv_hd": "iTV高清",
    "fixed_phone": "固话",
    "fttb_broadband": "FTTB宽带",
    "other": "其他业务",
}
FAULTS = {
    "ftth_broadband": [
        "宽带无法上网",
        "光猫LOS灯红",
        "网速慢",
        "光猫无法注册",
        "WiFi经常掉线",
    ],
    "itv_hd": ["iTV无信号", "iTV卡顿花屏", "机顶盒无法开机", "iTV提示认证失败"],
    "fixed_phone": ["固话无拨号音", "固话杂音大", "固话打不出去"],
    "fttb_broadband": ["宽带无法上网", "网速慢", "楼道交换机故障"],
    "other": ["专线中断", "监控设备离线"],
}
ONSITE_NOTES = {
    "repair": [
        "更换光猫",
        "重新熔接尾纤",
        "跳纤松动已处理",
        "室内线路故障已修复",
        "更换机顶盒",
        "分光器端口更换",
    ],
    "install": ["新装开通完成，测速正常", "已装机并指导客户使用", "开通完成，客户确认"],
    "move": ["移机完成，测速正常", "新址开通完成"],
}
REMOTE_NOTES = [
    "远程重启光猫恢复",
    "远程重新下发配置",
    "指导用户重启机顶盒恢复",
    "网管侧端口复位恢复",
]
CANCEL_REASONS = {
    "install": ["客户撤单", "客户取消安装", "资源不具备，撤单重录", "重复受理"],
    "move": ["客户取消移机", "新址资源不具备", "重复受理"],
    "repair": ["重复申告，合并处理", "客户自行恢复，撤单", "非我方故障，撤单"],
}
DELAY_CAUSES = [
    "installer",
    "customer",
    "network_resource",
    "third_party",
    "force_majeure",
    "other",
]
DELAY_WEIGHTS = [45, 25, 12, 10, 3, 5]
#: share of repairs resolved remotely (预处理/障碍拦截/宽心服务), per product
REMOTE_SHARE = {"ftth_broadband": 0.24, "itv_hd": 0.28, "fixed_phone": 0.1, "fttb_broadband": 0.2, "other": 0.05}  # fmt: skip
CANCEL_SHARE = {"install": 0.04, "move": 0.05, "repair": 0.015}
REPEAT_SHARE = 0.06  # repairs that are repeat faults (重复障碍)
REASSIGN_SHARE = 0.03  # 提前升级/改派 before acceptance
FIRST_RESPONSE_OK = 0.93


# --- organisation ---------------------------------------------------------------------


def _person_name(rng: random.Random, taken: set[str] | None = None) -> str:
    for _ in range(50):
        name = rng.choice(SURNAMES) + "".join(
            rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2)))
        )
        if taken is None or name not in taken:
            break
    if taken is not None:
        taken.add(name)
    return name


def _mobile(rng: random.Random, taken: set[str]) -> str:
    while True:
        phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        if phone not in taken:
            taken.add(phone)
            return phone


def build_org(seed: int) -> dict:
    """The organisation JSON of API.md for the demo city, deterministic per seed."""
    rng = random.Random(f"{seed}:org")
    data: dict[str, list] = {
        "districts": [],
        "areas": [],
        "groups": [],
        "package_areas": [],
        "vendors": [{"code": c, "name": n} for c, n in VENDORS],
        "technicians": [],
    }
    names: set[str] = set()
    phones: set[str] = set()
    area_no = group_no = package_no = tech_no = 0

    def technician(group, home, role, vendor, **kw):
        nonlocal tech_no
        tech_no += 1
        row = {
            "code": f"T{tech_no:04d}",
            "name": _person_name(rng, names),
            "phone": _mobile(rng, phones),
            "group": group,
            "home_package_area": home,
            "vendor": vendor,
            "role": role,
        }
        row.update(kw)
        data["technicians"].append(row)

    for d_code, d_name, areas in CITY:
        data["districts"].append({"code": d_code, "name": d_name})
        for a_name, short, a_type, same_day, n_groups, centre, pkg_names in areas:
            area_no += 1
            a_code = f"A{area_no:02d}"
            data["areas"].append(
                {
                    "code": a_code,
                    "name": a_name,
                    "district": d_code,
                    "area_type": a_type,
                    "same_day_enabled": same_day,
                }
            )
            pool = pkg_names.split()
            rng.shuffle(pool)
            area_vendor = OUTSOURCED_AREAS.get(a_name)
            first_package = None
            for g in range(n_groups):
                group_no += 1
                g_code = f"G{group_no:02d}"
                data["groups"].append(
                    {
                        "code": g_code,
                        "name": f"{short}{CN_NUMBERS[g]}组",
                        "area": a_code,
                    }
                )
                g_lat = centre[0] + rng.gauss(0, 0.012)
                g_lng = centre[1] + rng.gauss(0, 0.012)
                packages = []
                for _ in range(rng.randint(2, 4)):
                    package_no += 1
                    p_code = f"P{package_no:03d}"
                    name = pool.pop() if pool else f"{short}{package_no}号小区"
                    data["package_areas"].append(
                        {
                            "code": p_code,
                            "name": name,
                            "group": g_code,
                            "lat": round(g_lat + rng.gauss(0, 0.006), 5),
                            "lng": round(g_lng + rng.gauss(0, 0.006), 5),
                        }
                    )
                    packages.append(p_code)
                first_package = first_package or packages[0]
                size = rng.choices((4, 5, 6), weights=(45, 40, 15))[0]
                for i in range(size):
                    # each package area has one owner; the others float
                    home = packages[i] if i < len(packages) else rng.choice(packages)
                    if i == 0:  # the group leader can work on everything
                        skills = list(PRODUCTS)
                    else:
                        skills = ["ftth_broadband"] + [
                            p
                            for p, share in (
                                ("itv_hd", 0.85),
                                ("fixed_phone", 0.6),
                                ("fttb_broadband", 0.5),
                                ("other", 0.3),
                            )
                            if rng.random() < share
                        ]
                    vendor = area_vendor or ("V02" if rng.random() < 0.12 else None)
                    technician(
                        g_code,
                        home,
                        TechnicianRole.TECHNICIAN,
                        vendor,
                        cert_level=3
                        if i == 0
                        else rng.choices((3, 4, 5), (2, 4, 4))[0],
                        skills=skills,
                        max_open_orders=rng.choice((6, 8, 8, 10, 12)),
                        after_hours=rng.random() < 0.3,
                    )
            # the area's support team (支撑团队) and emergency staff (应急人员)
            # sit in its first group; dispatch finds them by role and area
            first_group = data["groups"][-n_groups]["code"]
            for _ in range(rng.randint(3, 4)):
                technician(
                    first_group,
                    first_package,
                    TechnicianRole.SUPPORT,
                    None,
                    cert_level=3,
                    skills=list(PRODUCTS),
                    max_open_orders=10,
                    after_hours=rng.random() < 0.5,
                )
            for _ in range(rng.randint(1, 2)):
                technician(
                    first_group,
                    first_package,
                    TechnicianRole.EMERGENCY,
                    area_vendor,
                    cert_level=rng.choice((3, 4)),
                    skills=PRODUCTS[:4],
                    max_open_orders=6,
                    after_hours=True,
                )
    return data


def org_snapshot(org: dict) -> dict:
    """What ``generate`` needs to know about the demo organisation, read back
    from the database (after the import) as plain, code-sorted data."""
    codes = [p["code"] for p in org["package_areas"]]
    packages = []
    for p in (
        PackageArea.objects.filter(code__in=codes)
        .select_related("group__area__district")
        .order_by("code")
    ):
        area = p.group.area
        packages.append(
            {
                "code": p.code,
                "name": p.name,
                "group": p.group.code,
                "area": area.code,
                "area_type": area.area_type,
                "same_day_enabled": area.same_day_enabled,
                "district": area.district.code,
                "lat": p.lat,
                "lng": p.lng,
            }
        )
    tech_codes = [t["code"] for t in org["technicians"]]
    technicians = [
        {
            "code": t.code,
            "name": t.name,
            "group": t.group.code,
            "area": t.group.area.code,
            "role": t.role,
            "skills": list(t.skills),
            "after_hours": t.after_hours,
            "max_open_orders": t.max_open_orders,
            "home_package_area": t.home_package_area.code
            if t.home_package_area_id
            else None,
        }
        for t in Technician.objects.filter(code__in=tech_codes)
        .select_related("group__area", "home_package_area")
        .order_by("code")
    ]
    policy = service_policy()
    return {
        "packages": packages,
        "technicians": technicians,
        "policy": policy.deadline,
        "first_response_minutes": policy.first_response_minutes,
    }


# --- orders (pure) ----------------------------------------------------------------------


def _at(day: date, hour: int, minute: float = 0) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LOCAL_TZ) + timedelta(
        minutes=minute
    )


def _minutes(value: float) -> timedelta:
    return timedelta(seconds=round(value * 60))


def _working(
    t: datetime, rng: random.Random, start: int = 8, end: int = 20
) -> datetime:
    """``t`` when it falls in [start, end) local hours, else shortly after the next start."""
    if start <= t.hour < end:
        return t
    day = t.date() if t.hour < start else t.date() + timedelta(days=1)
    return _at(day, start, rng.uniform(2, 40))


def _round_to(t: datetime, minutes: int) -> datetime:
    m = (t.minute // minutes) * minutes
    return t.replace(minute=m, second=0, microsecond=0)


def _km(lat1, lng1, lat2, lng2) -> float | None:
    if None in (lat1, lng1, lat2, lng2):
        return None
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return round(6371 * 2 * math.asin(math.sqrt(a)), 2)


def _iso(t: datetime | None) -> str | None:
    return t.isoformat() if t else None


class _Planner:
    """Plans every order of the period, then cuts the plan at ``now``."""

    def __init__(self, seed, days, scale, today, snapshot, now):
        self.rng = random.Random(f"{seed}:orders")
        self.days = days
        self.scale = scale
        self.today = today
        self.now = now
        self.policy = snapshot["policy"]
        self.first_response = timedelta(minutes=snapshot["first_response_minutes"])
        self.packages = snapshot["packages"]
        self.package = {p["code"]: p for p in self.packages}
        self.techs = {t["code"]: t for t in snapshot["technicians"]}
        self.field: dict[str, list[dict]] = {}
        self.area_staff: dict[str, list[dict]] = {}
        self.owner: dict[str, dict] = {}
        for t in snapshot["technicians"]:
            if t["role"] == TechnicianRole.TECHNICIAN:
                self.field.setdefault(t["group"], []).append(t)
                home = t["home_package_area"]
                if home and home not in self.owner:
                    self.owner[home] = t
            else:
                self.area_staff.setdefault(t["area"], []).append(t)
        self.phones: set[str] = set()
        self.accounts: set[str] = set()
        self.customer_no = 0
        self.recent_repairs: list[tuple[datetime, dict, str]] = []
        self.recent_installs: list[tuple[datetime, dict, str]] = []
        self.repairs_done: dict[tuple[int, str], list[datetime]] = {}
        self.storm_day = None

    # --- volume and arrivals -----------------------------------------------------

    def arrivals(self) -> list[tuple[datetime, str, str]]:
        rng = self.rng
        per_day = self.days / 30 * self.scale
        n_im = round(6800 * per_day)
        n_move = round(n_im * 0.18)
        counts = {
            "install": n_im - n_move,
            "move": n_move,
            "repair": round(16800 * per_day),
        }
        days = [self.today - timedelta(days=i) for i in range(self.days - 1, -1, -1)]
        if self.days >= 7:
            self.storm_day = rng.choice(days[:-1])  # 暴雨: repairs surge
        weights = {k: [] for k in counts}
        for d in days:
            noise = rng.uniform(0.92, 1.08)
            weekend = d.weekday() >= 5
            weights["install"].append(noise * (1.1 if weekend else 1.0))
            weights["move"].append(noise * (1.15 if weekend else 1.0))
            storm = 1.8 if d == self.storm_day else 1.0
            weights["repair"].append(noise * (0.95 if weekend else 1.0) * storm)
        pkg_weights = [
            {"urban_core": 1.6, "county_town": 1.0, "rural": 0.45}[p["area_type"]]
            for p in self.packages
        ]
        out = []
        for kind, n in counts.items():
            if n <= 0:
                continue
            hours = HOUR_WEIGHTS_REPAIR if kind == "repair" else HOUR_WEIGHTS_CRM
            picked_days = rng.choices(days, weights[kind], k=n)
            picked_hours = rng.choices(range(24), hours, k=n)
            picked_pkgs = rng.choices(self.packages, pkg_weights, k=n)
            for d, h, p in zip(picked_days, picked_hours, picked_pkgs, strict=True):
                t = _at(d, h) + timedelta(seconds=rng.randrange(3600))
                out.append((t, kind, p["code"]))
        out.sort()
        return out

    # --- customers ------------------------------------------------------------------

    def new_customer(self, package: dict) -> dict:
        rng = self.rng
        i = self.customer_no
        self.customer_no += 1
        if i < 4:  # every level and segment exists even in a tiny demo
            level, segment = LEVELS[i], SEGMENTS[i % 3]
        else:
            level = rng.choices(LEVELS, (1, 3, 6, 90))[0]
            segment = rng.choices(SEGMENTS, (85, 10, 5))[0]
        surname = rng.choice(SURNAMES)
        if segment == "government_enterprise":
            if rng.random() < 0.5:
                name = rng.choice(COMPANY_WORDS) + rng.choice(COMPANY_KINDS)
            else:
                name = package["name"].rstrip("小区村镇") + rng.choice(GOV_UNITS)
        elif segment == "campus":
            name = f"{rng.choice(CAMPUSES)}学生{surname}同学"
        elif rng.random() < 0.4:
            name = surname + rng.choice(("先生", "女士"))
        else:
            name = _person_name(rng)
        if segment == "government_enterprise" and rng.random() < 0.5:
            phone = f"0518-8{rng.randrange(10**6, 10**7)}"
            while phone in self.phones:
                phone = f"0518-8{rng.randrange(10**6, 10**7)}"
            self.phones.add(phone)
        else:
            phone = _mobile(rng, self.phones)
        while True:
            account = f"LYG{rng.randrange(10**9, 10**10)}"
            if account not in self.accounts:
                self.accounts.add(account)
                break
        return {
            "key": i,
            "name": name,
            "phone": phone,
            "account": account,
            "level": level,
            "segment": segment,
            "address": self.address(package),
            "package_area": package["code"],
        }

    def address(self, package: dict) -> str:
        rng = self.rng
        name = package["name"]
        if name.endswith(("村", "镇")):
            return f"{name}{rng.randint(1, 12)}组{rng.randint(1, 80)}号"
        return (
            f"{name}{rng.randint(1, 36)}号楼{rng.randint(1, 4)}单元"
            f"{rng.randint(1, 18)}{rng.randint(1, 4):02d}室"
        )

    def reuse(self, pool, t0: datetime):
        """A customer from a recent completed order: (customer, product) or None."""
        rng = self.rng
        for _ in range(6):
            if not pool:
                return None
            done, customer, product = pool[
                rng.randrange(max(0, len(pool) - 3000), len(pool))
            ]
            if t0 - timedelta(days=30) <= done <= t0:
                return customer, product
        return None

    # --- technicians ------------------------------------------------------------------

    def pick_technician(self, package: dict, product: str, evening: bool, exclude=None):
        rng = self.rng
        candidates = [
            t
            for t in self.field.get(package["group"], [])
            if product in t["skills"]
            and (t["after_hours"] or not evening)
            and t["code"] != exclude
        ]
        if not candidates:
            candidates = [
                t
                for t in self.area_staff.get(package["area"], [])
                if t["role"] == TechnicianRole.EMERGENCY
                and product in t["skills"]
                and t["code"] != exclude
            ]
        if not candidates:
            return None
        owner = self.owner.get(package["code"])
        if owner in candidates and rng.random() < 0.55:
            return owner
        return rng.choice(candidates)

    def support(self, package: dict) -> dict | None:
        staff = [
            t
            for t in self.area_staff.get(package["area"], [])
            if t["role"] == TechnicianRole.SUPPORT
        ]
        return self.rng.choice(staff) if staff else None

    # --- one order --------------------------------------------------------------------

    def order(self, t0: datetime, kind: str, package_code: str, seq: int) -> dict:
        rng = self.rng
        package = self.package[package_code]
        customer = product = None
        if kind == "repair":
            roll = rng.random()
            if roll < REPEAT_SHARE:
                found = self.reuse(self.recent_repairs, t0)
            elif roll < REPEAT_SHARE + 0.08:
                found = self.reuse(self.recent_installs, t0)
            else:
                found = None
            if found:
                customer, product = found
                package = self.package[customer["package_area"]]
        if customer is None:
            customer = self.new_customer(package)
            product = rng.choices(PRODUCTS, PRODUCT_WEIGHTS[kind])[0]
        repeat = False
        if kind == "repair":
            repeat = any(
                t0 - timedelta(days=30) <= done <= t0
                for done in self.repairs_done.get((customer["key"], product), ())
            )
        public = customer["segment"] == "public"
        same_day_requested = rng.random() < (0.92 if public else 0.7)
        intake = rules.intake_deadline(
            kind=kind,
            product=product,
            level=customer["level"],
            segment=customer["segment"],
            area_type=package["area_type"],
            area_same_day_enabled=package["same_day_enabled"],
            same_day_requested=same_day_requested,
            accepted_at=t0,
            appointment_end=None,
            policy=self.policy,
        )
        prefix = {"install": "Z", "move": "Y", "repair": "X"}[kind]
        number = f"{prefix}{t0:%y%m%d}D{seq:06d}"
        source = "crm"
        if kind == "repair":
            source = "hotline" if rng.random() < 0.72 else "self_service"
        if kind == "repair":
            description = rng.choice(FAULTS[product])
        elif kind == "move":
            description = (
                f"移机({PRODUCT_NAMES[product]})，原址：{self.address(package)}"
            )
        else:
            description = f"新装{PRODUCT_NAMES[product]}"
        address = customer["address"] if kind != "move" else self.address(package)
        lat = round(package["lat"] + rng.uniform(-0.004, 0.004), 6)
        lng = round(package["lng"] + rng.uniform(-0.004, 0.004), 6)
        order = {
            "number": number,
            "crm_order_id": f"{CRM_PREFIX}{number}" if source == "crm" else "",
            "source": source,
            "kind": kind,
            "product": product,
            "customer": customer,
            "address": address,
            "package_area": package["code"],
            "group": package["group"],
            "district": package["district"],
            "lat": lat,
            "lng": lng,
            "description": description,
            "same_day_requested": same_day_requested,
            "is_same_day": intake.is_same_day,
            "deadline_basis": intake.basis,
            "deadline_follows_appointment": intake.follows_appointment,
            "accepted_at": t0,
            "is_repeat_fault": repeat,
            "created_by": {"crm": "crm", "hotline": "agent"}.get(source),
        }
        initial = {
            "status": rules.PENDING,
            "deadline": intake.deadline,
            "dispatched_at": None,
            "first_response_due": None,
            "first_contact_at": None,
            "appointment_start": None,
            "appointment_end": None,
            "arrived_at": None,
            "completed_at": None,
            "cancelled_at": None,
            "technician": None,
            "resolution": "",
            "delay_cause": "",
            "completion_evidence": "",
            "completion_note": "",
            "cancel_reason": "",
        }
        created = self.event(
            t0,
            "created",
            None,
            "",
            rules.PENDING,
            intake.basis,
            {"source": source, "deadline": intake.deadline.isoformat()},
            {},
        )
        plan = [created] + self.lifecycle(order, package, intake)
        order["_initial"] = initial
        order["_plan"] = plan
        done = next(
            (
                e["_fields"]["completed_at"]
                for e in plan
                if e["to_status"] == rules.COMPLETED
            ),
            None,
        )
        if done is not None:
            if kind == "repair":
                self.repairs_done.setdefault((customer["key"], product), []).append(
                    done
                )
                self.recent_repairs.append((done, customer, product))
            elif kind == "install":
                self.recent_installs.append((done, customer, product))
        return order

    @staticmethod
    def event(at, kind, actor, src, dst, reason, data, fields) -> dict:
        return {
            "at": at,
            "kind": kind,
            "actor": actor["code"] if actor else None,
            "actor_name": actor["name"] if actor else SYSTEM,
            "from_status": src,
            "to_status": dst,
            "reason": reason,
            "data": data,
            "_fields": fields,
        }

    def late_cause(self, t0: datetime) -> tuple[str, str]:
        rng = self.rng
        if self.storm_day and t0.date() == self.storm_day and rng.random() < 0.7:
            cause = "force_majeure"
        else:
            cause = rng.choices(DELAY_CAUSES, DELAY_WEIGHTS)[0]
        evidence = ""
        if (
            cause in ("customer", "third_party", "force_majeure")
            and rng.random() < 0.65
        ):
            evidence = (
                "气象预警截图" if cause == "force_majeure" else "通话录音"
            ) + f" REC{rng.randrange(10**7, 10**8)}"
        return cause, evidence

    def lifecycle(self, order: dict, package: dict, intake: rules.Intake) -> list[dict]:
        """Every step the order will go through, each with the fields it sets."""
        rng = self.rng
        t0, kind, product = order["accepted_at"], order["kind"], order["product"]
        events: list[dict] = []
        deadline = intake.deadline

        if kind == "repair" and rng.random() < REMOTE_SHARE[product]:
            agent = self.support(package)
            done = _working(t0 + _minutes(rng.uniform(6, 75)), rng, 8, 22)
            cause = evidence = ""
            if done > deadline:
                cause, evidence = self.late_cause(t0)
            note = rng.choice(REMOTE_NOTES)
            events.append(
                self.event(
                    done,
                    "status",
                    agent,
                    rules.PENDING,
                    rules.COMPLETED,
                    f"远程处理(预处理)：{note}",
                    {
                        "resolution": "remote",
                        "delay_cause": cause or None,
                        "evidence": evidence,
                    },
                    {
                        "completed_at": done,
                        "resolution": "remote",
                        "delay_cause": cause,
                        "completion_evidence": evidence,
                        "completion_note": note,
                    },
                )
            )
            return events

        # dispatch: at once in the day, to after-hours people 18-20, else next morning
        evening = 18 <= t0.hour < 20
        tech = self.pick_technician(package, product, evening) if evening else None
        if 8 <= t0.hour < 18 or (evening and tech is not None):
            td = t0 + _minutes(rng.uniform(1, 12))
        else:  # night, or no after-hours people: the next morning's first round
            td = _working(t0, rng, start=8, end=9)
            evening = False
        if tech is None:
            tech = self.pick_technician(package, product, False)
        if tech is None:
            return events  # nobody can take it (无人可派): stays pending

        def dispatch(at, who, previous, reason):
            home = self.package.get(who["home_package_area"]) or {}
            return self.event(
                at,
                "dispatch",
                None,
                rules.PENDING if previous is None else rules.DISPATCHED,
                rules.DISPATCHED,
                reason,
                {
                    "technician": who["code"],
                    "technician_name": who["name"],
                    "previous_technician": previous,
                    "reasons": {
                        "engine": "rolling",
                        "package_owner": who["home_package_area"] == package["code"],
                        "distance_km": _km(
                            home.get("lat"), home.get("lng"), order["lat"], order["lng"]
                        ),
                        "workload_hours": round(rng.uniform(0, 6), 1),
                    },
                },
                {
                    "technician": who["code"],
                    "dispatched_at": at,
                    "first_response_due": at + self.first_response,
                    "first_contact_at": None,
                },
            )

        events.append(dispatch(td, tech, None, "滚动派单"))
        if rng.random() < REASSIGN_SHARE:
            other = self.pick_technician(
                package, product, evening, exclude=tech["code"]
            )
            if other is not None:
                td = td + _minutes(rng.uniform(8, 40))
                events.append(
                    dispatch(
                        td, other, tech["code"], "提前升级：原工程师无法按时上门，改派"
                    )
                )
                tech = other

        ta = td + _minutes(rng.uniform(1, 20))
        if rng.random() < FIRST_RESPONSE_OK:
            tc = td + _minutes(rng.uniform(4, 29))
        else:
            tc = td + _minutes(rng.uniform(31, 140))
        tc = max(tc, ta + _minutes(rng.uniform(1, 5)))

        same_day_now = intake.is_same_day and deadline.date() == t0.date()
        if kind == "repair":
            if tc.hour < 18:
                start = _round_to(tc + _minutes(rng.uniform(20, 120)), 10)
            else:
                start = _at(
                    tc.date() + timedelta(days=1),
                    8,
                    30 + rng.choice((0, 30, 60, 90, 120)),
                )
            end = start + timedelta(
                hours=1 if order["customer"]["level"] != "ordinary" else 2
            )
        elif same_day_now or (tc.hour < 14 and rng.random() < 0.3):
            start = _round_to(tc + _minutes(rng.uniform(40, 180)), 30)
            if start.hour >= 19:
                start = _round_to(tc + _minutes(30), 10)
            end = start + timedelta(hours=2)
        else:
            offset = rng.choice((1, 1, 1, 2, 2))
            start = _at(tc.date() + timedelta(days=offset), rng.choice((9, 11, 14, 16)))
            end = start + timedelta(hours=2)
        start = max(start, tc + _minutes(15))
        end = max(end, start + timedelta(hours=1))
        if intake.follows_appointment:
            deadline = end
        arrive = max(start + _minutes(rng.uniform(-20, 30)), tc + _minutes(10))
        work = (20, 120) if kind == "repair" else (50, 180)
        done = arrive + _minutes(rng.uniform(*work))

        cause = evidence = ""
        storm = self.storm_day is not None and t0.date() == self.storm_day
        p_late = (
            0.25
            if storm and kind == "repair"
            else (0.04 if intake.is_same_day else 0.03)
        )
        if rng.random() < p_late:
            done = max(
                done,
                _working(deadline + _minutes(rng.uniform(20, 20 * 60)), rng, 8, 21),
            )
            cause, evidence = self.late_cause(t0)
            if cause == "installer" and done - arrive > timedelta(hours=4):
                arrive = max(done - _minutes(rng.uniform(40, 150)), tc + _minutes(10))
        elif done > deadline:
            if arrive + _minutes(20) < deadline:
                done = arrive + _minutes(
                    rng.uniform(15, (deadline - arrive).total_seconds() / 60 - 2)
                )
            else:
                cause, evidence = self.late_cause(t0)
        if done <= deadline:
            cause = evidence = ""

        contact_fields = {
            "appointment_start": start,
            "appointment_end": end,
            "first_contact_at": tc,
        }
        if intake.follows_appointment:
            contact_fields["deadline"] = end
        note = rng.choice(ONSITE_NOTES[kind])
        events += [
            self.event(
                ta, "status", tech, rules.DISPATCHED, rules.ACCEPTED, "接单", {}, {}
            ),
            self.event(
                tc,
                "status",
                tech,
                rules.ACCEPTED,
                rules.APPOINTED,
                "首次联系并预约",
                {
                    "appointment_start": start.isoformat(),
                    "appointment_end": end.isoformat(),
                },
                contact_fields,
            ),
            self.event(
                arrive,
                "status",
                tech,
                rules.APPOINTED,
                rules.ON_SITE,
                "上门",
                {},
                {"arrived_at": arrive},
            ),
            self.event(
                done,
                "status",
                tech,
                rules.ON_SITE,
                rules.COMPLETED,
                note,
                {
                    "resolution": "onsite",
                    "delay_cause": cause or None,
                    "evidence": evidence,
                },
                {
                    "completed_at": done,
                    "resolution": "onsite",
                    "delay_cause": cause,
                    "completion_evidence": evidence,
                    "completion_note": note,
                },
            ),
        ]
        # strictly increasing times, whatever the draws did
        for prev, ev in zip(events, events[1:], strict=False):
            if ev["at"] <= prev["at"]:
                ev["at"] = prev["at"] + _minutes(1)
                for key in ("arrived_at", "completed_at", "first_contact_at"):
                    if key in ev["_fields"]:
                        ev["_fields"][key] = ev["at"]

        if rng.random() < CANCEL_SHARE[kind]:
            arrive_at = events[-2]["at"]
            last = max(t0 + _minutes(20), arrive_at - _minutes(10))
            tx = t0 + _minutes(rng.uniform(10, (last - t0).total_seconds() / 60))
            tx = min(tx, t0 + timedelta(hours=48))
            kept = [e for e in events if e["at"] < tx]
            src = kept[-1]["to_status"] if kept else rules.PENDING
            reason = rng.choice(CANCEL_REASONS[kind])
            kept.append(
                self.event(
                    tx,
                    "status",
                    None,
                    src,
                    rules.CANCELLED,
                    reason,
                    {},
                    {"cancelled_at": tx, "cancel_reason": reason},
                )
            )
            events = kept
        return events

    # --- the whole period ------------------------------------------------------------

    def run(self) -> list[dict]:
        seqs: dict[tuple[str, date], int] = {}
        orders = []
        for t0, kind, package_code in self.arrivals():
            key = (kind, t0.date())
            seqs[key] = seqs.get(key, 0) + 1
            orders.append(self.order(t0, kind, package_code, seqs[key]))
        orders = [o for o in orders if o["accepted_at"] <= self.now]
        for o in orders:
            self.settle(o, [e for e in o["_plan"] if e["at"] <= self.now])
        self.respect_capacity(orders)
        for o in orders:
            del o["_plan"], o["_initial"]
        return orders

    @staticmethod
    def settle(order: dict, events: list[dict]) -> None:
        """Apply the events that have happened: the order's state at ``now``."""
        state = dict(order["_initial"])
        for e in events:
            state.update(e["_fields"])
            if e["to_status"]:
                state["status"] = e["to_status"]
        order.update(state)
        order["events"] = [
            {k: v for k, v in e.items() if k != "_fields"} for e in events
        ]

    def respect_capacity(self, orders: list[dict]) -> None:
        """Nobody holds more open orders than their cap: the excess is still queued."""
        held: dict[str, list[dict]] = {}
        for o in orders:
            if o["status"] in rules.ASSIGNED_STATES:
                held.setdefault(o["technician"], []).append(o)
        for code in sorted(held):
            cap = self.techs[code]["max_open_orders"]
            mine = sorted(
                held[code],
                key=lambda o: (o["status"] != rules.ON_SITE, o["dispatched_at"]),
            )
            for o in mine[cap:]:
                self.settle(o, o["_plan"][:1])


def default_now(today: date) -> datetime:
    return datetime.combine(today, DEFAULT_AT, tzinfo=LOCAL_TZ)


def generate(
    seed: int,
    days: int,
    scale: float,
    today: date,
    org_snapshot: dict,
    now: datetime | None = None,
) -> list[dict]:
    """Plan the demo orders: plain dicts, deterministic, no database, no clock.

    Each order dict carries its customer (dict with a ``key``; repeat
    customers share it), codes for package area / group / district /
    technician, every timestamp as an aware local datetime, and its
    ``events`` (timeline) in order. Nothing is later than ``now``
    (default: ``today`` at 18:00).
    """
    now = now or default_now(today)
    return _Planner(seed, days, scale, today, org_snapshot, now).run()


# --- writing ---------------------------------------------------------------------------

ORDER_FIELDS = (
    "number crm_order_id source kind product status address lat lng description "
    "same_day_requested is_same_day deadline_basis deadline_follows_appointment "
    "accepted_at deadline dispatched_at first_response_due first_contact_at "
    "appointment_start appointment_end arrived_at completed_at cancelled_at "
    "is_repeat_fault resolution delay_cause completion_evidence completion_note "
    "cancel_reason"
).split()


def _batches(items, size=BATCH):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def demo_orders_exist() -> int:
    return WorkOrder.objects.filter(
        Q(crm_order_id__startswith="DEMO-") | Q(number__regex=NUMBER_RE)
    ).count()


def write_orders(orders: list[dict]) -> dict[str, int]:
    """Insert customers, orders and events with ``bulk_create``."""
    packages = dict(PackageArea.objects.values_list("code", "id"))
    groups = dict(PackageArea.objects.values_list("group__code", "group_id"))
    districts = dict(District.objects.values_list("code", "id"))
    techs = {
        code: (pk, user_id)
        for code, pk, user_id in Technician.objects.values_list("code", "id", "user_id")
    }
    users = dict(
        get_user_model()
        .objects.filter(username__in=["crm", "agent"])
        .values_list("username", "id")
    )

    customers: dict[int, dict] = {}
    for o in orders:
        customers.setdefault(o["customer"]["key"], o["customer"])
    customer_rows = [
        Customer(
            name=c["name"],
            phone=c["phone"],
            account=c["account"],
            level=c["level"],
            segment=c["segment"],
            address=c["address"],
            package_area_id=packages[c["package_area"]],
        )
        for c in customers.values()
    ]
    for chunk in _batches(customer_rows):
        Customer.objects.bulk_create(chunk)
    customer_ids = {
        key: row.pk for key, row in zip(customers, customer_rows, strict=True)
    }

    sla_policy = service_policy().sla
    order_rows = []
    for o in orders:
        row = WorkOrder(
            **{f: o[f] for f in ORDER_FIELDS},
            customer_id=customer_ids[o["customer"]["key"]],
            package_area_id=packages[o["package_area"]],
            group_id=groups[o["group"]],
            district_id=districts[o["district"]],
            technician_id=techs[o["technician"]][0] if o["technician"] else None,
            created_by_id=users.get(o["created_by"]),
        )
        # The SLA clock (issue 4): what is already due, the next scan processes.
        row.sla_deadline = row.deadline
        row.commitment_deadline = row.deadline
        row.sla_next_check_at = rules.sla_next_check(row.sla_state(), sla_policy)
        order_rows.append(row)
    for chunk in _batches(order_rows):
        WorkOrder.objects.bulk_create(chunk)
        ids = [r.pk for r in chunk]
        # auto_now(_add) stamped the wall clock: use the order's own times
        WorkOrder.objects.filter(pk__in=ids).update(
            created_at=F("accepted_at"),
            updated_at=Coalesce(
                "cancelled_at",
                "completed_at",
                "arrived_at",
                "first_contact_at",
                "dispatched_at",
                "accepted_at",
            ),
        )
    first_order = (
        WorkOrder.objects.filter(customer=OuterRef("pk"))
        .order_by("accepted_at")
        .values("accepted_at")[:1]
    )
    for chunk in _batches(customer_rows):
        Customer.objects.filter(pk__in=[c.pk for c in chunk]).update(
            created_at=Subquery(first_order)
        )

    event_rows = []
    n_events = 0
    for o, row in zip(orders, order_rows, strict=True):
        for e in o["events"]:
            actor = techs.get(e["actor"]) if e["actor"] else None
            event_rows.append(
                WorkOrderEvent(
                    order_id=row.pk,
                    at=e["at"],
                    kind=e["kind"],
                    actor_id=actor[1] if actor else None,
                    actor_name=e["actor_name"],
                    from_status=e["from_status"],
                    to_status=e["to_status"],
                    reason=e["reason"],
                    data=e["data"],
                )
            )
        if len(event_rows) >= BATCH:
            WorkOrderEvent.objects.bulk_create(event_rows)
            n_events += len(event_rows)
            event_rows = []
    if event_rows:
        WorkOrderEvent.objects.bulk_create(event_rows)
        n_events += len(event_rows)
    return {
        "customers": len(customer_rows),
        "orders": len(order_rows),
        "events": n_events,
    }


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


def reference_now(today: date, at: time | None, real_now: datetime) -> datetime:
    """The demo's "now": ``--at``; else the clock on the real today; else 18:00."""
    if at is not None:
        return datetime.combine(today, at, tzinfo=LOCAL_TZ)
    if today == real_now.date():
        return real_now.replace(second=0, microsecond=0)
    return default_now(today)


class Command(BaseCommand):
    help = "Build a deterministic demo city: organisation, users, customers, orders."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--days", type=int, default=30, help="days of history (default 30)"
        )
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="order volume factor; 1.0 ≈ 6,800 install/move and 16,800 repair orders per 30 days",
        )
        parser.add_argument(
            "--today",
            type=date.fromisoformat,
            default=None,
            help="last day of the history, YYYY-MM-DD (default: the local date)",
        )
        parser.add_argument(
            "--at",
            type=time.fromisoformat,
            default=None,
            help="reference time on --today, HH:MM (default: now on the real today, else 18:00)",
        )

    def handle(self, *args, seed, days, scale, today, at, **options):
        if days < 1:
            raise CommandError("--days must be at least 1")
        if scale < 0:
            raise CommandError("--scale must not be negative")
        started = _time.monotonic()
        real_now = timezone.now().astimezone(LOCAL_TZ)
        today = today or real_now.date()
        now = reference_now(today, at, real_now)
        if now > real_now:
            self.stderr.write(
                f"warning: the reference time {now:%Y-%m-%d %H:%M} is later than the clock"
            )

        org = build_org(seed)
        counts = org_import(org)
        created = sum(counts.created.values())
        updated = sum(counts.updated.values())
        self.stdout.write(
            f"组织 organisation: {len(org['districts'])} 区局, {len(org['areas'])} 片区, "
            f"{len(org['groups'])} 区域组, {len(org['package_areas'])} 小包区, "
            f"{len(org['technicians'])} 装维人员 (created {created}, updated {updated})"
        )
        with transaction.atomic():
            logins = upsert_users(org)
        self.stdout.write(f"用户 users: {', '.join(logins)} (password {PASSWORD})")

        existing = demo_orders_exist()
        if existing:
            self.stdout.write(
                f"已有演示工单 {existing} 条，跳过工单生成 "
                "(demo orders already present: order generation skipped)"
            )
        else:
            snapshot = org_snapshot(org)
            orders = generate(seed, days, scale, today, snapshot, now=now)
            planned = _time.monotonic()
            with transaction.atomic():
                written = write_orders(orders)
            self.stdout.write(
                f"工单 orders: {written['orders']} ({self._breakdown()}), "
                f"客户 customers: {written['customers']}, 事件 events: {written['events']}; "
                f"as of {now:%Y-%m-%d %H:%M}, seed {seed}, {days} days, scale {scale} "
                f"(planned in {planned - started:.1f}s)"
            )
            # 慢必赔 for the late same-day orders; those older than 3 days are
            # audited and paid, so the monthly paid list has content.
            settle = (now - timedelta(days=3)).date().isoformat()
            call_command(
                "compensation_backfill", "--settle-before", settle, stdout=self.stdout
            )
        call_command("seed_faults", "--now", now.isoformat(), stdout=self.stdout)
        self.stdout.write(f"完成 done in {_time.monotonic() - started:.1f}s\n")
        call_command("demo_logins", stdout=self.stdout)

    @staticmethod
    def _breakdown() -> str:
        demo = WorkOrder.objects.filter(number__regex=NUMBER_RE)
        kinds = dict(demo.values_list("kind").annotate(n=Count("id")).order_by())
        statuses = dict(demo.values_list("status").annotate(n=Count("id")).order_by())
        return ", ".join(
            [f"{k} {kinds.get(k, 0)}" for k in ("install", "move", "repair")]
            + [f"{s} {n}" for s, n in sorted(statuses.items())]
        )
