#!/usr/bin/env python3
"""Ceiling of the draft's composition space (#6): how far ROUGE-L could go if every choice the
composer makes were made by an oracle that reads the real reply. Not a method: a measurement of
what the target (0.30) asks of the design.

Starting from each `wenzheng draft` output, the oracle picks (1) the opening and (2) the closing
among those of the place's precedents (no number), then (3) greedily inserts, before the
【待填写:办理结果】 blank, any sentence of the message or of the 20 most similar precedents' replies
(character-bigram BM25, title counted twice) whose numbers are all in the message, while the
F1 against the real reply rises. Same splits and metric as benches/draft_eval.py.

Usage: python3 benches/draft_ceiling.py [--split tune|dev] [--bin target/release/wenzheng]
"""
import argparse, collections, csv, math, os, re, statistics, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import draft_eval as E  # noqa: E402

BLANK = "【待填写:办理结果】"
GREETING = re.compile(r"您好|收悉|特此|感谢|谢谢|UU[0-9]")
PLACE = re.compile(r"[A-Z][0-9]{0,3}(?:市|区|县)")
DATE = re.compile(r"[\s。.]*(?:[0-9]{4}年[0-9]{1,2}月[0-9]{1,2}日|[二〇○零0-9O]{4}年[一二三四五六七八九十]{1,2}月"
                  r"[一二三四五六七八九十]{1,3}日|[0-9]{4}[-./][0-9]{1,2}[-./][0-9]{1,2})\s*$")


def sentences(text):
    return [s for s in re.split(r"(?<=[。！？；!?;])", E.clean(text)) if s]


def place(title, body):
    for t in (title, body):
        for m in PLACE.findall(t):
            if len(m) > 2:
                return m
    for t in (title, body):
        m = PLACE.search(t)
        if m:
            return m.group()
    return None


def opening_closing(reply, handle):
    r = re.sub(r"“?UU[0-9]+”?", "", DATE.sub("", E.clean(reply)))
    if handle.strip():
        r = r.replace(f"“{E.clean(handle)}”", "").replace(E.clean(handle), "")
    m = re.search(r"如下[:：]", r[:160])
    ss = sentences(r)
    end = m.end() if m else (len(ss[0]) if ss else 0)
    rest = sentences(r[end:])
    closing = rest[-1] if rest and re.search("感谢|谢谢|特此", rest[-1]) else ""
    return r[:end], closing


def grams(t):
    t = re.sub(r"\W", "", t)
    return [t[i:i + 2] for i in range(len(t) - 1)]


class BM25:
    def __init__(self, docs):
        self.docs = [collections.Counter(grams(t) * 2 + grams(b)) for t, b in docs]
        self.df = collections.Counter()
        for d in self.docs:
            self.df.update(d.keys())
        self.lens = [sum(d.values()) for d in self.docs]
        self.avg = sum(self.lens) / len(self.docs)

    def rank(self, title, body, k):
        n = len(self.docs)
        idf = {g: math.log(1 + (n - self.df[g] + .5) / (self.df[g] + .5)) for g in set(grams(title) + grams(body))}
        scores = []
        for i, d in enumerate(self.docs):
            s = 0.0
            for g, w in idf.items():
                f = d.get(g)
                if f:
                    s += w * f * 2.2 / (f + 1.2 * (.25 + .75 * self.lens[i] / self.avg))
            scores.append((s, i))
        scores.sort(reverse=True)
        return [i for _, i in scores[:k]]


def numbers_ok(s, message):
    allowed = set(E.numeric_runs(message))
    return all(x in allowed for x in E.numeric_runs(s))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", default="tune", choices=["dev", "tune"])
    ap.add_argument("--bin", default="target/release/wenzheng")
    a = ap.parse_args()
    with open(E.DATA, encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        header = reader.fieldnames
        rows = [r for r in reader if r["答复意见"].strip()]
    if a.split == "dev":
        queries = [r for r in rows if E.bucket(r["留言编号"]) < 2]
        prec = [r for r in rows if E.bucket(r["留言编号"]) >= 2]
    else:
        queries = [r for r in rows if E.bucket(r["留言编号"]) in (2, 3)]
        prec = [r for r in rows if E.bucket(r["留言编号"]) >= 4]
    with tempfile.TemporaryDirectory() as tmp:
        pfile = os.path.join(tmp, "precedents.csv")
        with open(pfile, "w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=header)
            w.writeheader()
            w.writerows(prec)
        drafts = E.run_cli(a.bin, "draft", queries, pfile, tmp)
    by_place = collections.defaultdict(list)
    for p in prec:
        by_place[place(E.clean(p["留言主题"]), E.clean(p["留言详情"]))].append(opening_closing(p["答复意见"], p["留言用户"]))
    index = BM25([(p["留言主题"], p["留言详情"]) for p in prec])
    base, ceiling = [], []
    for q in queries:
        draft, ref = drafts[q["留言编号"]], q["答复意见"]
        handle = E.clean(q["留言用户"])
        message = E.clean(q["留言主题"] + "\n" + q["留言详情"] + "\n" + q["留言用户"])
        base.append(E.rouge_l(draft, ref))
        i, j = draft.find("您反映的“"), draft.find(BLANK)
        if j < 0:
            ceiling.append(base[-1])
            continue
        opening, middle, closing = (draft[:i], draft[i:j + len(BLANK)], draft[j + len(BLANK):]) if i >= 0 \
            else ("", draft[:j + len(BLANK)], draft[j + len(BLANK):])
        known = by_place.get(place(E.clean(q["留言主题"]), E.clean(q["留言详情"])), [])
        address = lambda o: f"网友“{handle}”" + o[2:].lstrip(":：") if o.startswith("网友") and handle else o
        openings = {opening} | {address(o) for o, _ in known if o and not E.numeric_runs(o)}
        closings = {closing} | {c for _, c in known if c and not E.numeric_runs(c)}
        opening = max(openings, key=lambda o: E.rouge_l(o + middle + closing, ref))
        closing = max(closings, key=lambda c: E.rouge_l(opening + middle + c, ref))
        pool = [s for s in sentences(q["留言详情"]) if numbers_ok(s, message)]
        for k in index.rank(q["留言主题"], q["留言详情"][:300], 20):
            for s in sentences(prec[k]["答复意见"]):
                if len(s) >= 8 and not GREETING.search(s) and numbers_ok(s, message) and s not in pool:
                    pool.append(s)
        current = opening + middle + closing
        best_score = E.rouge_l(current, ref)
        while True:
            best = None
            for s in pool:
                if s in current:
                    continue
                t = current.replace(BLANK, s + BLANK)
                v = E.rouge_l(t, ref)
                if v > best_score + 1e-9 and (best is None or v > best[0]):
                    best = (v, t)
            if best is None:
                break
            best_score, current = best
        ceiling.append(best_score)
    print(f"split={a.split} n={len(queries)} draft={statistics.mean(base):.4f} "
          f"oracle_ceiling={statistics.mean(ceiling):.4f}")


if __name__ == "__main__":
    main()
