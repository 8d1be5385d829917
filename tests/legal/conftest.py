"""A toy statute index (a handful of real article texts) so the legal tests need no shared data."""

from __future__ import annotations

import pytest

TOY_ARTICLES = [
    {
        "id": "civil-1165",
        "law": "中华人民共和国民法典",
        "article": "第一千一百六十五条",
        "text": "行为人因过错侵害他人民事权益造成损害的，应当承担侵权责任。依照法律规定推定行为人有过错，"
        "其不能证明自己没有过错的，应当承担侵权责任。",
    },
    {
        "id": "noise-65",
        "law": "中华人民共和国噪声污染防治法",
        "article": "第六十五条",
        "text": "家庭及其成员应当培养形成减少噪声产生的良好习惯，乘坐公共交通工具、饲养宠物和其他日常活动尽量避免"
        "产生噪声对周围人员造成干扰，互谅互让解决噪声纠纷，共同维护声环境质量。",
    },
    {
        "id": "noise-64",
        "law": "中华人民共和国噪声污染防治法",
        "article": "第六十四条",
        "text": "禁止在噪声敏感建筑物集中区域使用高音广播喇叭，但紧急情况以及地方人民政府规定的特殊情形除外。"
        "在街道、广场、公园等公共场所组织或者开展娱乐、健身等活动，应当遵守公共场所管理者有关活动区域、"
        "时段、音量等规定，采取有效措施，防止噪声污染；不得违反规定使用音响器材产生过大音量。",
    },
    {
        "id": "labour-30",
        "law": "中华人民共和国劳动合同法",
        "article": "第三十条",
        "text": "用人单位应当按照劳动合同约定和国家规定，向劳动者及时足额支付劳动报酬。用人单位拖欠或者未足额支付"
        "劳动报酬的，劳动者可以依法向当地人民法院申请支付令，人民法院应当依法发出支付令。",
    },
    {
        "id": "lease-722",
        "law": "中华人民共和国民法典",
        "article": "第七百二十二条",
        "text": "承租人无正当理由未支付或者迟延支付租金的，出租人可以请求承租人在合理期限内支付；承租人逾期不支付的，"
        "出租人可以解除合同。",
    },
]


@pytest.fixture(scope="session")
def toy_law_index():
    from lianxin.engines.lawsearch import LawIndex

    return LawIndex.build(TOY_ARTICLES, reranker=None, word_vectors=None)


@pytest.fixture
def law_index(toy_law_index):
    """Make the toy index the process's statute index for one test."""
    from lianxin.legal import adapters

    adapters.use_index(toy_law_index)
    yield toy_law_index
    adapters.use_index(None)


@pytest.fixture
def legal_world(world):
    """The world with a lawyer and the legal consultation category."""
    from lianxin.cases.models import Category
    from lianxin.core.models import Role, User
    from tests.conftest import DEMO_PASSWORD

    lawyer = User(username="a_lawyer", station=world.station, role=Role.LAWYER, display_name="吴律师")
    lawyer.set_password(DEMO_PASSWORD)
    lawyer.save()
    world.lawyer = lawyer
    world.cat_legal = Category.objects.create(
        station=world.station, code="legal-consult", name="法律咨询", name_en="Legal consultation", sla_hours=72
    )
    Category.objects.create(station=world.b.station, code="legal-consult", name="法律咨询", sla_hours=72)
    return world
