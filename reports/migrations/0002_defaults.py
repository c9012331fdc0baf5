"""Default settings, the demo targets from the seed documents, message wording."""

from decimal import Decimal

from django.db import migrations

# (metric, direction, value, source). Seed 000 gives the figures of a real
# city (一季度完成值); seed 003 the provincial targets.
TARGETS = [
    ("repair_on_time_rate_broadband", "min", "0.9699", "seed 000: 宽带障碍修复及时率 96.99%"),
    ("repair_on_time_rate_fixed_phone", "min", "0.9389", "seed 000: 固话障碍修复及时率 93.89%"),
    ("repeat_fault_rate_vip", "max", "0.0742", "seed 000: VIP用户重复申告率 7.42%"),
    ("repeat_fault_rate_ordinary", "max", "0.0815", "seed 000: 普通用户重复申告率 8.15%"),
    ("satisfaction_rate", "min", "0.8000", "seed 000: 满意度达到80%以上"),
    ("callback_contact_rate", "min", "0.7308", "seed 000: 联系及时性 一季度 73.08%"),
    ("callback_punctuality_rate", "min", "0.7016", "seed 000: 履约及时性 一季度 70.16%"),
    ("callback_skill_rate", "min", "0.7248", "seed 000: 上门技术水平 一季度 72.48%"),
    ("callback_attitude_rate", "min", "0.7603", "seed 000: 上门服务态度 一季度 76.03%"),
    ("remote_resolution_rate", "min", "0.7500", "seed 003: 宽带预处理率达到75%"),
    ("install_kept_rate", "min", "0.9500", "seed 003: 预约履约率达95%以上"),
]

TEMPLATES = {
    "reports_warning": (
        "【质量预警】{period}{scope}{metric}为{value}，{direction}目标{target}"
        "（样本{sample}）。请分析原因并提出改善措施。",
        "质量分析发布预警（负责的质量管控经理）",
    ),
    "reports_ready": (
        "【质量{kind}】{scope}{period}质量分析已生成：受理{received}单，竣工{completed}单，"
        "障碍修复及时率{repair_on_time}，投诉{complaints}件，慢必赔{compensation}元。"
        "请到“定时报表”下载。",
        "定时质量报表已生成（质量管控经理）",
    ),
}


def create_defaults(apps, schema_editor):
    ReportPolicy = apps.get_model("reports", "ReportPolicy")
    MetricTarget = apps.get_model("reports", "MetricTarget")
    MessageTemplate = apps.get_model("notifications", "MessageTemplate")
    if not ReportPolicy.objects.exists():
        ReportPolicy.objects.create()
    for metric, direction, value, source in TARGETS:
        MetricTarget.objects.get_or_create(
            metric=metric,
            defaults={
                "direction": direction,
                "value": Decimal(value),
                "source": source,
            },
        )
    for topic, (text, description) in TEMPLATES.items():
        MessageTemplate.objects.get_or_create(
            topic=topic,
            defaults={"channel": "staff", "text": text, "description": description},
        )


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_quality_reports"),
        ("notifications", "0001_outbox"),
    ]
    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
