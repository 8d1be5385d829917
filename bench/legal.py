"""Benchmark the legal consultation: ask → answer on the ask page, keeping it, and the lawyer's answer.

Needs the statute index (`lianxin laws import ../shared/data/legal/national_corpus.jsonl`); by
default $LIANXIN_DATA_DIR/lawindex, else var/lawindex of this checkout, or --index DIR. Questions
are the STARD training questions when the shared data is there (the first --questions of them),
else a built-in list of lay questions. Run from the worktree root (a throw-away SQLite database):

    .venv/bin/python bench/legal.py [--index DIR] [--questions 300]

Prints: the index open time (once per process), the engine's search alone, the ask page's server
time through Django (GET /legal/ask/?q=..., rendered), keeping a consultation (a case) and the
lawyer's answer (resolving it), and a mediation agreement PDF render. Asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_INDEX = Path(os.environ.get("LIANXIN_DATA_DIR", ROOT / "var")) / "lawindex"
os.environ["LIANXIN_DATA_DIR"] = tempfile.mkdtemp(prefix="lianxin-bench-legal-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings")
os.environ.setdefault("LIANXIN_TASKS_BACKEND", "immediate")
os.environ.setdefault("LIANXIN_DEMO", "1")  # the repository's demo secret key: a throw-away database

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

SHARED_QUESTIONS = next(
    (
        d / "shared" / "data" / "legal" / "stard_train" / "questions.jsonl"
        for d in ROOT.parents
        if (d / "shared").is_dir()
    ),
    ROOT / "missing",
)
LAY_QUESTIONS = (
    "楼上广场舞音响太吵怎么办",
    "老板拖欠工资三个月怎么办",
    "租房押金房东不退",
    "被狗咬了找谁赔",
    "交通事故对方全责不赔钱",
    "网购买到假货商家不退款",
    "离婚后孩子抚养费对方不给",
    "民法典1165条",
)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def ms(values: list[float]) -> str:
    return (
        f"p50 {pct(values, 0.5) * 1000:.1f} ms, p95 {pct(values, 0.95) * 1000:.1f} ms, "
        f"max {max(values) * 1000:.1f} ms (n={len(values)})"
    )


def questions(limit: int) -> list[str]:
    if SHARED_QUESTIONS.is_file():
        rows = [json.loads(line) for line in SHARED_QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
        return [r["question"] for r in rows[:limit]]
    return list(LAY_QUESTIONS) * max(1, limit // len(LAY_QUESTIONS))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", default=str(DEFAULT_INDEX))
    parser.add_argument("--questions", type=int, default=300)
    args = parser.parse_args()
    index_dir = Path(args.index)
    if not (index_dir / "meta.json").exists():
        sys.exit(f"no statute index at {index_dir}: run 'lianxin laws import FILE' first, or pass --index")
    call_command("migrate", verbosity=0)

    from lianxin.cases.models import Category
    from lianxin.core.models import Role, Station, User
    from lianxin.engines.lawsearch import LawIndex
    from lianxin.legal import adapters, services

    t = time.perf_counter()
    index = LawIndex.open(index_dir)
    print(f"index: {len(index.articles)} articles, opened in {time.perf_counter() - t:.2f} s (once per process)")
    adapters.use_index(index)
    qs = questions(args.questions)
    print(f"questions: {len(qs)} ({'STARD training' if SHARED_QUESTIONS.is_file() else 'built-in lay questions'})")

    for q in qs[:5]:  # warm-up: jieba's dictionary, numpy paths
        adapters.ask(q)
    engine = []
    for q in qs:
        t = time.perf_counter()
        adapters.ask(q)
        engine.append(time.perf_counter() - t)
    print(f"engine search (k=10, cards, repeal marks): {ms(engine)}")

    station = Station.objects.create(code="bench", name="bench")
    Category.objects.create(station=station, code="legal-consult", name="法律咨询", sla_hours=72)
    lawyer = User.objects.create(username="bench_lawyer", station=station, role=Role.LAWYER)
    client = Client()
    page = []
    for q in qs:
        t = time.perf_counter()
        response = client.get("/legal/ask/", {"q": q, "station": "bench"})
        page.append(time.perf_counter() - t)
        assert response.status_code == 200
    print(f"ask page, server time (GET /legal/ask/?q=, rendered): {ms(page)}")

    keep, answer = [], []
    for q in qs[:100]:
        t = time.perf_counter()
        c = services.consultation_save(station=station, actor=None, question=q, contact_phone="13800001111")
        keep.append(time.perf_counter() - t)
        t = time.perf_counter()
        services.consultation_answer(consultation=c, actor=lawyer, answer="先协商，保留证据。")
        answer.append(time.perf_counter() - t)
    print(f"keep a consultation (search again + open its case): {ms(keep)}")
    print(f"lawyer's answer (note + resolve the case): {ms(answer)}")

    long_question = ("楼上邻居每天晚上跳广场舞音响很吵" * 200)[:2000]
    long = []
    for _ in range(10):
        t = time.perf_counter()
        client.get("/legal/ask/", {"q": long_question, "station": "bench"})
        long.append(time.perf_counter() - t)
    print(f"ask page with a 2,000-character question: {ms(long)}")

    from lianxin.mediation import services as mediation

    mediator = User.objects.create(username="bench_mediator", station=station, role=Role.MEDIATOR)
    dispute_category = Category.objects.create(station=station, code="neighbour-dispute", name="邻里纠纷")
    room = mediation.room_create(station=station, code="family", kind="family", name="婚姻家庭邻里纠纷调解室")
    room.mediators.add(mediator)
    dispute = mediation.dispute_open(
        actor=mediator,
        room=room,
        claim="楼上广场舞音响太吵",
        parties=[{"name": "张桂英", "role": "applicant"}, {"name": "李建国", "role": "respondent"}],
        category=dispute_category,
    )
    agreement = mediation.agreement_draft(actor=mediator, dispute=dispute, terms="一、晚八点前结束。\n二、音量降低。")
    renders = []
    for _ in range(5):
        t = time.perf_counter()
        mediation.agreement_pdf(agreement)
        renders.append(time.perf_counter() - t)
    print(f"mediation agreement PDF (WeasyPrint, Noto CJK, draft): {ms(renders)}")


if __name__ == "__main__":
    main()
