"""Validate the statute search engine's knowledge cards (lianxin/engines/lawsearch/cards).

The search engine loads cards.jsonl as-is, so its schema is checked here field by field, along
with unique ids and phrases, the topics the issue requires, the station's mediation-room names,
and golden lay questions that must reach their card through a phrase.

Every statute reference must name an article that exists in the shared statute data
(../shared/data beside the repository, or the nearest ancestor holding shared/data); those
tests skip when the data is absent. A coarse check that each cited article shares wording
with its card, and pinned wording for refs into the one law known to be out of date, make a
mistyped or renumbered reference fail.
"""

import json
import re
from functools import lru_cache
from pathlib import Path

import pytest

from tests.shared_data import SHARED_DATA

REPO_ROOT = Path(__file__).resolve().parents[3]
CARDS_PATH = REPO_ROOT / "lianxin" / "engines" / "lawsearch" / "cards" / "cards.jsonl"
DATA_ROOT = SHARED_DATA
CORE_ARTICLES = DATA_ROOT / "laws" / "articles.jsonl"
NATIONAL_CORPUS = DATA_ROOT / "legal" / "national_corpus.jsonl"

MIN_CARDS = 80
NATIONAL_PREFIX = "中华人民共和国"
CARD_KEYS = {"id", "title", "phrases", "summary", "steps", "where_to_go", "refs"}
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ARTICLE_LABEL = re.compile(r"^第[零一二三四五六七八九十百千]+条(?:之[一二三四五六七八九十]+)?$")
PHRASES_MIN, PHRASES_MAX = 6, 20
SENTENCES_MIN, SENTENCES_MAX = 2, 5
STEPS_MIN, STEPS_MAX = 3, 7
REFS_MIN, REFS_MAX = 1, 6
# Character bigrams too common in statute text to show that an article fits a card.
GENERIC_BIGRAMS = {
    "应当",
    "或者",
    "规定",
    "本法",
    "有关",
    "人民",
    "依法",
    "可以",
    "不得",
    "以上",
    "以下",
    "其他",
    "部门",
    "责任",
    "进行",
    "按照",
    "违反",
    "情形",
    "下列",
    "之一",
    "处罚",
    "罚款",
    "拘留",
    "徒刑",
    "有期",
    "拘役",
    "并处",
    "单处",
    "罚金",
    "情节",
    "严重",
    "法律",
    "法规",
    "国家",
    "单位",
    "个人",
    "组织",
    "行为",
    "权利",
    "义务",
}

# The station's six specialist mediation rooms, spelled the same on every card.
MEDIATION_ROOMS = {f"派出所{kind}纠纷调解室" for kind in ("涉外", "物业", "婚姻家庭", "商事", "邻里")} | {
    "派出所劳动争议调解室"
}

# The statute data holds the 2012 public-security penalties law; the revision in force since
# 2026-01-01 renumbers it. Each card ref into it is pinned to words its 2012 article contains, so
# importing the new text fails here until the refs are re-mapped (cards/README.md, caveats).
STALE_LAW = "中华人民共和国治安管理处罚法"
PINNED_STALE_REFS = {
    "第九条": "民间纠纷引起的打架斗殴",
    "第四十二条": "公然侮辱他人或者捏造事实诽谤他人",
    "第四十三条": "殴打他人",
    "第四十九条": "盗窃",
    "第七十条": "赌博",
    "第七十五条": "饲养动物，干扰他人正常生活",
}

# Topics the issue names; each must keep its card under this id (other code may link to it).
REQUIRED_IDS = {
    "unpaid-wages",
    "migrant-construction-wages",
    "no-written-contract",
    "illegal-dismissal",
    "work-injury",
    "overtime-pay",
    "neighbour-noise",
    "square-dance-noise",
    "decoration-noise",
    "property-fees",
    "property-repairs",
    "property-service-disputes",
    "compound-parking",
    "rental-deposit",
    "landlord-early-eviction",
    "consumer-refund",
    "online-shopping",
    "food-safety-fake-goods",
    "prepaid-card-closed",
    "fraud-loss-recovery",
    "fraud-report-96110",
    "investment-romance-fraud",
    "elder-support",
    "elder-abuse",
    "elder-health-product-scam",
    "elders-living-alone",
    "domestic-violence",
    "divorce-basics",
    "child-custody-support",
    "inheritance",
    "wills",
    "traffic-accident",
    "ebike-accident",
    "hit-and-run",
    "drunk-driving",
    "land-contract",
    "homestead",
    "dog-bite",
    "private-loan-iou",
    "private-loan-interest",
    "group-chat-defamation",
    "personal-info-leak",
    "school-bullying",
    "minor-game-refund",
    "fight-minor-injury",
    "theft",
    "boundary-trespass",
    "upstairs-water-leak",
    "falling-objects",
    "blocked-light-trees",
    "mediation-judicial-confirmation",
    "legal-aid",
    "file-lawsuit",
    "evidence-preservation",
    "labour-dispatch",
    "social-insurance-unpaid",
    "maternity-protection",
    "workplace-sexual-harassment",
    "house-sale-dispute",
}


def _load_cards() -> list[dict]:
    cards = []
    with CARDS_PATH.open(encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, start=1):
            assert line.strip(), f"cards.jsonl line {line_no}: blank line"
            try:
                cards.append(json.loads(line))
            except json.JSONDecodeError as exc:
                pytest.fail(f"cards.jsonl line {line_no}: not JSON ({exc})")
    return cards


CARDS = _load_cards()
CARD_IDS = [card.get("id", f"line{i + 1}") for i, card in enumerate(CARDS)]


@lru_cache(maxsize=1)
def _national_keys() -> set:
    """Return the (law, article) pairs of the national corpus; skip when it is absent."""
    if not NATIONAL_CORPUS.exists():
        pytest.skip("shared statute data not found at ../shared/data")
    with NATIONAL_CORPUS.open(encoding="utf-8") as fh:
        return {(row["law"], row["article"]) for row in map(json.loads, fh)}


@lru_cache(maxsize=1)
def _statutes() -> tuple[dict, set]:
    """Return ({(law, article): text}, core law titles); skip the test when the data is absent."""
    if not CORE_ARTICLES.exists() or not NATIONAL_CORPUS.exists():
        pytest.skip("shared statute data not found at ../shared/data")
    texts, core_laws, core_short = {}, set(), set()
    with CORE_ARTICLES.open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            texts[(row["law"], row["article"])] = row["text"]
            core_laws.add(row["law"])
            core_short.add(row["law_short"])
    with NATIONAL_CORPUS.open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            texts.setdefault((row["law"], row["article"]), row["text"])
    return texts, core_laws, core_short


def _bigrams(text: str) -> set[str]:
    han = re.sub(r"[^\u4e00-\u9fff]+", "|", text)
    return {han[i : i + 2] for i in range(len(han) - 1) if "|" not in han[i : i + 2]} - GENERIC_BIGRAMS


def _card_text(card: dict) -> str:
    return "|".join([card["title"], card["summary"], *card["phrases"], *card["steps"]])


def test_enough_cards_with_unique_ids():
    assert len(CARDS) >= MIN_CARDS
    ids = [card["id"] for card in CARDS]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    titles = [card["title"] for card in CARDS]
    assert len(titles) == len(set(titles))


def test_required_topics_present():
    missing = REQUIRED_IDS - {card["id"] for card in CARDS}
    assert not missing, f"cards missing for required topics: {sorted(missing)}"


def test_no_phrase_claimed_by_two_cards():
    owner: dict[str, str] = {}
    clashes = []
    for card in CARDS:
        for phrase in card["phrases"]:
            if phrase in owner:
                clashes.append((phrase, owner[phrase], card["id"]))
            owner[phrase] = card["id"]
    assert not clashes, clashes


@pytest.mark.parametrize("card", CARDS, ids=CARD_IDS)
def test_card_schema(card):
    assert set(card) == CARD_KEYS
    assert SLUG.match(card["id"]), card["id"]
    for key in ("title", "summary"):
        assert isinstance(card[key], str) and card[key].strip() == card[key] and card[key]
    phrases = card["phrases"]
    assert PHRASES_MIN <= len(phrases) <= PHRASES_MAX
    assert len(set(phrases)) == len(phrases)
    assert all(isinstance(p, str) and p.strip() == p and p for p in phrases)
    sentences = [s for s in re.split(r"[。！？]", card["summary"]) if s.strip()]
    assert SENTENCES_MIN <= len(sentences) <= SENTENCES_MAX, len(sentences)
    assert STEPS_MIN <= len(card["steps"]) <= STEPS_MAX
    assert all(isinstance(s, str) and len(s.strip()) >= 4 for s in card["steps"])
    assert card["where_to_go"] and all(isinstance(w, str) and w.strip() for w in card["where_to_go"])
    assert len(set(card["where_to_go"])) == len(card["where_to_go"])
    rooms = [w for w in card["where_to_go"] if "调解室" in w]
    assert set(rooms) <= MEDIATION_ROOMS, f"unknown mediation room: {set(rooms) - MEDIATION_ROOMS}"
    refs = card["refs"]
    assert REFS_MIN <= len(refs) <= REFS_MAX
    for ref in refs:
        assert set(ref) == {"law", "article"}, ref
        assert ARTICLE_LABEL.match(ref["article"]), ref
    assert len({(r["law"], r["article"]) for r in refs}) == len(refs), "duplicate ref"


def test_file_is_plain_utf8_without_escapes():
    raw = CARDS_PATH.read_bytes()
    text = raw.decode("utf-8")
    assert "\\u" not in text, "write cards with ensure_ascii=False so reviewers can read them"
    assert text.endswith("\n") and "\r" not in text


@pytest.mark.parametrize("card", CARDS, ids=CARD_IDS)
def test_refs_resolve_to_real_articles(card):
    texts, core_laws, core_short = _statutes()
    for ref in card["refs"]:
        law = ref["law"]
        assert law in core_laws or law not in core_short, (
            f"{card['id']}: use the full title of {law} as in laws/articles.jsonl"
        )
        assert (law, ref["article"]) in texts, f"{card['id']}: no such article {law}{ref['article']}"


@pytest.mark.parametrize("card", CARDS, ids=CARD_IDS)
def test_refs_resolve_in_the_national_corpus_too(card):
    # The national corpus names laws without the 中华人民共和国 prefix; an index built from it
    # must still resolve every card once the engine drops that prefix.
    national = _national_keys()
    for ref in card["refs"]:
        key = (ref["law"].removeprefix(NATIONAL_PREFIX), ref["article"])
        assert (ref["law"], ref["article"]) in national or key in national, (card["id"], ref)


@pytest.mark.parametrize("card", CARDS, ids=CARD_IDS)
def test_referenced_articles_share_wording_with_card(card):
    texts, _, _ = _statutes()
    card_bigrams = _bigrams(_card_text(card))
    for ref in card["refs"]:
        shared = card_bigrams & _bigrams(texts[(ref["law"], ref["article"])])
        assert shared, f"{card['id']}: {ref['law']}{ref['article']} shares no distinctive wording"


def test_refs_into_the_stale_law_still_point_at_the_pinned_wording():
    texts, _, _ = _statutes()
    cited = {ref["article"] for card in CARDS for ref in card["refs"] if ref["law"] == STALE_LAW}
    unpinned = cited - set(PINNED_STALE_REFS)
    assert not unpinned, f"pin these {STALE_LAW} refs in PINNED_STALE_REFS: {sorted(unpinned)}"
    for article in cited:
        assert PINNED_STALE_REFS[article] in texts[(STALE_LAW, article)], (
            f"{STALE_LAW}{article} no longer says {PINNED_STALE_REFS[article]!r}: re-map the cards citing it"
        )


def test_every_mediation_room_is_used():
    used = {w for card in CARDS for w in card["where_to_go"]}
    assert MEDIATION_ROOMS <= used, f"no card sends residents to {sorted(MEDIATION_ROOMS - used)}"


# Lay questions in residents' words (the issue's examples among them) and the card each must
# reach through at least one of its phrases; a phrase edit that loses the everyday wording fails here.
LAY_QUESTIONS = {
    "老板拖欠工资三个月怎么办": "unpaid-wages",
    "楼上广场舞音响太吵": "square-dance-noise",
    "被骗的钱能追回吗": "fraud-loss-recovery",
    "房东不退押金怎么办": "rental-deposit",
    "在工地干活包工头跑了工钱没给": "migrant-construction-wages",
    "干了半年公司一直不跟我签合同": "no-written-contract",
    "公司突然把我开除了能要赔偿吗": "illegal-dismissal",
    "上班路上被车撞了算工伤吗": "work-injury",
    "楼上天天晚上跺脚吵得睡不着": "neighbour-noise",
    "健身房关门了卡里的钱怎么办": "prepaid-card-closed",
    "儿子不给我养老钱，不孝顺": "elder-support",
    "老公喝醉了就打我": "domestic-violence",
    "我爸去世没留遗嘱房子怎么分": "inheritance",
    "酒驾被查了会怎么处罚": "drunk-driving",
    "邻居的狗把我孩子咬了": "dog-bite",
    "朋友借钱不还怎么办": "private-loan-iou",
    "有人在业主群里造谣说我偷东西": "group-chat-defamation",
    "孩子在学校被同学打了": "school-bullying",
    "孩子偷偷充值游戏花了两万": "minor-game-refund",
    "楼上卫生间漏水到我家": "upstairs-water-leak",
    "高空扔下来的瓶子砸坏了我的车": "falling-objects",
    "接到自称公安局的电话说我涉嫌洗钱": "fraud-report-96110",
    "我的电动车在小区被偷了": "theft",
    "请不起律师怎么办": "legal-aid",
    "调解协议对方不执行": "mediation-judicial-confirmation",
    "加班不给加班费": "overtime-pay",
    "怀孕了公司要辞退我": "maternity-protection",
    "老人被骗买保健品": "elder-health-product-scam",
    "交通事故对方逃逸了": "hit-and-run",
    "单位不给交社保": "social-insurance-unpaid",
}


@pytest.mark.parametrize("question", sorted(LAY_QUESTIONS))
def test_lay_question_reaches_its_card_through_a_phrase(question):
    card = next(c for c in CARDS if c["id"] == LAY_QUESTIONS[question])
    assert any(phrase in question for phrase in card["phrases"]), (question, card["id"])
