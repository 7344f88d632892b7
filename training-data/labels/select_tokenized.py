"""Round 5 (2026-11-28): 诉求类型 and 紧急程度 for the department task's tokenized messages, as extra
training data only.

`tipdm2020/messages_labeled_tokenized.csv` (8,176 messages, department-labelled) survives only as
jieba tokens with stop words removed, title and body run together. The classifiers see messages
the same way (their own segmentation, stop words and punctuation dropped), so these messages can
train the type and urgency models; they are never used for dev or test, which stay raw messages.
Rows that repeat another row exactly, or near-duplicate (word-set Jaccard ≥ 0.5) any raw message
already labelled, are left out. 7 batches, shuffled.

Usage: python3 select_tokenized.py SHARED_DATA_DIR OUT_DIR training-data/labels/type_urgency.csv
"""
import csv, random, re, sys

src_dir, out_dir, labelled = sys.argv[1], sys.argv[2], sys.argv[3]
random.seed(20261203)
rows = list(csv.DictReader(open(f'{src_dir}/messages_labeled_tokenized.csv', encoding='utf-8')))
raw = list(csv.DictReader(open(labelled, encoding='utf-8')))


def grams(text):
    s = re.sub(r'\s+', '', text)
    return {s[i:i + 2] for i in range(len(s) - 1)}


# Character bigram sets stand in for word sets: the tokenized text and the raw text are cut
# differently, so words would not match; bigrams of the joined characters do.
raw_sets = [grams(r['留言主题'] + r['留言详情']) for r in raw]
index = {}
for k, g in enumerate(raw_sets):
    for b in g:
        index.setdefault(b, []).append(k)
seen, kept = set(), []
for r in rows:
    text = r['分词文本'].strip()
    if not text or text in seen:
        continue
    seen.add(text)
    g = grams(text)
    counts = {}
    for b in g:
        for k in index.get(b, ())[:2000]:
            counts[k] = counts.get(k, 0) + 1
    dup = any(c / len(g | raw_sets[k]) >= 0.5 for k, c in counts.items() if c >= 0.5 * len(g))
    if not dup:
        kept.append(r)
random.shuffle(kept)
k_batches = 7
n = (len(kept) + k_batches - 1) // k_batches
for k in range(k_batches):
    with open(f'{out_dir}/tokenized_{k + 1}.csv', 'w', encoding='utf-8', newline='') as f:
        w = csv.writer(f)
        w.writerow(['留言编号', '分词文本'])
        for r in kept[k * n:(k + 1) * n]:
            w.writerow(['t' + r['row'], r['分词文本'].strip()])
print(len(rows), 'rows;', len(kept), 'kept;', n, 'per batch')
