"""Builds type_urgency_train_tokenized.csv (round 5: extra training messages, tokenized text) from
the batches of select_tokenized.py and the annotators' files in annotations/tokenized/.

Usage: python3 merge_tokenized.py SHARED_DATA_DIR BATCH_DIR
  (BATCH_DIR: where select_tokenized.py wrote tokenized_K.csv)
"""
import collections, csv, os, sys

here = os.path.dirname(os.path.abspath(__file__))
src_dir, batch_dir = sys.argv[1], sys.argv[2]
names = {k: f'annotator-5{c}' for k, c in zip(range(1, 8), 'ABCDEFG')}
out = []
for k, who in names.items():
    batch = list(csv.DictReader(open(f'{batch_dir}/tokenized_{k}.csv', encoding='utf-8')))
    labels = list(csv.DictReader(open(f'{here}/annotations/tokenized/tokenized_{k}.labels.csv', encoding='utf-8')))
    # A batch may be partly labelled (an annotator stopped early): take its labelled prefix.
    assert [r['留言编号'] for r in labels] == [r['留言编号'] for r in batch[:len(labels)]], k
    for b, l in zip(batch, labels):
        out.append({'留言编号': b['留言编号'], '分词文本': b['分词文本'], '诉求类型': l['诉求类型'],
                    '紧急程度': l['紧急程度'], '注': l['注'], '标注者': who})
with open(f'{here}/type_urgency_train_tokenized.csv', 'w', encoding='utf-8', newline='') as f:
    w = csv.DictWriter(f, fieldnames=list(out[0].keys()))
    w.writeheader()
    w.writerows(out)
print(len(out), collections.Counter(r['诉求类型'] for r in out), collections.Counter(r['紧急程度'] for r in out),
      'text damaged:', sum('文本残缺' in r['注'] for r in out))
