"""Golden cases: one or more fresh messages per typology and per hard-negative kind.

These messages were written for the tests, not drawn from the corpus templates.
"""

import pytest

FRAUD_CASES = [
    ("刷单返利类", None, "宝妈兼职，在家用手机给商品点赞刷单，一单佣金15元，做完返本金，日结，有意加微信zz88321"),
    (
        "刷单返利类",
        None,
        "你前面三单的佣金都返了，现在系统派了联单任务，需要再充值5000元完成3单才能提现，不做完之前的钱都冻结",
    ),
    (
        "冒充电商物流客服类",
        "退款理赔",
        "您好我是淘宝客服，您买的儿童羽绒服检测出甲醛超标，我们给您三倍理赔，请加客服QQ 2938475610办理退款",
    ),
    (
        "冒充电商物流客服类",
        "机票退改签",
        "【东方航空】尊敬的旅客，您预订的明天上海飞昆明的MU5801航班因机械故障取消，请致电13912345678办理改签并领取延误补偿300元",
    ),
    ("虚假网络投资理财类", None, "老师内部消息，这只股票下周必涨停，跟着导师操作稳赚不赔，下载恒信通APP开户入金5万起"),
    (
        "贷款、代办信用卡类",
        None,
        "无抵押无担保，凭身份证即可贷款20万，黑户也能下款，当天放款，先交500元手续费，详询13800001111",
    ),
    (
        "虚假征信类",
        "注销校园贷",
        "您好，我是金融监管局工作人员，系统显示您大学时注册过校园贷账户没有注销，不注销会影响个人征信，需要把额度借出来转到监管账户清空",
    ),
    (
        "虚假征信类",
        "征信修复",
        "专业征信修复，逾期记录内部渠道可以删除，不成功全额退款，先交材料费800元，联系微信xy20231",
    ),
    (
        "虚假购物、服务类",
        "保健品",
        "阿姨您好，我们公司新出的量子降糖仪专治糖尿病，用三个月就能停药，今天下单打五折只要3980元",
    ),
    (
        "虚假购物、服务类",
        "采购礼盒",
        "老板你好，我是城东某单位行政，我们要给员工订200份中秋月饼礼盒，领导还指定要一种茶叶，你先帮忙从我们推荐的厂家垫付进货，到货一起结算",
    ),
    (
        "冒充公检法及政府机关类",
        "安全账户",
        "我是市公安局刑侦支队民警，你的银行卡涉嫌洗钱案件，为证明清白必须把所有存款转入国家安全账户接受核查，不要告诉任何人",
    ),
    (
        "冒充公检法及政府机关类",
        "屏幕共享",
        "为了配合调查，请你下载这个视频会议软件，进入会议室后开启屏幕共享，办案民警需要远程核查你的银行账户",
    ),
    (
        "冒充领导、熟人类",
        "冒充老板转账",
        "小刘，我是王总，我在开会不方便接电话，有个合作方的定金要马上付，你先从公账转38000元到这个账户6222021234567890123，回头补手续",
    ),
    (
        "冒充领导、熟人类",
        "冒充教师/学校采购",
        "各位家长好，我是三年级班主任，本学期教辅资料费每人280元，请扫群里的收款码缴纳，今晚前交齐",
    ),
    (
        "冒充领导、熟人类",
        None,
        "妈，我是你儿子，手机摔坏了这是同学的号，我在学校出了点事急需5000元，先别告诉我爸，直接转到这个卡上",
    ),
    (
        "网络游戏产品虚假交易类",
        None,
        "低价出售王者荣耀满级号，全皮肤只要800元，不走交易平台，私下转账更便宜，加QQ 87654321",
    ),
    (
        "网络婚恋、交友类",
        "杀猪盘",
        "亲爱的，我叔叔是这个博彩平台的技术，发现了一个漏洞稳赚不赔，你也注册一个充一点，我们的婚房就靠它了",
    ),
    (
        "网络婚恋、交友类",
        None,
        "宝贝我已经买好来看你的机票了，可是我的银行卡被冻结了，你先帮我付一下2600元路费，见面就还你",
    ),
    ("网黑案件", None, "你在网赌平台输的钱我们可以帮你追回，专业黑客团队，先付技术费3000元，出款后再按20%提成"),
    (
        "冒充军警购物类",
        None,
        "老板你好，我是武警中队的司务长，部队要采购50箱矿泉水，明天来拉，另外首长要一批特供物资，你先帮我们从合作厂家垫付12000元",
    ),
]

LEGIT_CASES = [
    (
        "银行通知",
        "【工商银行】您尾号6621的储蓄卡11月3日14:20支出人民币1,200.00元，余额8,430.55元。如有疑问请致电95588。",
    ),
    ("银行验证码", "【建设银行】验证码：381920，您正在进行手机银行登录，切勿告诉任何人。任何索要验证码的都是诈骗。"),
    ("支付通知", "微信支付：你于11月2日19:05向美团外卖付款32.50元，交易单号4200001234567890。"),
    ("快递", "【中通快递】您的包裹已到小区菜鸟驿站，取件码8-2-3016，请在晚上9点前取件，有问题联系快递员13611112222。"),
    ("电商", "【京东】您购买的电饭煲已发货，物流单号JD0088776655，可在订单详情中查看物流进度。"),
    (
        "学校通知",
        "各位家长好，本周五下午两点召开期中家长会，请准时到校。学校所有收费都通过统一缴费平台，老师不会在群里发收款码。",
    ),
    ("运营商", "【中国移动】尊敬的客户，截至11月20日您本月已用通用流量12.5GB，剩余7.5GB，话费余额46.80元。"),
    (
        "反诈提醒",
        "【国家反诈中心】您可能正在遭遇诈骗，公检法机关不会通过电话要求转账，也没有所谓安全账户，如有疑问请拨打96110。",
    ),
    ("反诈提醒", "反诈小贴士：凡是刷单都是诈骗！凡是网上贷款先交钱的都是诈骗！凡是自称客服要求屏幕共享的都是诈骗！"),
    ("家人转账", "儿子，刚给你转了2000块生活费，收到回个话，天冷了多穿点衣服。"),
    ("家人转账", "姐，上次借你的3000元今天转你了，你看下收到没，谢谢啊"),
    ("工作聊天", "明天上午九点开部门例会，大家提前准备汇报材料，差旅发票周五前交给财务。"),
    ("日常聊天", "晚上一起吃火锅吗？我来订位，你下班几点到？"),
]


@pytest.mark.parametrize("typology,subtype,text", FRAUD_CASES, ids=[c[0] + "-" + str(c[1]) for c in FRAUD_CASES])
def test_fraud_golden(screener, typology, subtype, text):
    verdict = screener.screen(text)
    assert verdict.is_fraud
    assert verdict.band in ("medium", "high")
    assert verdict.typology == typology
    if subtype:
        assert verdict.subtype == subtype
    assert verdict.cues, "a flagged message must point at the characters behind the verdict"
    for cue in verdict.cues:
        assert text[cue["start"] : cue["end"]] == cue["text"] and cue["why"]


@pytest.mark.parametrize("kind,text", LEGIT_CASES, ids=[c[0] for c in LEGIT_CASES])
def test_hard_negative_is_low(screener, kind, text):
    verdict = screener.screen(text)
    assert verdict.band == "low", (kind, verdict.risk)
    assert verdict.is_fraud is False and verdict.typology is None and verdict.cues == []


def test_every_high_verdict_on_golden_cases_has_cue_and_advice(screener):
    for _, _, text in FRAUD_CASES:
        verdict = screener.screen(text)
        if verdict.band == "high":
            assert verdict.cues and "96110" in verdict.advice or "110" in verdict.advice


def test_safe_account_advice_mentions_the_safe_account(screener):
    verdict = screener.screen(FRAUD_CASES[10][2])
    assert "安全账户" in verdict.advice and "96110" in verdict.advice


def test_batch_and_single_paths_agree_on_all_golden_cases(screener):
    texts = [c[2] for c in FRAUD_CASES] + [c[1] for c in LEGIT_CASES]
    assert [v.to_dict() for v in screener.screen_many(texts)] == [screener.screen(t).to_dict() for t in texts]
