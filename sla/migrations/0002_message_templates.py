"""The wording of the SLA control's staff notices, editable in the admin."""

from django.db import migrations

TEMPLATES = {
    "sla_warning": (
        "【超时预警】工单{number}（{kind}·{product}）{point}，内部时限{deadline}，请尽快处理。",
        "超时预警（工程师、调度员）",
    ),
    "sla_first_response": (
        "【首次响应超时】工单{number}派单后{minutes}分钟内未联系客户（工程师{technician}），请督促。",
        "30分钟首次响应超时（调度员）",
    ),
    "sla_escalation": (
        "【{level}级升级】工单{number}（{kind}·{product}）：{reason}。内部时限{deadline}，当前状态{status}。",
        "超时升级/重障升级/催单升级（各级升级对象）",
    ),
    "sla_urge": ("【催单】工单{number}客户第{count}次催单。{note}", "催单（工程师、调度员）"),
    "approval_requested": (
        "【待审核】工单{number}申请{kind}，原因：{reason}。{note}",
        "挂起/改约待审核（审核人）",
    ),
    "approval_decided": (
        "【审核结果】工单{number}的{kind}申请{result}。{note}",
        "挂起/改约审核结果（申请人）",
    ),
}


def create_templates(apps, schema_editor):
    MessageTemplate = apps.get_model("notifications", "MessageTemplate")
    for topic, (text, description) in TEMPLATES.items():
        MessageTemplate.objects.get_or_create(
            topic=topic,
            defaults={"channel": "staff", "text": text, "description": description},
        )


class Migration(migrations.Migration):
    dependencies = [
        ("sla", "0001_sla_control"),
        ("notifications", "0001_outbox"),
    ]
    operations = [migrations.RunPython(create_templates, migrations.RunPython.noop)]
