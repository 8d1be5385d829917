"""Ordinary promotions and plain first-contact scams, as residents receive them (issue 24).

Written for this test in new words (not in either corpus). A resident who is told every
advert is a scam stops listening, and a plainly worded first contact is where a scam starts;
the shipped model must get most of both right. A few misses are allowed on purpose: this is
a check of the shipped model on unseen wording, not a list it was tuned to.
"""

PROMOTIONS = [
    "感恩回馈！本店冬装全场五折，会员积分翻倍，活动时间本周五至周日，地址中山路128号。",
    "您好，小区门口新开的面包店试营业，凭此短信进店免费领取小面包一个。",
    "【中国移动】您的套餐本月剩余通话120分钟、流量3.5GB，详情可登录中国移动APP查询。",
    "双旦狂欢，满两百减三十，还有机会抽取扫地机器人，详情见店铺首页，回T退订。",
    "亲爱的会员，您的生日月到了，到店消费可享八折并领取生日蛋糕一份。",
    "您好，我们装修公司本月推出旧房翻新套餐，免费上门测量报价，咨询电话0571-88776655。",
    "【建设银行】信用卡用户周末加油满三百立减三十，每月限两次，详见建行生活APP。",
    "本周日社区超市开业三周年，鸡蛋每斤三块九，前一百名顾客送食用油一瓶。",
    "您预约的汽车保养已确认，时间为周六上午十点，请准时到店，如需改期请回复。",
    "【某某驾校】暑期学车季，报名送体检和接送服务，学费可分期，详询招生老师。",
]

FIRST_CONTACT_SCAMS = [
    "您好，看您在找工作，我们这有手机上做的兼职，帮商家点赞一单五元，日结，有兴趣加我微信。",
    "你好，你在游戏里挂的那个号我想要，我们去这个交易平台上交易吧，安全有保障，链接发你。",
    "您好，您有一笔十万元的低息贷款额度，不看征信当天到账，回复1联系专员办理。",
    "您好，我是快递理赔中心的，您的包裹丢了，我们三倍赔偿，需要您加一下理赔专员的QQ。",
    "我是王总，这是我的新号，有个合同款急着付，你先转二十万到这个账户，回头我补手续。",
    "您好，这里是公安局，您的身份证涉嫌一起洗钱案，请配合调查，不要告诉家人。",
    "你好，我们老师每天在群里免费推荐牛股，上个月带大家赚了三成，进群验证码发你了。",
    "您好，您大学时开通的校园贷账户没有注销，会影响征信，我们来指导您注销。",
    "恭喜您被抽中为幸运用户，获得现金奖励八万元，领奖前需先交手续费，请联系客服。",
    "你好，我们是某部队后勤的，想在你们店订一批物资，你先帮我们从指定厂家垫付进货。",
]


def test_ordinary_promotions_are_mostly_not_flagged(screener):
    verdicts = screener.screen_many(PROMOTIONS)
    flagged = [text for text, v in zip(PROMOTIONS, verdicts) if v.is_fraud]
    assert len(flagged) <= 1, flagged
    assert not any(v.band == "high" for v in verdicts)


def test_plain_first_contact_scams_are_mostly_flagged(screener):
    verdicts = screener.screen_many(FIRST_CONTACT_SCAMS)
    missed = [text for text, v in zip(FIRST_CONTACT_SCAMS, verdicts) if not v.is_fraud]
    assert len(missed) <= 2, missed
    assert all(v.typology for v in verdicts if v.is_fraud)
    # the typology head does not put everything in one class
    assert len({v.typology for v in verdicts if v.is_fraud}) >= 5
