#!/usr/bin/env python3
"""Draft-reply evaluation (#6): character-level ROUGE-L F1 of `wenzheng draft` against the real
replies of messages_with_replies.csv, compared in the same run with two baselines:
  nearest  - the most similar precedent's reply copied verbatim (`wenzheng draft --method nearest`)
  template - one fixed reply template
and the count of invented numbers (numeric runs in the output that are not numeric runs of the
message: its title, body and handle).

Splits are fixed by a hash of the message id (sha256(留言编号) mod 10): 0-1 = dev (reported),
2-3 = tune (what the options were tuned on), 4-9 = precedents. Evaluating the tune split uses the
4-9 rows as precedents; evaluating dev uses every non-dev row. Dev rows are never precedents.

Usage: python3 benches/draft_eval.py [--split dev|tune] [--bin target/release/wenzheng]
"""
import argparse, csv, hashlib, io, os, re, statistics, subprocess, sys, tempfile

DATA = "training-data/tipdm2020/messages_with_replies.csv"
TEMPLATE = "网友您好！您的留言已收悉。现将有关情况回复如下：【待填写:办理结果】感谢您对我们工作的关心、监督与支持。"
FULLWIDTH = {c: c - 0xFEE0 for c in list(range(0xFF10, 0xFF1A)) + list(range(0xFF21, 0xFF3B)) + list(range(0xFF41, 0xFF5B))}


def bucket(message_id):
    return int(hashlib.sha256(message_id.strip().encode("utf-8")).hexdigest(), 16) % 10


def clean(text):
    """As the draft composer cleans: full-width digits/letters folded, whitespace removed."""
    return re.sub(r"\s+", "", text.translate(FULLWIDTH))


def lcs(a, b):
    """Bit-parallel LCS length (Hyyrö), on Python integers."""
    if not a or not b:
        return 0
    masks = {}
    for i, ch in enumerate(a):
        masks[ch] = masks.get(ch, 0) | (1 << i)
    full = (1 << len(a)) - 1
    v = full
    for ch in b:
        u = v & masks.get(ch, 0)
        v = ((v + u) | (v - u)) & full
    return len(a) - bin(v).count("1")


def rouge_l(candidate, reference):
    c, r = clean(candidate), clean(reference)
    l = lcs(c, r)
    return 0.0 if l == 0 else 2 * l / (len(c) + len(r))


NUMERIC = re.compile(r"[^\W_a-zA-Z\u4e00-\u9fff]+")


def numeric_runs(text):
    # The composer's definition: maximal runs of Unicode numeric characters.
    runs, cur = [], ""
    for ch in text:
        if ch.isnumeric() and not ("\u4e00" <= ch <= "\u9fff"):
            cur += ch
        else:
            if cur:
                runs.append(cur)
            cur = ""
    if cur:
        runs.append(cur)
    return runs


def invented(output, message):
    allowed = set(numeric_runs(clean(message)))
    return sum(1 for r in numeric_runs(clean(output)) if r not in allowed)


def run_cli(binary, method, inputs, precedents, tmp, extra=()):
    inp = os.path.join(tmp, f"in_{method}.csv")
    with open(inp, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["留言编号", "留言用户", "留言主题", "留言详情"])
        for r in inputs:
            w.writerow([r["留言编号"], r["留言用户"], r["留言主题"], r["留言详情"]])
    out = subprocess.run([binary, "draft", inp, "--precedents", precedents, "--method", method, *extra],
                         check=True, capture_output=True)
    rows = list(csv.DictReader(io.StringIO(out.stdout.decode("utf-8"))))
    assert len(rows) == len(inputs), (len(rows), len(inputs))
    return {r["留言编号"]: r["草稿"] for r in rows}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", default="dev", choices=["dev", "tune"])
    ap.add_argument("--bin", default="target/release/wenzheng")
    ap.add_argument("--data", default=DATA)
    ap.add_argument("--show", type=int, default=0, help="print this many drafts with their replies")
    ap.add_argument("--opts", default="", help="extra options for `wenzheng draft` (tuning), e.g. '--stand-ins 20'")
    a = ap.parse_args()
    with open(a.data, encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        header = reader.fieldnames
        rows = [r for r in reader if r["答复意见"].strip()]
    if a.split == "dev":
        queries = [r for r in rows if bucket(r["留言编号"]) < 2]
        prec = [r for r in rows if bucket(r["留言编号"]) >= 2]
    else:
        queries = [r for r in rows if bucket(r["留言编号"]) in (2, 3)]
        prec = [r for r in rows if bucket(r["留言编号"]) >= 4]
    with tempfile.TemporaryDirectory() as tmp:
        pfile = os.path.join(tmp, "precedents.csv")
        with open(pfile, "w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=header)
            w.writeheader()
            w.writerows(prec)
        outputs = {
            "draft": run_cli(a.bin, "draft", queries, pfile, tmp, a.opts.split()),
            "nearest": run_cli(a.bin, "nearest", queries, pfile, tmp),
            "template": {r["留言编号"]: TEMPLATE for r in queries},
        }
    print(f"split={a.split} n={len(queries)} precedents={len(prec)}")
    for name, out in outputs.items():
        scores, inv, lens = [], 0, []
        for q in queries:
            o = out[q["留言编号"]]
            scores.append(rouge_l(o, q["答复意见"]))
            inv += invented(o, q["留言主题"] + "\n" + q["留言详情"] + "\n" + q["留言用户"])
            lens.append(len(clean(o)))
        print(f"method={name} rouge_l_f1={statistics.mean(scores):.4f} invented_numbers={inv} "
              f"median_chars={statistics.median(lens):.0f}")
    for q in queries[: a.show]:
        print("\n# " + q["留言主题"] + "\nDRAFT: " + outputs["draft"][q["留言编号"]] + "\nREPLY: " + q["答复意见"][:400])


if __name__ == "__main__":
    main()
