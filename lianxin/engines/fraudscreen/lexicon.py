"""Named scam cues (the rules layer) and the advice shown for each typology.

A cue is a short pattern over the normalised text with the typology it points to and a
reason a resident understands. Cues explain verdicts, steer the subtype, and give the
typology a nudge when the statistical model is unsure; the verdict itself comes from the
calibrated model (see MODEL_CARD.md for the measurement behind that choice).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The regex parser is private but stable across 3.11 and 3.12.
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parser  # type: ignore[attr-defined]

import numpy as np

TYPOLOGIES = (
    "刷单返利类",
    "冒充电商物流客服类",
    "虚假网络投资理财类",
    "贷款、代办信用卡类",
    "虚假征信类",
    "虚假购物、服务类",
    "冒充公检法及政府机关类",
    "冒充领导、熟人类",
    "网络游戏产品虚假交易类",
    "网络婚恋、交友类",
    "网黑案件",
    "冒充军警购物类",
)


@dataclass(frozen=True)
class Cue:
    name: str
    pattern: str
    why: str
    typology: str | None = None
    subtype: str | None = None


CUES: tuple[Cue, ...] = (
    # money movement and control of the victim's phone (any typology)
    Cue(
        "安全账户",
        r"安全账户|安全帐户|清查账户|监管账户|资金核查|资金清查",
        "要求把钱转入所谓“安全账户”或接受“资金核查”，公检法没有安全账户",
        "冒充公检法及政府机关类",
        "安全账户",
    ),
    Cue(
        "屏幕共享",
        r"屏幕共享|共享屏幕|开启共享|会议软件|视频会议软件|远程(?:协助|控制|指导)",
        "要求开屏幕共享或装会议软件，对方能看到您的验证码和密码",
        None,
        "屏幕共享",
    ),
    Cue(
        "索要验证码",
        r"验证码(?:报给|告诉|发给|念给)|(?:报|告诉|发)(?:给)?我.{0,4}验证码|动态码.{0,4}(?:报|告诉)|把.{0,6}验证码",
        "索要短信验证码，拿到就能转走您的钱",
        None,
        None,
    ),
    Cue(
        "先交费用",
        r"(?:先|需|需要|还需|要)(?:交|缴纳|缴|付|支付)(?:一笔|一下)?(?:解冻费|解冻金|保证金|手续费|服务费|会员费|工本费|激活费|税费|个税|个人所得税|风险金|押金|定金|技术费|清关费|关税|刷流水)",
        "以各种名目先收费用，正规机构不会这样做",
        None,
        None,
    ),
    Cue(
        "解冻",
        r"(?:资金|账户|款项|额度|票款)(?:已|已被|被|将被)?(?:冻结|锁定)|解冻",
        "声称资金被冻结、需要操作才能解冻",
        None,
        None,
    ),
    Cue(
        "保密",
        r"不要告诉|不能告诉|不得(?:告诉|透露)|别告诉|不要声张|别声张|保密|国家机密|秘密",
        "要求对家人和银行保密，这是骗子隔绝受害人的手法",
        None,
        None,
    ),
    Cue(
        "指定账户",
        r"(?:指定|对方|这个|以下|我们的|公司)(?:的)?(?:账户|账号|卡号|银行卡|收款码)|转(?:到|入|至)(?:这个|指定|我的|以下)",
        "要求转账到陌生或“指定”的账户",
        None,
        None,
    ),
    Cue(
        "下载陌生APP",
        r"下载.{0,8}(?:app|软件|客户端)|安装.{0,6}(?:app|软件)|注册.{0,6}(?:app|平台)",
        "引导下载陌生APP或平台，资金进入骗子控制的后台",
        None,
        None,
    ),
    Cue(
        "加私人联系方式",
        r"(?:加|\+|添加|联系)(?:我|客服|专员|老师|导师)?(?:的)?(?:微信|薇信|威信|徽信|围信|vx|v信|wx|qq|扣扣|蔻蔻|v)",
        "要求加私人微信/QQ脱离正规平台",
        None,
        None,
    ),
    # typology cues
    Cue(
        "刷单",
        r"刷单|点赞员|好评员|垫付.{0,4}(?:任务|单)|做任务|联单|连单|卡单|补单|刷信誉|刷好评",
        "兼职刷单、做任务返佣金都是诈骗，先给小甜头再让您垫大钱",
        "刷单返利类",
    ),
    Cue(
        "高额返利",
        r"日结|日入|一单.{0,4}(?:赚|返|佣金)|返佣|佣金.{0,4}返|充值越多|返利越多|本金.{0,4}(?:返|提成|佣金)",
        "许诺轻松高额返利",
        "刷单返利类",
    ),
    Cue(
        "退款理赔",
        r"理赔|三倍.{0,2}(?:退款|赔偿)|双倍.{0,2}(?:退款|赔偿)|质量问题.{0,8}(?:退款|赔)|快递.{0,4}(?:丢失|破损)|包裹.{0,6}(?:丢失|破损|污染)",
        "主动联系说要给您退款理赔，真正的退款在购物平台内原路退回",
        "冒充电商物流客服类",
        "退款理赔",
    ),
    Cue(
        "备用金借款",
        r"(?:备用金|借呗|微粒贷|金条|白条).{0,8}(?:借|开通|刷流水|验证)|信用分.{0,4}不(?:够|足)",
        "以“退款”为名让您在借贷平台借钱再转出",
        "冒充电商物流客服类",
        "退款理赔",
    ),
    Cue(
        "航班取消",
        r"航班.{0,10}(?:取消|延误|停飞)|(?:改签|退票).{0,12}(?:补偿|赔付|理赔)|延误补偿|出票失败",
        "冒充航空公司说航班取消要退改签，改签请只通过航空公司官方渠道",
        "冒充电商物流客服类",
        "机票退改签",
    ),
    Cue(
        "扣费会员",
        r"百万保障|会员.{0,6}(?:扣费|到期)|自动扣(?:费)?|误(?:开通|设)|代理商|批发商",
        "称您开通了会员或被误设为代理要扣费，诱导“关闭”时转账",
        "冒充电商物流客服类",
    ),
    Cue(
        "投资稳赚",
        r"稳赚不赔|保本保息|收益翻倍|翻倍|稳赚|内部消息|牛股|导师.{0,6}(?:带|操作)|原始股|数字货币|虚拟币|外汇平台|涨停",
        "承诺稳赚不赔的投资，由“导师”带单，平台是骗子搭的",
        "虚假网络投资理财类",
    ),
    Cue(
        "提现先交税",
        r"提现.{0,8}(?:交|缴纳|需要)|出金.{0,6}交|(?:盈利|收益).{0,10}(?:交|缴)",
        "赚了钱却要先交钱才能提现，是骗子平台收割的典型",
        "虚假网络投资理财类",
    ),
    Cue(
        "无抵押贷款",
        r"无抵押|免抵押|无担保|黑户.{0,4}(?:也能|可)|不看征信|不查征信|秒批|秒下|当天放款|包下卡|包过",
        "网络贷款“无抵押、不看征信、秒批”，放款前收费的都是诈骗",
        "贷款、代办信用卡类",
    ),
    Cue(
        "放款前收费",
        r"(?:放款|下款)前|验证还款能力|刷流水|(?:贷款|借款).{0,12}(?:冻结|解冻)|卡号.{0,4}(?:填写)?错误",
        "贷款还没到手就要交解冻费、保证金或刷流水",
        "贷款、代办信用卡类",
    ),
    Cue(
        "注销校园贷",
        r"校园贷|学生贷|学生(?:账户|分期)|名校贷|在校期间.{0,6}(?:开通|注册)|学生身份.{0,4}(?:过期|失效)",
        "所谓“注销校园贷账户”要您借钱转出，征信不会因此受影响",
        "虚假征信类",
        "注销校园贷",
    ),
    Cue(
        "征信修复",
        r"征信修复|信用修复|征信洗白|修复征信|(?:消除|删除|洗白).{0,4}(?:逾期|不良)(?:记录)?|(?:内部|关系).{0,6}(?:修改|修复).{0,4}征信",
        "征信记录任何机构都不能花钱删除，“征信修复”是骗局",
        "虚假征信类",
        "征信修复",
    ),
    Cue(
        "影响征信",
        r"影响(?:您的|你的)?(?:个人)?征信|上报征信|上征信|征信(?:黑名单|记录)",
        "用“影响征信”吓唬您照办",
        "虚假征信类",
    ),
    Cue(
        "保健品神效",
        r"专治|根治|包治百病|停药|一用就灵|特效|量子|降糖仪|磁疗|保健品|孢子粉|纳豆激酶",
        "把普通保健品说成能治病的神药，高价卖给老人",
        "虚假购物、服务类",
        "保健品",
    ),
    Cue(
        "讲座义诊",
        r"(?:专家|老中医|教授).{0,6}(?:讲座|义诊)|健康讲座|养生讲座|免费领.{0,6}(?:保健|鸡蛋)",
        "“免费讲座、义诊、领鸡蛋”是保健品骗局的开场",
        "虚假购物、服务类",
        "保健品",
    ),
    Cue(
        "采购垫付",
        r"(?:指定|介绍|推荐)的?(?:供应商|厂家)|垫付|代购.{0,4}(?:酒|茶叶|物资)|先.{0,2}垫",
        "以大单采购为诱饵，让您向“指定厂家”垫付货款",
        None,
        None,
    ),
    Cue(
        "采购礼盒",
        r"礼盒|年货|福利.{0,4}采购|采购.{0,6}(?:礼|月饼|茶叶|白酒)",
        "冒充单位采购礼盒、年货，借机让商家垫钱",
        "虚假购物、服务类",
        "采购礼盒",
    ),
    Cue(
        "私下交易",
        r"不走平台|私下(?:交易|转账)|绕开平台|超低价|内部价|低价出售",
        "要求绕开平台私下交易、价格低得离谱",
        "虚假购物、服务类",
    ),
    Cue(
        "冒充公检法",
        r"(?:公安局|检察院|法院|刑侦|经侦|警官|民警|检察官|国家安全局).{0,20}(?:涉嫌|洗钱|案件|逮捕|通缉|传唤|冻结)|涉嫌.{0,8}(?:洗钱|非法集资|诈骗案|贩毒)|逮捕令|通缉令|传票",
        "冒充公检法说您涉案，真公安不会电话办案、更不会要您转账",
        "冒充公检法及政府机关类",
    ),
    Cue(
        "冒充社保医保",
        r"(?:医保卡|社保卡|养老金).{0,10}(?:异常|违规|停用|冻结|盗刷)",
        "冒充社保医保部门说卡异常，引导操作转账",
        "冒充公检法及政府机关类",
    ),
    Cue(
        "冒充老师收费",
        r"(?:老师|班主任).{0,20}(?:收款码|二维码|扫码|缴纳|交费)|(?:资料费|教辅费|班费|研学费).{0,12}(?:扫码|收款码|转账|二维码)|(?:收款码|二维码).{0,12}(?:资料费|班费)",
        "冒充老师在群里发收款码，学校收费只走官方平台",
        "冒充领导、熟人类",
        "冒充教师/学校采购",
    ),
    Cue(
        "冒充学校采购",
        r"(?:学校|后勤|校长).{0,12}(?:采购|订购|订一批)",
        "冒充学校采购，让商家向指定厂家垫钱",
        "冒充领导、熟人类",
        "冒充教师/学校采购",
    ),
    Cue(
        "冒充老板",
        r"我是(?:你们)?(?:老板|[王李张刘陈赵周黄孙]总|[王李张刘陈赵周黄孙][局董])|(?:老板|领导|[王李张刘陈赵周黄孙]总).{0,20}(?:转|付|打)(?:一笔|款|定金)|(?:新|私人)(?:微信|qq)|拉你进|财务.{0,6}(?:转|付)",
        "冒充老板或领导要求财务转账，转账前一定当面或电话核实",
        "冒充领导、熟人类",
        "冒充老板转账",
    ),
    Cue(
        "冒充熟人借钱",
        r"猜猜我是谁|还记得我吗|换(?:了)?(?:号码|手机号|新号)|新号|手机(?:坏了|丢了)|借(?:我|给我)?.{0,6}(?:周转|应急)|别告诉(?:我爸|家里)",
        "自称熟人换了号、急着借钱，先打原来的电话核实",
        "冒充领导、熟人类",
    ),
    Cue(
        "亲人出事",
        r"(?:出车祸|被打伤|住院|抢救|手术).{0,12}(?:押金|手术费|转)|(?:手术费|押金).{0,10}(?:马上|立即|急)",
        "说您的亲人出事急需用钱，先给本人打电话核实",
        "冒充领导、熟人类",
    ),
    Cue(
        "游戏交易",
        r"(?:账号|皮肤|装备|点券|代练|代充).{0,10}(?:出售|低价|交易|免费领|冻结)|游戏.{0,6}(?:交易平台|账号)|(?:王者荣耀|和平精英|原神|英雄联盟|梦幻西游|蛋仔派对).{0,10}(?:账号|皮肤|装备|点券)",
        "游戏账号、装备私下交易或“免费领皮肤”都是诈骗常见手法",
        "网络游戏产品虚假交易类",
    ),
    Cue(
        "杀猪盘",
        r"(?:亲爱的|宝贝|老婆|老公|宝宝).{0,30}(?:平台|投资|充值|漏洞|赚|提现)|(?:漏洞|规律).{0,10}(?:稳赚|赢)|婚房|奔着结婚|未来.{0,4}靠",
        "网恋对象带您投资或博彩，这是“杀猪盘”",
        "网络婚恋、交友类",
        "杀猪盘",
    ),
    Cue(
        "网恋要钱",
        r"(?:机票|路费|清关费|关税|礼物|包裹).{0,10}(?:帮我|替我|付|交)|(?:帮我|替我)(?:付|交|出|垫).{0,12}(?:路费|机票|清关费|关税|车费)|(?:视频|聊天记录|录屏).{0,10}(?:家人|通讯录|发出去)|裸聊",
        "网友以路费、礼物清关或裸聊视频要挟要钱",
        "网络婚恋、交友类",
    ),
    Cue(
        "网赌黑客",
        r"网赌|博彩|百家乐|彩金|返水|出款|追回.{0,6}(?:损失|赌资|被黑)|黑客|改分|改成绩|查开房|上门服务|同城.{0,4}(?:约|服务)",
        "网赌、找黑客、色情服务都是违法陷阱，钱只会越陷越深",
        "网黑案件",
    ),
    Cue(
        "冒充军警采购",
        r"(?:部队|武警|消防救援|后勤处|营区|司务长|军官证|军采|军用|特供)",
        "冒充部队、军警采购，让商家垫钱或交“保证金”",
        "冒充军警购物类",
    ),
    Cue(
        "冒充客服",
        r"(?:我是|这里是|这边是).{0,8}(?:客服|售后|理赔中心|退改中心)",
        "主动来电自称客服，要核实请自己拨打官方客服",
        "冒充电商物流客服类",
    ),
)

_WILD = None  # stands for "any character" in a prefix
_PREFIX_LENGTH = 2
_MAX_CLASS = 64  # a character class larger than this counts as a wildcard


def _prefixes(items, k: int) -> set[tuple]:
    """Return every prefix (tuple of chars or _WILD, length <= k) a parsed regex can start with.

    A prefix shorter than k means the pattern can end there.
    """
    if k == 0 or not items:
        return {()}
    (op, av), rest = items[0], items[1:]
    heads: set[tuple]
    if op is sre_constants.LITERAL:
        heads = {(chr(av),)}
    elif op is sre_constants.IN:
        chars: set[str | None] = set()
        for sub_op, sub_av in av:
            if sub_op is sre_constants.LITERAL:
                chars.add(chr(sub_av))
            elif sub_op is sre_constants.RANGE and sub_av[1] - sub_av[0] < _MAX_CLASS:
                chars.update(chr(c) for c in range(sub_av[0], sub_av[1] + 1))
            else:
                chars = {_WILD}
                break
        heads = {(c,) for c in chars} if len(chars) <= _MAX_CLASS else {(_WILD,)}
    elif op is sre_constants.SUBPATTERN:
        heads = _prefixes(list(av[-1]), k)
    elif op is sre_constants.BRANCH:
        heads = set().union(*(_prefixes(list(branch), k) for branch in av[1]))
    elif op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT):
        low, high, sub = av
        heads = set()
        for times in range(low, min(high, k) + 1):
            heads |= _prefixes(list(sub) * times, k)
    elif op is sre_constants.AT:
        heads = {()}
    else:
        heads = {(_WILD,)}
    out = set()
    for head in heads:
        head = head[:k]
        if len(head) == k:
            out.add(head)
        else:
            out |= {head + tail for tail in _prefixes(rest, k - len(head))}
    return out


def _triggers() -> tuple[dict[int, tuple[int, ...]], dict[int, tuple[int, ...]]]:
    """Map bigram keys and single code points to the cues that can start with them."""
    bigrams: dict[int, list[int]] = {}
    unigrams: dict[int, list[int]] = {}
    for index, cue in enumerate(CUES):
        for prefix in _prefixes(list(sre_parser.parse(cue.pattern)), _PREFIX_LENGTH):
            if not prefix or prefix[0] is _WILD:
                raise ValueError(f"cue {cue.name} can start anywhere; give it a leading literal")
            if len(prefix) == 1 or prefix[1] is _WILD:
                unigrams.setdefault(ord(prefix[0]), []).append(index)
            else:
                bigrams.setdefault(ord(prefix[0]) | ord(prefix[1]) << 21, []).append(index)
    return (
        {k: tuple(sorted(set(v))) for k, v in bigrams.items()},
        {k: tuple(sorted(set(v))) for k, v in unigrams.items()},
    )


_BIGRAM_CUES, _UNIGRAM_CUES = _triggers()
_BIGRAM_TRIGGERS = np.array(sorted(_BIGRAM_CUES), dtype=np.int64)
_UNIGRAM_TRIGGERS = np.array(sorted(_UNIGRAM_CUES), dtype=np.int64)
_CUE_REGEXES = [re.compile(cue.pattern) for cue in CUES]
_CUE_MATCHERS = [regex.match for regex in _CUE_REGEXES]
# The cues to try at a trigger position, by trigger: first one per bigram trigger (in the
# order of _BIGRAM_TRIGGERS; the cues of its first character, then its own), then one per
# unigram trigger (in the order of _UNIGRAM_TRIGGERS).
_CANDIDATES = [
    _UNIGRAM_CUES.get(int(pair) & ((1 << 21) - 1), ()) + _BIGRAM_CUES[int(pair)] for pair in _BIGRAM_TRIGGERS
] + [_UNIGRAM_CUES[int(code)] for code in _UNIGRAM_TRIGGERS]
_TRIGGER_FIRST = re.compile(
    "["
    + "".join(
        re.escape(chr(code)) for code in sorted(set(_UNIGRAM_CUES) | {pair & ((1 << 21) - 1) for pair in _BIGRAM_CUES})
    )
    + "]"
)


ADVICE: dict[str | None, str] = {
    "刷单返利类": "刷单返利都是诈骗：不垫付、不充值、不下载对方给的APP。已转账请立即拨打110或96110。",
    "冒充电商物流客服类": "退款理赔、退改签只在官方APP或官方客服电话里办理，不共享屏幕、不借备用金、不报验证码。有疑问拨打96110。",
    "虚假网络投资理财类": "不信“导师带单、稳赚不赔”，不在陌生平台投资；提现要先交钱的就是骗局。请拨打96110咨询。",
    "贷款、代办信用卡类": "正规贷款放款前不收任何费用，不交解冻费、保证金，不刷流水。请通过银行等正规机构办理，有疑问拨打96110。",
    "虚假征信类": "征信只有中国人民银行征信中心能查询，任何人都不能花钱修复，也不存在“注销校园贷”。不要借钱转给对方，拨打96110核实。",
    "虚假购物、服务类": "不绕开平台私下交易，不向“指定厂家”垫付货款；保健品不能治病。有疑问请到反诈问诊台或拨打96110。",
    "冒充公检法及政府机关类": "公检法不会通过电话办案，不会要求转账到“安全账户”，也不会让您开屏幕共享。请挂断电话，拨打110或96110核实。",
    "冒充领导、熟人类": "涉及转账，一定打对方原来的电话或当面核实；老师不会在群里发收款码，老板不会微信指挥转账。有疑问拨打96110。",
    "网络游戏产品虚假交易类": "游戏交易只在官方平台进行，不要私下转账、不扫陌生二维码；孩子请勿使用家长手机支付。有疑问拨打96110。",
    "网络婚恋、交友类": "没见过面的网友让您投资、借钱或交费，就是骗局（杀猪盘）。不转账、不下载对方推荐的APP，拨打96110。",
    "网黑案件": "网赌、找黑客“追回损失”、网上色情服务都是违法陷阱，只会越陷越深。请停止转账，拨打110报警。",
    "冒充军警购物类": "冒充部队、军警订货再让您垫付或交保证金是诈骗，请通过部队驻地公开电话核实，拨打96110咨询。",
    None: "涉及转账汇款时请先核实对方身份；拿不准就到派出所反诈问诊台，或拨打96110咨询。",
}
LOW_ADVICE = "未发现明显的诈骗特征。凡是要求转账、交费、报验证码的，仍请先核实；拿不准可拨打96110咨询。"


def _try(text: str, pos: int, candidates, seen: set, hits: list) -> None:
    for index in candidates:
        if index not in seen:
            match = _CUE_REGEXES[index].match(text, pos)
            if match is not None and match.end() > match.start():
                seen.add(index)
                hits.append((match.start(), match.end(), CUES[index]))


def find_cues(normal_text: str) -> list[tuple[int, int, Cue]]:
    """Return (start, end, cue) in normalised coordinates, in text order, one per cue."""
    hits: list = []
    seen: set = set()
    for found in _TRIGGER_FIRST.finditer(normal_text):  # only where some cue can start
        pos = found.start()
        first = ord(normal_text[pos])
        candidates = _UNIGRAM_CUES.get(first, ())
        if pos + 1 < len(normal_text):
            candidates = candidates + _BIGRAM_CUES.get(first | ord(normal_text[pos + 1]) << 21, ())
        _try(normal_text, pos, candidates, seen, hits)
    return hits


def find_cues_batch(codes: np.ndarray, starts: np.ndarray, texts, rows) -> dict[int, list]:
    """Find cues for the messages ``rows`` of a normalised batch, trying only trigger positions.

    ``codes``/``starts`` are the batch's code points and message starts, ``texts[i]`` the
    normalised text of message i (a list, or a dict holding at least ``rows``). Same result
    as ``find_cues`` on each text: a cue can only begin where its first one or two characters
    are a trigger, found here with numpy.
    """
    codes = codes.astype(np.int64)
    pair = np.zeros(len(codes), dtype=np.int64)
    if len(codes) > 1:
        pair[:-1] = codes[:-1] | codes[1:] << 21
        pair[starts[1:-1] - 1] = 0  # no pair across the end of a message
    idx = np.searchsorted(_BIGRAM_TRIGGERS, pair)
    idx[idx == len(_BIGRAM_TRIGGERS)] = 0
    is_pair = _BIGRAM_TRIGGERS[idx] == pair
    uidx = np.searchsorted(_UNIGRAM_TRIGGERS, codes)
    uidx[uidx == len(_UNIGRAM_TRIGGERS)] = 0
    candidate = is_pair | (_UNIGRAM_TRIGGERS[uidx] == codes)
    positions = np.flatnonzero(candidate)
    bounds = np.searchsorted(positions, starts).tolist()
    # Which entry of _CANDIDATES applies at each trigger position (a bigram trigger wins).
    which = np.where(is_pair[positions], idx[positions], len(_BIGRAM_TRIGGERS) + uidx[positions]).tolist()
    where = positions.tolist()
    start_list = starts.tolist()
    candidates_of, matchers = _CANDIDATES, _CUE_MATCHERS
    out = {}
    for row in rows:
        hits: list = []
        seen: set = set()
        text, base = texts[row], start_list[row]
        for j in range(bounds[row], bounds[row + 1]):
            pos = where[j] - base
            for index in candidates_of[which[j]]:  # as _try, inlined: this loop is the batch path's hot spot
                if index not in seen:
                    match = matchers[index](text, pos)
                    if match is not None and match.end() > pos:
                        seen.add(index)
                        hits.append((pos, match.end(), CUES[index]))
        out[row] = hits
    return out
