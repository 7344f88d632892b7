"""Builds type_urgency_train_synthetic.csv from the synthetic writers' JSON Lines files.

Round 6 (training-data/README.md): contrastive groups written for training only by AI writers
following synthetic-instructions.md; each group is one invented situation told so that only what
decides the label changes. Never used for dev or test. Ids are 's' + the group + the message's
place in its group, so they never collide with real message ids.
"""
import csv, glob, json, os

HERE = os.path.dirname(os.path.abspath(__file__))
WRITERS = {'A': 'writer-6A', 'B': 'writer-6B', 'C': 'writer-6C', 'D': 'writer-6D', 'E': 'writer-6E', 'F': 'writer-6F'}
TYPES = {'咨询', '求助', '投诉', '举报', '建议', '表扬'}
URGENCIES = {'特急', '紧急', '一般'}

rows, seen = [], set()
for path in sorted(glob.glob(os.path.join(HERE, 'synthetic', 'syn_*.jsonl'))):
    letter = os.path.basename(path)[4]
    place = {}
    for n, line in enumerate(open(path, encoding='utf-8'), 1):
        if not line.strip():
            continue
        m = json.loads(line)
        assert m['type'] in TYPES and m['urgency'] in URGENCIES, (path, n)
        assert m['title'].strip() and m['body'].strip(), (path, n)
        if m['body'] in seen:
            continue
        seen.add(m['body'])
        g = m['group']
        place[g] = place.get(g, 0) + 1
        rows.append({'留言编号': f"s{g}-{place[g]}", '留言主题': m['title'].strip(), '留言详情': m['body'].strip(),
                     '诉求类型': m['type'], '紧急程度': m['urgency'], '组': g, '作者': WRITERS[letter]})
with open(os.path.join(HERE, 'type_urgency_train_synthetic.csv'), 'w', encoding='utf-8', newline='') as f:
    w = csv.DictWriter(f, fieldnames=list(rows[0]))
    w.writeheader()
    w.writerows(rows)
print(f'{len(rows)} synthetic messages in {len({r["组"] for r in rows})} groups')
