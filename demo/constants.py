"""The demo city's fixed data: users, districts and areas, names, shares."""

from __future__ import annotations

from datetime import time

from dispatch_center.roles import Role

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
    (
        "dept_network",
        Role.DEPARTMENT_HANDLER,
        "钱伟",
        "责任部门处理人（海州区局网络维护中心）：只看派给本部门的投诉，答复用户并返单",
    ),
]
#: The demo department handler's department (派给责任部门 with this name).
DEMO_DEPARTMENT = "网络维护中心"
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
