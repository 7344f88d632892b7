#!/usr/bin/env python3
"""Python/scikit-learn baseline for the department classifier, and the speed comparison with
`wenzheng classify`. Run through benches/python_compare.sh, which sets up the virtualenv.

What it does, in order:

1. Accuracy. Trains a typical scikit-learn pipeline -- jieba words, TF-IDF over word 1-2grams,
   LinearSVC -- on training-data/tipdm2020/messages_labeled_tokenized.csv and evaluates it on the
   447 raw messages of messages_labeled_raw_sample.csv, printing
       python_baseline n=447 macro_f1=... accuracy=...
   The tokenized file holds jieba tokens with punctuation and stop words already removed; its
   tokens are joined WITHOUT spaces into pseudo-raw text and re-cut with jieba.lcut, so training and
   evaluation text go through the same segmenter. Because the raw sample overlaps the tokenized
   data, every training row whose jieba word set has Jaccard >= 0.5 with some evaluation message is
   removed from training first (the same rule `wenzheng train` applies).
   Optionally (default on) a word+char n-gram variant, closer to the features the Rust model uses.

2. Python speed. Classifies the raw sample messages (repeated to >= --min-messages) ONE at a time,
   as a service would: jieba.lcut + vectorizer.transform([text]) + clf.predict, timed with
   time.perf_counter around the loop only (model in memory, jieba initialised by a warm-up call).
   Median of --runs runs.

3. Rust speed (with --rust-bin). Runs `wenzheng classify` on the SAME messages as JSON lines, once
   with all N messages and once with 1 message, --runs times each. t_1 is the start-up + model
   load cost; the per-message cost is (median t_N - median t_1) / (N - 1). Also checks that one
   output line came back per input, and scores the Rust labels on the 447 messages.

The last line printed is
    python_per_message_us=... rust_per_message_us=... speedup=...x rust_model_load_ms=...
"""

import argparse
import csv
import json
import math
import os
import pickle
import re
import statistics
import subprocess
import sys
import time

import jieba
import numpy as np
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.metrics import accuracy_score, f1_score
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC

jieba.setLogLevel(60)  # silence "Building prefix dict..." on stderr

# A token is a word when it holds at least one letter/digit/CJK character: drops punctuation and
# whitespace, which the tokenized training file no longer contains either.
_WORDISH = re.compile(r"\w")


def words(text):
    """jieba words of a text, punctuation and whitespace dropped."""
    return [w for w in jieba.lcut(text) if _WORDISH.search(w)]


def message_text(title, body):
    # Same as wenzheng's classify::data::message_text: trimmed title, newline, trimmed body.
    return title.strip() + "\n" + body.strip()


def read_csv(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def split_words(doc):
    # The vectorizers get pre-segmented text (words joined by single spaces).
    return doc.split(" ")


def chars_of(doc):
    # Character n-grams run over the words concatenated (no spaces, no punctuation), as in
    # wenzheng's features.rs.
    return doc.replace(" ", "")


def make_vectorizer(with_chars):
    word = TfidfVectorizer(
        tokenizer=split_words, token_pattern=None, lowercase=False,
        ngram_range=(1, 2), sublinear_tf=True, min_df=2,
    )
    if not with_chars:
        return word
    char = TfidfVectorizer(
        preprocessor=chars_of, analyzer="char", lowercase=False,
        ngram_range=(2, 3), sublinear_tf=True, min_df=2,
    )
    return FeatureUnion([("word", word), ("char", char)])


def near_duplicate_mask(train_words, eval_words, threshold):
    """True for each training row whose word set has Jaccard >= threshold with any eval message.
    Computed exactly with sparse binary matrices: |A∩B| = A·Bᵀ, |A∪B| = |A| + |B| - |A∩B|."""
    cv = CountVectorizer(analyzer=lambda ws: set(ws), binary=True)
    m = cv.fit_transform(list(train_words) + list(eval_words)).tocsr()
    t, e = m[: len(train_words)], m[len(train_words):]
    inter = (t @ e.T).toarray()
    size_t = np.asarray(t.sum(axis=1)).ravel()
    size_e = np.asarray(e.sum(axis=1)).ravel()
    union = size_t[:, None] + size_e[None, :] - inter
    jac = inter / np.maximum(union, 1)
    return (jac >= threshold).any(axis=1)


def scores(gold, pred):
    return f1_score(gold, pred, average="macro"), accuracy_score(gold, pred)


def fit_and_eval(name, with_chars, train_docs, train_labels, eval_docs, eval_labels):
    vec = make_vectorizer(with_chars)
    t0 = time.perf_counter()
    x = vec.fit_transform(train_docs)
    clf = LinearSVC()  # defaults: C=1.0, squared hinge, one-vs-rest
    clf.fit(x, train_labels)
    fit_s = time.perf_counter() - t0
    pred = clf.predict(vec.transform(eval_docs))
    f1, acc = scores(eval_labels, pred)
    print(f"{name} n={len(eval_labels)} macro_f1={f1:.4f} accuracy={acc:.4f}"
          f"  (features={x.shape[1]}, fit {fit_s:.1f}s)", flush=True)
    return vec, clf


def python_per_message_us(vec, clf, texts, runs):
    """Per-message time of classifying one message at a time, median over runs (microseconds)."""
    # Warm-up: jieba loads its dictionary on the first cut; also touches the model once.
    clf.predict(vec.transform([" ".join(words(texts[0]))]))
    per = []
    for _ in range(runs):
        t0 = time.perf_counter()
        for text in texts:
            clf.predict(vec.transform([" ".join(words(text))]))
        per.append((time.perf_counter() - t0) / len(texts) * 1e6)
    return statistics.median(per), per


# Run in a fresh interpreter to time the Python equivalent of Rust's t_1: start-up, imports, model
# load, jieba dictionary load, and one message classified.
_LOAD_ONE = r"""
import pickle, sys
sys.path.insert(0, sys.argv[2])
# The pickled vectorizer refers to __main__.split_words (pickled from the script run as __main__).
from python_baseline import split_words, chars_of, words
with open(sys.argv[1], "rb") as f:
    vec, clf = pickle.load(f)
print(clf.predict(vec.transform([" ".join(words(sys.argv[3]))]))[0])
"""


def python_load_ms(model_path, text, runs):
    here = os.path.dirname(os.path.abspath(__file__))
    ts = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", _LOAD_ONE, model_path, here, text],
                       check=True, stdout=subprocess.DEVNULL)
        ts.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(ts)


def time_rust(rust_bin, model, departments, jsonl_path, out_path, flags=("--department-only",)):
    """Wall time of one `wenzheng classify` run. By default with --department-only: the same task
    as the Python pipeline (one model). flags=() runs full triage (department + type + urgency)."""
    env = dict(os.environ, WENZHENG_MODEL=model, WENZHENG_DEPARTMENTS=departments)
    with open(jsonl_path, "rb") as fin, open(out_path, "wb") as fout:
        t0 = time.perf_counter()
        p = subprocess.run([rust_bin, "classify", *flags], stdin=fin, stdout=fout,
                           stderr=subprocess.PIPE, env=env)
        t = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"error: {rust_bin} classify exited {p.returncode}: "
                 f"{p.stderr.decode('utf-8', 'replace')[-2000:]}")
    return t


def load_note():
    """The machine's load, printed around the timings: other jobs (a cargo build...) on a 2-core
    machine slow both sides and make the numbers noisy."""
    try:
        with open("/proc/loadavg") as f:
            load1 = float(f.read().split()[0])
    except OSError:
        return "load average unknown"
    cpus = os.cpu_count() or 1
    busy = "  WARNING: machine busy, timings are noisy" if load1 > 0.75 * cpus else ""
    return f"load average (1 min) {load1:.2f} on {cpus} CPUs{busy}"


def write_jsonl(path, items):
    with open(path, "w", encoding="utf-8") as f:
        for i, (title, body) in enumerate(items):
            f.write(json.dumps({"id": i, "title": title, "body": body}, ensure_ascii=False) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--train", default="training-data/tipdm2020/messages_labeled_tokenized.csv")
    ap.add_argument("--eval", default="training-data/tipdm2020/messages_labeled_raw_sample.csv")
    ap.add_argument("--scratch", required=True, help="private scratch directory")
    ap.add_argument("--min-messages", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--jaccard", type=float, default=0.5)
    ap.add_argument("--no-wordchar", action="store_true", help="skip the word+char variant")
    ap.add_argument("--rust-bin", help="path of the wenzheng binary; omit for the Python half only")
    ap.add_argument("--model", default="models/department.wzm")
    ap.add_argument("--departments", default="models/departments.toml")
    a = ap.parse_args()

    # ---- data ---------------------------------------------------------------------------------
    t0 = time.perf_counter()
    train_rows = read_csv(a.train)
    eval_rows = read_csv(a.eval)
    train_labels_all = [r["一级标签"].strip() for r in train_rows]
    # Pseudo-raw text: the tokens joined without spaces, then cut again with jieba.
    train_words_all = [words(r["分词文本"].replace(" ", "")) for r in train_rows]
    eval_items = [(r["留言主题"], r["留言详情"]) for r in eval_rows]
    eval_texts = [message_text(t, b) for t, b in eval_items]
    eval_labels = [r["一级标签"].strip() for r in eval_rows]
    eval_words = [words(t) for t in eval_texts]

    drop = near_duplicate_mask(train_words_all, eval_words, a.jaccard)
    keep = [i for i in range(len(train_rows)) if not drop[i] and train_words_all[i]]
    train_docs = [" ".join(train_words_all[i]) for i in keep]
    train_labels = [train_labels_all[i] for i in keep]
    eval_docs = [" ".join(ws) for ws in eval_words]
    print(f"# data: {len(train_rows)} tokenized rows, {int(drop.sum())} removed as near-duplicates "
          f"of the evaluation messages (Jaccard >= {a.jaccard}), {len(train_docs)} trained on; "
          f"{len(eval_rows)} evaluation messages; segmenting took {time.perf_counter() - t0:.1f}s",
          flush=True)

    # ---- accuracy -----------------------------------------------------------------------------
    vec, clf = fit_and_eval("python_baseline", False, train_docs, train_labels, eval_docs, eval_labels)
    wc = None
    if not a.no_wordchar:
        wc = fit_and_eval("python_baseline_wordchar", True, train_docs, train_labels, eval_docs,
                          eval_labels)

    # ---- the messages timed: the raw sample repeated to at least --min-messages ----------------
    reps = math.ceil(a.min_messages / len(eval_items))
    items = eval_items * reps
    texts = [message_text(t, b) for t, b in items]
    n = len(texts)

    # ---- Python speed -------------------------------------------------------------------------
    print(f"# timing {n} messages ({len(eval_items)} raw sample messages x {reps}); {load_note()}",
          flush=True)
    py_us, py_runs = python_per_message_us(vec, clf, texts, a.runs)
    print(f"# python word 1-2gram: per-message runs (us) {', '.join(f'{x:.1f}' for x in py_runs)}",
          flush=True)
    if wc is not None:
        wc_us, wc_runs = python_per_message_us(wc[0], wc[1], texts, a.runs)
        print(f"# python word+char: per-message runs (us) {', '.join(f'{x:.1f}' for x in wc_runs)}; "
              f"python_wordchar_per_message_us={wc_us:.1f}", flush=True)
    model_pkl = os.path.join(a.scratch, "python_model.pkl")
    with open(model_pkl, "wb") as f:
        pickle.dump((vec, clf), f)
    py_load = python_load_ms(model_pkl, texts[0], a.runs)
    print(f"# python_model_load_ms={py_load:.1f} (fresh interpreter: imports + unpickle + jieba "
          f"dictionary + 1 message, median of {a.runs}; the analogue of rust t_1)", flush=True)

    if not a.rust_bin:
        print(f"python_per_message_us={py_us:.1f} n={n} (Rust half skipped)")
        return

    # ---- Rust speed ---------------------------------------------------------------------------
    many = os.path.join(a.scratch, "messages.jsonl")
    one = os.path.join(a.scratch, "one.jsonl")
    write_jsonl(many, items)
    write_jsonl(one, items[:1])
    out_many = os.path.join(a.scratch, "out_many.jsonl")
    out_one = os.path.join(a.scratch, "out_one.jsonl")
    # Warm-up run (not timed): brings the binary and the model file into the page cache, so that
    # t_1 measures parsing the model, not the disk.
    time_rust(a.rust_bin, a.model, a.departments, one, out_one)
    t1s, tns = [], []
    for _ in range(a.runs):  # interleaved, so drift in machine load hits both alike
        t1s.append(time_rust(a.rust_bin, a.model, a.departments, one, out_one))
        tns.append(time_rust(a.rust_bin, a.model, a.departments, many, out_many))
    t1, tn = statistics.median(t1s), statistics.median(tns)
    # Full triage (department + request type + urgency), for information: three models per message.
    full_t1 = statistics.median(time_rust(a.rust_bin, a.model, a.departments, one, out_one, ()) for _ in range(a.runs))
    full_tn = statistics.median(time_rust(a.rust_bin, a.model, a.departments, many, out_many, ()) for _ in range(a.runs))
    print(f"# rust full triage (3 models): per_message_us={(full_tn - full_t1) / (n - 1) * 1e6:.1f} "
          f"model_load_ms={full_t1 * 1e3:.1f}", flush=True)
    time_rust(a.rust_bin, a.model, a.departments, many, out_many)
    print(f"# timings done; {load_note()}", flush=True)

    with open(out_many, encoding="utf-8") as f:
        outs = [json.loads(line) for line in f]
    if len(outs) != n:
        sys.exit(f"error: wenzheng classify wrote {len(outs)} lines for {n} inputs")
    errors = [o for o in outs if "error" in o]
    if errors:
        sys.exit(f"error: wenzheng classify reported {len(errors)} errors, first: {errors[0]}")
    if [o["id"] for o in outs] != list(range(n)):
        sys.exit("error: wenzheng classify output ids are not the input ids in order")
    rust_pred = [o["label"] for o in outs[: len(eval_labels)]]
    f1, acc = scores(eval_labels, rust_pred)
    print(f"rust_same_messages n={len(eval_labels)} macro_f1={f1:.4f} accuracy={acc:.4f}  "
          f"(labels of `wenzheng classify` on the same raw sample)")
    print(f"# rust t_1 runs (ms) {', '.join(f'{x * 1e3:.1f}' for x in t1s)}; "
          f"t_N runs (ms, N={n}) {', '.join(f'{x * 1e3:.1f}' for x in tns)}", flush=True)

    rust_us = (tn - t1) / (n - 1) * 1e6
    speedup = py_us / rust_us if rust_us > 0 else float("inf")
    print(f"python_per_message_us={py_us:.1f} rust_per_message_us={rust_us:.1f} "
          f"speedup={speedup:.1f}x rust_model_load_ms={t1 * 1e3:.1f}")


if __name__ == "__main__":
    main()
