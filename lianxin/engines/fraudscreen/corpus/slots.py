"""Slot pools and the small template language used by the corpus generator.

Template language: ``{a|b|c}`` picks one alternative (may nest, may be empty), ``<slot>``
is replaced by a value drawn from SLOT_POOLS or a SLOT_MAKERS function. Every draw uses
the ``random.Random`` passed in, so a fixed seed reproduces the corpus exactly.
"""

from __future__ import annotations

import random
import re

SLOT_POOLS: dict[str, list[str]] = {
    "name": [
        "王",
        "李",
        "张",
        "刘",
        "陈",
        "杨",
        "赵",
        "黄",
        "周",
        "吴",
        "徐",
        "孙",
        "马",
        "朱",
        "胡",
        "郭",
        "何",
        "林",
        "罗",
        "高",
    ],
    "given": [
        "伟",
        "芳",
        "娜",
        "敏",
        "静",
        "丽",
        "强",
        "磊",
        "军",
        "洋",
        "勇",
        "艳",
        "杰",
        "娟",
        "涛",
        "明",
        "超",
        "秀英",
        "霞",
        "平",
        "建华",
        "小红",
        "子涵",
        "浩然",
    ],
    "bank": [
        "工商银行",
        "建设银行",
        "农业银行",
        "中国银行",
        "交通银行",
        "招商银行",
        "邮储银行",
        "浦发银行",
        "兴业银行",
        "民生银行",
        "中信银行",
        "农商银行",
    ],
    "pay": ["支付宝", "微信支付", "云闪付", "京东支付", "抖音支付"],
    "shop": ["淘宝", "京东", "拼多多", "抖音商城", "快手小店", "唯品会", "天猫", "闲鱼"],
    "courier": ["顺丰", "中通", "圆通", "韵达", "申通", "京东物流", "邮政EMS", "极兔"],
    "airline": ["东方航空", "南方航空", "国航", "海南航空", "四川航空", "厦门航空", "春秋航空"],
    "city": [
        "北京",
        "上海",
        "广州",
        "深圳",
        "成都",
        "昆明",
        "南宁",
        "重庆",
        "西安",
        "武汉",
        "杭州",
        "长沙",
        "哈尔滨",
        "乌鲁木齐",
    ],
    "app": [
        "云聚宝",
        "恒信通",
        "金牛汇",
        "聚财宝",
        "鑫盛达",
        "优品汇",
        "星链通",
        "宏图在线",
        "汇丰盈",
        "华泰优选",
        "易盈宝",
        "德盛金服",
    ],
    "product": [
        "连衣裙",
        "运动鞋",
        "蓝牙耳机",
        "电饭煲",
        "儿童玩具",
        "护肤套装",
        "羽绒服",
        "手机壳",
        "保温杯",
        "扫地机器人",
    ],
    "game": ["王者荣耀", "和平精英", "原神", "梦幻西游", "英雄联盟", "逆水寒", "蛋仔派对", "穿越火线", "第五人格"],
    "school": ["实验小学", "第一中学", "育才中学", "阳光幼儿园", "城关小学", "第三中学", "希望小学", "民族中学"],
    "grade": ["一年级", "二年级", "三年级", "四年级", "五年级", "六年级", "初一", "初二", "高一"],
    "leader_title": ["王总", "李总", "张局", "刘书记", "陈主任", "赵经理", "周董", "黄处长", "孙校长"],
    "relative": ["儿子", "女儿", "孙子", "外孙", "侄子", "老公", "老婆", "弟弟", "表哥"],
    "agency": [
        "公安局",
        "检察院",
        "法院",
        "市公安局刑侦支队",
        "经侦大队",
        "最高人民检察院",
        "国家安全局",
        "医保局",
        "市场监管局",
    ],
    "crime": ["洗钱", "非法集资", "贩毒资金往来", "电信诈骗案", "跨境赌博资金", "非法出售银行卡", "医保卡违规套现"],
    "meet_app": ["探探", "陌陌", "Soul", "世纪佳缘", "珍爱网", "百合网", "微博", "抖音"],
    "job": ["海关工作人员", "军人", "外企高管", "医生", "退伍老兵", "工程师", "金融分析师", "海外维和军医"],
    "health": ["降糖仪", "量子床垫", "灵芝孢子粉", "深海鱼油", "磁疗手环", "特效降压药", "纳豆激酶", "老年保健胶囊"],
    "gift": ["中秋月饼礼盒", "茶叶礼盒", "端午粽子礼盒", "年货大礼包", "白酒礼盒", "坚果礼盒"],
    "military": ["部队", "武警中队", "消防救援大队", "某部后勤处", "军区招待所", "边防连"],
    "supply": ["矿泉水", "大米", "被褥", "猪肉", "蔬菜", "劳保手套", "应急灯", "食用油"],
    "loan_app": ["极速贷", "安心借", "秒批贷", "诚信金融", "惠民贷", "借呗专享", "微粒花"],
    "campus_loan": ["校园贷", "学生分期", "分期乐账户", "名校贷"],
    "casino": ["澳门威尼斯人", "皇冠体育", "金沙娱乐", "百家乐平台", "赛车pk10", "腾博会"],
    "unit": ["街道办", "社区居委会", "物业服务中心", "区卫健委", "市医保中心", "社保中心"],
    "operator": ["中国移动", "中国联通", "中国电信"],
    "teacher_subject": ["语文", "数学", "英语", "班主任"],
    "emoji": ["😊", "👍", "🔥", "💰", "🎁", "❤️", "✨", "🙏", "😀", "‼️", "👉", "📢"],
}

_PHONE_PREFIXES = [
    "130",
    "131",
    "132",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "155",
    "157",
    "158",
    "159",
    "166",
    "170",
    "171",
    "177",
    "180",
    "181",
    "185",
    "186",
    "187",
    "188",
    "189",
    "191",
    "193",
    "198",
    "199",
]
_TLDS = ["com", "cn", "top", "xyz", "vip", "cc", "net", "shop", "icu", "club", "com.cn"]
_DOMAIN_WORDS = [
    "safe",
    "pay",
    "kefu",
    "refund",
    "gov",
    "union",
    "bank",
    "vip",
    "fuli",
    "help",
    "sc",
    "jz",
    "ccb",
    "icbc",
    "fly",
    "air",
    "tk",
    "mall",
    "credit",
    "zx",
    "edu",
    "yun",
    "app",
    "cash",
]


def _phone(rng: random.Random) -> str:
    number = rng.choice(_PHONE_PREFIXES) + "".join(rng.choice("0123456789") for _ in range(8))
    style = rng.random()
    if style < 0.2:
        return f"{number[:3]}-{number[3:7]}-{number[7:]}"
    if style < 0.3:
        return f"{number[:3]} {number[3:7]} {number[7:]}"
    return number


def _landline(rng: random.Random) -> str:
    area = rng.choice(["010", "021", "020", "0755", "028", "0871", "023", "0991", "0771"])
    return f"{area}-{rng.randint(2000000, 89999999)}"


def _service_line(rng: random.Random) -> str:
    return (
        rng.choice(["400-", "400"]) + f"{rng.randint(100, 999)}-{rng.randint(1000, 9999)}"
        if rng.random() < 0.5
        else f"95{rng.randint(100, 599)}"
    )


def _url(rng: random.Random) -> str:
    host = (
        rng.choice(_DOMAIN_WORDS)
        + rng.choice(["", "-", ""])
        + rng.choice(_DOMAIN_WORDS)
        + (str(rng.randint(1, 999)) if rng.random() < 0.5 else "")
    )
    url = f"{host}.{rng.choice(_TLDS)}"
    if rng.random() < 0.6:
        url = rng.choice(["http://", "https://", "www."]) + url
    if rng.random() < 0.4:
        url += "/" + "".join(rng.choice("abcdefghjkmnpqrstuvwxyz23456789") for _ in range(rng.randint(3, 6)))
    return url


def _short_url(rng: random.Random) -> str:
    return rng.choice(["t.cn/", "dwz.cn/", "url.cn/", "s.tb.cn/", "u.jd.com/"]) + "".join(
        rng.choice("ABCDEFGHJKabcdefghjk23456789") for _ in range(6)
    )


def _card(rng: random.Random) -> str:
    digits = rng.choice(["6222", "6217", "6228", "6230", "6214", "6225", "6212"]) + "".join(
        rng.choice("0123456789") for _ in range(rng.choice([12, 15]))
    )
    if rng.random() < 0.3:
        return " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))
    return digits


def _card_tail(rng: random.Random) -> str:
    return "".join(rng.choice("0123456789") for _ in range(4))


def _qq(rng: random.Random) -> str:
    return str(rng.randint(10000, 3999999999))


def _wx(rng: random.Random) -> str:
    head = rng.choice(["wxid_", "", "", "vip", "kf", "zz", "ls", "a", "xx"])
    body = "".join(rng.choice("abcdefghijkmnpqrstuvwxyz0123456789") for _ in range(rng.randint(5, 9)))
    wx = head + body
    return wx if wx[0].isalpha() else "a" + wx


_CN_DIGITS = "零一二三四五六七八九"


def _amount(rng: random.Random) -> str:
    value = rng.choice(
        [
            rng.randint(1, 99) * 100,
            rng.randint(1, 50) * 1000,
            rng.randint(2, 30) * 10000,
            rng.randint(10, 999),
            rng.choice([88, 168, 199, 299, 498, 999, 1980, 3880, 6800, 12800, 49000, 86000]),
        ]
    )
    style = rng.random()
    if style < 0.45:
        return f"{value}元"
    if style < 0.6:
        return f"¥{value}"
    if style < 0.7 and value >= 10000 and value % 1000 == 0:
        return f"{value / 10000:g}万元"
    if style < 0.8 and value >= 10000 and value % 10000 == 0:
        return f"{value // 10000}万"
    if style < 0.88 and value < 10**4 and value % 1000 == 0:
        return _CN_DIGITS[value // 1000] + "千元"
    if style < 0.95:
        return f"{value:,}元"
    return f"{value}块"


def _small_amount(rng: random.Random) -> str:
    value = rng.choice(
        [rng.randint(1, 9) * 10, rng.randint(1, 20) * 50, rng.choice([9.9, 19.9, 30, 58, 68, 88, 100, 200, 500])]
    )
    return f"{value:g}元" if rng.random() < 0.7 else f"{value:g}块"


def _code(rng: random.Random) -> str:
    return "".join(rng.choice("0123456789") for _ in range(6))


def _percent(rng: random.Random) -> str:
    return rng.choice(["5%", "8%", "10%", "15%", "20%", "30%", "百分之十", "百分之二十", "3个点", "5个点"])


def _person(rng: random.Random) -> str:
    return rng.choice(SLOT_POOLS["name"]) + rng.choice(SLOT_POOLS["given"])


def _date(rng: random.Random) -> str:
    return f"{rng.randint(1, 12)}月{rng.randint(1, 28)}日"


def _time(rng: random.Random) -> str:
    return f"{rng.randint(7, 21)}:{rng.choice(['00', '15', '30', '45'])}"


def _flight(rng: random.Random) -> str:
    return rng.choice(["MU", "CZ", "CA", "HU", "3U", "MF", "9C"]) + str(rng.randint(1000, 9999))


def _order(rng: random.Random) -> str:
    return "".join(rng.choice("0123456789") for _ in range(rng.randint(10, 16)))


def _count(rng: random.Random) -> str:
    return str(rng.choice([2, 3, 5, 8, 10, 20, 30, 50, 100, 200]))


SLOT_MAKERS = {
    "phone": _phone,
    "landline": _landline,
    "hotline": _service_line,
    "url": _url,
    "shorturl": _short_url,
    "card": _card,
    "tail": _card_tail,
    "qq": _qq,
    "wx": _wx,
    "amt": _amount,
    "small": _small_amount,
    "code": _code,
    "pct": _percent,
    "person": _person,
    "date": _date,
    "time": _time,
    "flight": _flight,
    "order": _order,
    "n": _count,
}

_ALTERNATION = re.compile(r"\{([^{}]*)\}")
_SLOT = re.compile(r"<([a-z_]+)>")


def expand(template: str, rng: random.Random) -> str:
    """Expand one template: resolve innermost alternations first, then fill slots."""
    text = template
    while True:
        new = _ALTERNATION.sub(lambda m: rng.choice(m.group(1).split("|")), text, count=1)
        if new == text:
            break
        text = new

    def fill(match: re.Match) -> str:
        slot = match.group(1)
        if slot in SLOT_MAKERS:
            return SLOT_MAKERS[slot](rng)
        return rng.choice(SLOT_POOLS[slot])

    return _SLOT.sub(fill, text)
