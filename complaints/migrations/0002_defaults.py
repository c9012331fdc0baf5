"""Defaults: the time-limit policy (seed 001), the 16 sub-items of the three
quality networks, and the wording of the staff notices. Idempotent: rows an
admin already has are left as they are."""

from django.db import migrations

# (code, name, quality network); codes are stable — reports and the API use them.
SUB_CATEGORIES = [
    ("network_fault", "网络故障/断网", "product_quality"),
    ("slow_unstable", "网速慢/掉线", "product_quality"),
    ("itv_quality", "iTV收视质量", "product_quality"),
    ("voice_quality", "固话通话质量", "product_quality"),
    ("no_resource", "无资源/覆盖不足", "product_quality"),
    ("repeat_fault", "重复故障", "product_quality"),
    ("tariff_dispute", "资费争议", "marketing_channel"),
    ("billing_error", "计费/账单差错", "marketing_channel"),
    ("misleading_sales", "营销宣传不实", "marketing_channel"),
    ("business_hall", "营业厅服务", "marketing_channel"),
    ("agent_violation", "代理商违规", "marketing_channel"),
    ("install_delay", "装机超时", "service_support"),
    ("repair_delay", "修障超时", "service_support"),
    ("missed_appointment", "预约未上门/爽约", "service_support"),
    ("technician_conduct", "装维人员服务态度", "service_support"),
    ("hotline_service", "10000号服务/处理不及时", "service_support"),
]

TEMPLATES = {
    "complaint_routed": (
        "【升级投诉】{channel}投诉{number}（{category}·{sub_category}）{flags}，已转管理层复核。客户{customer_name} {phone}。",
        "重复/越级/媒体/96133投诉转管理层（管理层）",
    ),
    "complaint_step": (
        "【投诉待处理】投诉{number}（{sub_category}）已到“{step}”环节，请于{due}前处理。{note}",
        "投诉流转到新环节（环节责任人）",
    ),
    "complaint_overdue": (
        "【投诉超时】投诉{number}“{step}”环节已超过时限{due}，请立即处理。",
        "投诉环节超时提醒（环节责任人）",
    ),
    "complaint_escalation": (
        "【投诉{level}级升级】投诉{number}“{step}”环节超过时限{due}未处理，责任单位：{owner}。",
        "投诉环节超时升级（质量监察/管理层）",
    ),
    "complaint_supervise": (
        "【督办】投诉{number}当前环节“{step}”（时限{due}）：{note}",
        "投诉督办（环节责任人、质量监察）",
    ),
    "penalty_published": (
        "【处罚公布】投诉{number}认定为人为原因：处罚{target}{amount}元，{reason}{late}",
        "处罚单公布（管理层）",
    ),
    "penalty_report_late": (
        "【处罚上报逾期】投诉{number}的处罚单（{target}{amount}元）未在{due}前公布上报，请尽快处理。",
        "处罚单一周内未上报（管理层）",
    ),
}


def create_defaults(apps, schema_editor):
    ComplaintPolicy = apps.get_model("complaints", "ComplaintPolicy")
    if not ComplaintPolicy.objects.exists():
        ComplaintPolicy.objects.create()  # the field defaults are seed 001's limits
    SubCategory = apps.get_model("complaints", "ComplaintSubCategory")
    for order, (code, name, category) in enumerate(SUB_CATEGORIES, start=1):
        SubCategory.objects.get_or_create(
            code=code,
            defaults={"name": name, "category": category, "sort_order": order},
        )
    MessageTemplate = apps.get_model("notifications", "MessageTemplate")
    for topic, (text, description) in TEMPLATES.items():
        MessageTemplate.objects.get_or_create(
            topic=topic,
            defaults={"channel": "staff", "text": text, "description": description},
        )


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0001_initial"),
        ("notifications", "0001_outbox"),
    ]
    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
