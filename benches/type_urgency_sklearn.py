"""Request type and urgency: the scikit-learn experiments behind docs/classifier.md ("Tried and
not kept", session 4). A replica of the shipped pipeline (jieba + the project's dictionary and stop
words; word 1-2-grams, character 2-3-grams over the content words, title words as `t:` features;
sublinear TF-IDF; LinearSVC with balanced class weights; training rows that near-duplicate a dev or
test message dropped), then one change at a time. Selection metric as in training: dev macro-F1
over the five classes other than 表扬 (`dev5`); urgency: precision at 90% urgent recall (P@R.9).
Test is reported, never used to choose.

    pip install scikit-learn jieba
    python3 benches/type_urgency_sklearn.py [variant ...]   # from the repository root

Variants: base cue ask bias lr rawchar agreed synthetic human (default: all). ~15 min on 2 cores.
"""
import csv, re, sys, unicodedata
import numpy as np, scipy.sparse as sp, jieba
from sklearn.feature_extraction.text import TfidfVectorizer, CountVectorizer
from sklearn.svm import LinearSVC
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.preprocessing import normalize

L = 'training-data/labels/'
T5 = ['咨询', '求助', '投诉', '举报', '建议']
jieba.setLogLevel(60)
jieba.load_userdict('src/text/userdict.txt')
STOP = {l.strip() for l in open('src/text/stopwords.txt', encoding='utf-8') if l.strip()}
WORD = re.compile(r'[\w\u4e00-\u9fff]')


def seg(s, keep=False):
    out = []
    for w in jieba.cut(re.sub(r'\s+', ' ', unicodedata.normalize('NFKC', s or ''))):
        w = w.strip()
        if w and (keep or (WORD.search(w) and w not in STOP)):
            out.append(w)
    return out


def raw_rows(path):
    return [dict(id=r['留言编号'], title=r['留言主题'], body=r['留言详情'], tw=seg(r['留言主题']),
                 bw=seg(r['留言详情']), bf=seg(r['留言详情'], True), type=r['诉求类型'], urg=r['紧急程度'],
                 how=r.get('标注方式', ''))
            for r in csv.DictReader(open(path, encoding='utf-8'))]


def tok_rows(path):
    return [dict(id=r['留言编号'], title='', body=r['分词文本'], tw=[], bf=r['分词文本'].split(),
                 bw=[w for w in r['分词文本'].split() if w not in STOP], type=r['诉求类型'], urg=r['紧急程度'],
                 how='')
            for r in csv.DictReader(open(path, encoding='utf-8'))]


def words(d):
    return d['tw'] + d['bw']


def dedupe(train, held, thr=0.5):
    cv = CountVectorizer(analyzer=lambda d: set(words(d)), binary=True).fit(train + held)
    a, b = cv.transform(train), cv.transform(held)
    inter = (a @ b.T).tocoo()
    na, nb = np.asarray(a.sum(1)).ravel(), np.asarray(b.sum(1)).ravel()
    j = inter.data / (na[inter.row] + nb[inter.col] - inter.data)
    bad = set(inter.row[j >= thr])
    return [d for i, d in enumerate(train) if i not in bad]


def base_feats(d):
    t = words(d)
    f = t + [a + ' ' + b for a, b in zip(t, t[1:])]
    s = ''.join(t)
    for n in (2, 3):
        f += [s[i:i + n] for i in range(len(s) - n + 1)]
    return f + ['t:' + w for w in d['tw']]


FIRST = {'我', '我们', '本人', '我家', '我方', '我司', '我校', '咱们', '咱', '俺'}
THIRD = {'他', '他们', '她', '她们', '该', '其', '此人', '这些人'}


def cue_feats(d):
    return ['c:first' for w in d['bf'] if w in FIRST] + ['c:third' for w in d['bf'] if w in THIRD] + \
           ['c:q' for w in d['bf'] if w in ('?', '？')]


def ask_feats(d):
    sents, cur = [], []
    for w in d['bf']:
        if re.fullmatch(r'[。！？!?；;]+', w):
            sents.append(cur); cur = []
        elif WORD.search(w):
            cur.append(w)
    sents = [s for s in sents + [cur] if s]
    tail = (sents[-2] if len(sents) > 1 else []) + (sents[-1] if sents else [])
    return ['e:' + w for w in tail] + ['e:' + a + b for a, b in zip(tail, tail[1:])]


def raw_text(d):
    return d['body'].replace(' ', '') if not d['title'] else unicodedata.normalize('NFKC', d['title'] + '。' + d['body'])


def mf5(y, p):
    return f1_score(y, p, labels=T5, average='macro')


def prec_at(urgent, score, recall=0.9):
    o = np.argsort(-score)
    tp = np.cumsum(np.asarray(urgent)[o])
    k = np.searchsorted(tp, np.ceil(recall * tp[-1]))
    return tp[k] / (k + 1)


class Data:
    def __init__(self, synthetic=False, agreed_only=False):
        self.dev, self.test = raw_rows(L + 'type_urgency_dev.csv'), raw_rows(L + 'type_urgency_test.csv')
        train = raw_rows(L + 'type_urgency_train.csv') + tok_rows(L + 'type_urgency_train_tokenized.csv')
        if synthetic:
            train += raw_rows(L + 'type_urgency_train_synthetic.csv')
        if agreed_only:
            train = [d for d in train if d['how'] != '三人裁定']
        self.train = dedupe(train, self.dev + self.test)
        self.sets = (self.train, self.dev, self.test)

    def matrices(self, analyzer, max_features):
        v = TfidfVectorizer(analyzer=analyzer, sublinear_tf=True, min_df=2, max_features=max_features).fit(self.train)
        return [v.transform(s) for s in self.sets]


def with_blocks(base, blocks):
    return [normalize(sp.hstack([base[i]] + [b[i] for b in blocks]).tocsr()) for i in range(3)]


def report_type(name, data, X, model=None):
    m = model or LinearSVC(C=0.3, class_weight='balanced')
    m.fit(X[0], [d['type'] for d in data.train])
    print(f"{name:28s} type  dev5 {mf5([d['type'] for d in data.dev], m.predict(X[1])):.4f}"
          f"  test5 {mf5([d['type'] for d in data.test], m.predict(X[2])):.4f}", flush=True)
    return m


def report_urgency(name, data, X):
    m = LinearSVC(C=0.1, class_weight='balanced').fit(X[0], [d['urg'] != '一般' for d in data.train])
    u = [[d['urg'] != '一般' for d in s] for s in (data.dev, data.test)]
    print(f"{name:28s} urgency  dev P@R.9 {prec_at(u[0], m.decision_function(X[1])):.3f}"
          f"  test P@R.9 {prec_at(u[1], m.decision_function(X[2])):.3f}", flush=True)


def human():
    """One annotator scored against the other (the two independent passes over all 9,992)."""
    first = {r['留言编号']: r for r in csv.DictReader(open(L + 'type_urgency_first_pass.csv', encoding='utf-8'))}
    second = {}
    import glob
    for f in glob.glob(L + 'annotations/second_pass/second_*.labels.csv'):
        second.update({r['留言编号']: r for r in csv.DictReader(open(f, encoding='utf-8'))})
    ids = sorted(first)
    a = [first[i]['诉求类型'] for i in ids]
    b = [second[i]['诉求类型'] for i in ids]
    per = f1_score(a, b, labels=T5, average=None)
    print('human (second pass vs first) type 5-class macro-F1 %.3f; %s' % (
        per.mean(), ' '.join(f'{c} {x:.2f}' for c, x in zip(T5, per))))
    ua = np.array([first[i]['紧急程度'] != '一般' for i in ids])
    ub = np.array([second[i]['紧急程度'] != '一般' for i in ids])
    tp = (ua & ub).sum()
    print('human (second pass vs first) urgent recall %.3f precision %.3f' % (tp / ua.sum(), tp / ub.sum()))


def main(variants):
    if 'human' in variants:
        human()
    todo = [v for v in variants if v != 'human']
    if not todo:
        return
    data = Data()
    B = data.matrices(base_feats, 30000)
    if 'base' in todo:
        report_type('base', data, B)
        report_urgency('base', data, data.matrices(base_feats, 150000))
    if 'cue' in todo:
        report_type('+ pronoun/question cues 0.3', data, with_blocks(B, [[0.3 * x for x in data.matrices(cue_feats, None)]]))
    if 'ask' in todo:
        report_type('+ last two sentences 0.6', data, with_blocks(B, [[0.6 * x for x in data.matrices(ask_feats, None)]]))
    if 'lr' in todo:
        report_type('logistic regression C=3', data, B, LogisticRegression(C=3, class_weight='balanced', max_iter=2000))
    if 'bias' in todo:
        m = LinearSVC(C=0.3, class_weight='balanced').fit(B[0], [d['type'] for d in data.train])
        sd, st, cl = m.decision_function(B[1]), m.decision_function(B[2]), m.classes_
        yd, yt = [d['type'] for d in data.dev], [d['type'] for d in data.test]
        b, best = np.zeros(len(cl)), mf5(yd, cl[sd.argmax(1)])
        for _ in range(3):
            for k in range(len(cl)):
                for delta in np.linspace(-1, 1, 41):
                    bb = b.copy(); bb[k] = delta
                    f = mf5(yd, cl[(sd + bb).argmax(1)])
                    if f > best + 1e-9:
                        best, b = f, bb
        print(f"{'per-class bias tuned on dev':28s} type  dev5 {best:.4f}  test5 {mf5(yt, cl[(st + b).argmax(1)]):.4f}")
    if 'rawchar' in todo:
        R = data.matrices(lambda d: [s for n in range(1, 5) for t in [raw_text(d)] for s in (t[i:i + n] for i in range(len(t) - n + 1))], 300000)
        report_type('raw character 1-4-grams', data, R)
        report_urgency('raw character 1-4-grams', data, R)
    if 'agreed' in todo:
        adata = Data(agreed_only=True)
        report_type('trained on agreed labels only', adata, adata.matrices(base_feats, 30000))
    if 'synthetic' in todo:
        sdata = Data(synthetic=True)
        report_type('+ synthetic groups', sdata, sdata.matrices(base_feats, 30000))
        report_urgency('+ synthetic groups', sdata, sdata.matrices(base_feats, 150000))


if __name__ == '__main__':
    main(sys.argv[1:] or ['human', 'base', 'cue', 'ask', 'lr', 'bias', 'rawchar', 'agreed', 'synthetic'])
