"""Second labelling round (2026-11-27): 2,220 more messages from the pools, none already labelled.

1,020 uniformly at random; 800 at random among messages with an urgency signal (same keyword list
as select_messages.py); 400 at random among messages with a cue of the rarer request types
(咨询, 求助, 表扬). As before, keywords chose which messages were read, never a label; the 抽样方式
column records the part.

Usage: python3 select_more.py SHARED_DATA_DIR OUT_DIR training-data/labels/type_urgency.csv
"""
import csv, random, re, sys

src_dir, out_dir = sys.argv[1], sys.argv[2]
random.seed(20261128)
pools = {'hot': 'messages_hot_unlabeled.csv', 'replies': 'messages_with_replies.csv', 'test': 'messages_unlabeled_test.csv'}
here = sys.argv[3] if len(sys.argv) > 3 else None
rows, seen = {}, set()
for src, f in pools.items():
    for r in csv.DictReader(open(f'{src_dir}/{f}', encoding='utf-8')):
        i = r['留言编号']
        if i in seen:
            continue
        seen.add(i)
        rows[i] = (src, r['留言主题'].strip(), r['留言详情'].strip())
labelled = {r['留言编号'] for r in csv.DictReader(open(here, encoding='utf-8'))}
ids = sorted((i for i in rows if i not in labelled), key=int)
random.shuffle(ids)
urgent_kw = re.compile('停水|停电|停气|燃气|煤气|漏气|坍塌|倒塌|垮塌|火灾|着火|危房|溺水|中毒|失联|自杀|轻生|跳楼|打人|殴打|暴力|上访|聚集|欠薪|拖欠工资|农民工工资|断供|驱逐|强拆|急救|漫溢|污水横流|施工扰民|深夜施工|夜间施工|凌晨|裂缝|触电|电线|塌陷|无人看管|救命|生命安全|安全隐患')
type_kw = re.compile('请问|咨询|如何办理|怎么办理|求助|帮帮|恳请|困难|感谢|表扬|点赞|致谢')
rand = ids[:1020]
rest = ids[1020:]
urg = [i for i in rest if urgent_kw.search(rows[i][1] + rows[i][2])][:800]
taken = set(urg)
typ = [i for i in rest if i not in taken and type_kw.search(rows[i][1] + rows[i][2])][:400]
sel = [(i, 'random') for i in rand] + [(i, 'keyword') for i in urg] + [(i, 'type_keyword') for i in typ]
random.shuffle(sel)
with open(f'{out_dir}/selection2.csv', 'w', encoding='utf-8', newline='') as fo:
    w = csv.writer(fo)
    w.writerow(['留言编号', '来源文件', '抽样方式', '留言主题', '留言详情'])
    for i, how in sel:
        src, t, b = rows[i]
        w.writerow([i, pools[src], how, t, b])
for k in range(6):
    part = sel[k * 370:(k + 1) * 370]
    with open(f'{out_dir}/batch_{k + 7}.csv', 'w', encoding='utf-8', newline='') as fo:
        w = csv.writer(fo)
        w.writerow(['留言编号', '留言主题', '留言详情'])
        for i, _ in part:
            w.writerow([i, rows[i][1], rows[i][2]])
print(len(rand), len(urg), len(typ))
