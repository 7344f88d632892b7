//! Hot-topic detection: group messages about the same matter (place + subject) over a time
//! window, and rank the groups by a heat index.
//!
//! Messages are clustered greedily in time order. A message joins the most similar topic whose
//! latest message is within the window, when the cosine similarity of its TF-IDF vector with the
//! topic's centroid — plus a bonus when both name the same place — reaches a threshold; otherwise
//! it starts a topic. Heat = distinct people × (1 + ln(1 + net support)) × recency, where net
//! support is 点赞 minus half the 反对 and recency halves every 30 days before the newest message of
//! the input. The threshold and bonus were set on the labelled raw sample (cluster purity against
//! 一级标签: docs/hot-topics.md).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::LazyLock;

use chrono::{DateTime, Duration, Utc};
use regex::Regex;
use serde::Serialize;

use crate::text::{Segmenter, mask_personal_data, normalise};

/// One message as hot-topic detection sees it.
#[derive(Debug, Clone)]
pub struct HotMessage {
    pub id: String,
    pub user: String,
    pub title: String,
    pub body: String,
    pub time: DateTime<Utc>,
    pub likes: i64,
    pub dislikes: i64,
    /// A gold label, only for measuring cluster purity.
    pub label: Option<String>,
}

#[derive(Debug, Clone, Copy)]
pub struct HotOptions {
    pub window: Duration,
    pub threshold: f32,
    pub place_bonus: f32,
}

impl Default for HotOptions {
    fn default() -> Self {
        HotOptions {
            window: Duration::days(30),
            threshold: 0.35,
            place_bonus: 0.15,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Topic {
    pub heat: f64,
    /// The place most of its messages name (a 小区, 村, 路, school …), if any.
    pub place: Option<String>,
    pub keywords: Vec<String>,
    pub first_time: DateTime<Utc>,
    pub last_time: DateTime<Utc>,
    pub people: usize,
    pub likes: i64,
    pub dislikes: i64,
    /// Message ids, oldest first.
    pub messages: Vec<String>,
    /// Up to three titles, personal data masked.
    pub representative_titles: Vec<String>,
    #[serde(skip)]
    pub labels: Vec<Option<String>>,
}

static PLACE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[\p{Han}A-Za-z0-9]{2,12}?(?:小区|花园|家园|苑|湾|公馆|公寓|大厦|广场|新村|村|社区|街道|路|大道|街|学校|小学|中学|幼儿园|医院|市场|公园|工业园|园区)")
        .expect("static regex")
});

/// Words that start a title but are not part of the place after them ("投诉丽发新城小区").
const LEADING: [&str; 18] = [
    "投诉", "举报", "关于", "反映", "咨询", "建议", "请问", "要求", "希望", "恳请", "请求", "解决",
    "位于", "在", "将", "原", "我们", "我",
];

/// The most specific place a message names: the first in its title, else in its body.
pub fn place_of(title: &str, body: &str) -> Option<String> {
    let find = |s: &str| {
        PLACE.find(&normalise(s)).map(|m| {
            // Strip anonymised codes (A2区) and leading verbs, in any order, until nothing changes.
            let mut p = m.as_str();
            loop {
                let trimmed = p.trim_start_matches(|c: char| {
                    c.is_ascii_alphanumeric() || "市区县".contains(c)
                });
                let trimmed = LEADING
                    .iter()
                    .find_map(|w| trimmed.strip_prefix(w))
                    .unwrap_or(trimmed);
                if trimmed == p {
                    break;
                }
                p = trimmed;
            }
            p.to_string()
        })
    };
    find(title)
        .or_else(|| find(body))
        .filter(|p| p.chars().count() >= 3)
}

type Vector = Vec<(u32, f32)>;

fn cosine(a: &Vector, b: &HashMap<u32, f32>, b_norm: f32) -> f32 {
    if b_norm == 0.0 {
        return 0.0;
    }
    a.iter()
        .map(|(i, v)| v * b.get(i).copied().unwrap_or(0.0))
        .sum::<f32>()
        / b_norm
}

struct Cluster {
    centroid: HashMap<u32, f32>,
    members: Vec<usize>,
    last: DateTime<Utc>,
    places: BTreeMap<String, usize>,
}

impl Cluster {
    fn norm(&self) -> f32 {
        self.centroid.values().map(|v| v * v).sum::<f32>().sqrt()
    }
}

/// Detects topics and returns every topic of at least `min_messages` messages, hottest first.
pub fn detect(
    messages: &[HotMessage],
    segmenter: &Segmenter,
    opts: HotOptions,
    min_messages: usize,
) -> Vec<Topic> {
    // TF-IDF over the input itself: what is common in this month's messages is not a topic.
    let docs: Vec<Vec<String>> = messages
        .iter()
        .map(|m| {
            let mut w = segmenter.words(&m.title);
            w.extend(segmenter.words(&m.title)); // the title says what the matter is: count it twice
            w.extend(segmenter.words(&m.body));
            w.retain(|t| t.chars().count() >= 2);
            w
        })
        .collect();
    let mut vocab: HashMap<&str, u32> = HashMap::new();
    let mut df: Vec<u32> = Vec::new();
    for d in &docs {
        let unique: HashSet<&str> = d.iter().map(String::as_str).collect();
        for t in unique {
            let next = vocab.len() as u32;
            let id = *vocab.entry(t).or_insert(next);
            if id as usize == df.len() {
                df.push(0);
            }
            df[id as usize] += 1;
        }
    }
    let terms: Vec<&str> = {
        let mut v = vec![""; vocab.len()];
        for (t, &i) in &vocab {
            v[i as usize] = t;
        }
        v
    };
    let n = docs.len().max(1) as f32;
    let vectors: Vec<Vector> = docs
        .iter()
        .map(|d| {
            let mut tf: HashMap<u32, f32> = HashMap::new();
            for t in d {
                *tf.entry(vocab[t.as_str()]).or_insert(0.0) += 1.0;
            }
            let mut v: Vector = tf
                .into_iter()
                .map(|(i, c)| {
                    (
                        i,
                        (1.0 + c.ln()) * ((n + 1.0) / (df[i as usize] as f32 + 1.0)).ln(),
                    )
                })
                .collect();
            v.sort_by(|a, b| b.1.total_cmp(&a.1));
            v.truncate(40);
            let norm = v.iter().map(|p| p.1 * p.1).sum::<f32>().sqrt().max(1e-9);
            v.iter_mut().for_each(|p| p.1 /= norm);
            v
        })
        .collect();
    let places = canonical_places(
        messages
            .iter()
            .map(|m| place_of(&m.title, &m.body))
            .collect(),
    );

    let mut order: Vec<usize> = (0..messages.len()).collect();
    order.sort_by_key(|&i| (messages[i].time, i));
    let mut clusters: Vec<Cluster> = Vec::new();
    for i in order {
        let m = &messages[i];
        let mut best: Option<(usize, f32)> = None;
        for (c, cluster) in clusters.iter().enumerate() {
            if m.time - cluster.last > opts.window {
                continue;
            }
            let mut score = cosine(&vectors[i], &cluster.centroid, cluster.norm());
            if places[i]
                .as_ref()
                .is_some_and(|p| cluster.places.contains_key(p))
            {
                score += opts.place_bonus;
            }
            if score >= opts.threshold && best.is_none_or(|b| score > b.1) {
                best = Some((c, score));
            }
        }
        let c = match best {
            Some((c, _)) => c,
            None => {
                clusters.push(Cluster {
                    centroid: HashMap::new(),
                    members: Vec::new(),
                    last: m.time,
                    places: BTreeMap::new(),
                });
                clusters.len() - 1
            }
        };
        let cluster = &mut clusters[c];
        for &(t, v) in &vectors[i] {
            *cluster.centroid.entry(t).or_insert(0.0) += v;
        }
        cluster.members.push(i);
        cluster.last = cluster.last.max(m.time);
        if let Some(p) = &places[i] {
            *cluster.places.entry(p.clone()).or_insert(0) += 1;
        }
    }

    // Greedy assignment can start a second topic for one matter before the first has gathered
    // enough words; merge topics that name the same place, overlap in time, and are alike.
    let dominant = |c: &Cluster| {
        c.places
            .iter()
            .max_by_key(|(_, n)| **n)
            .map(|(p, _)| p.clone())
    };
    let first = |c: &Cluster| {
        c.members
            .iter()
            .map(|&i| messages[i].time)
            .min()
            .expect("non-empty")
    };
    let mut merged = true;
    while merged {
        merged = false;
        // Only topics naming the same place are compared: group them once per pass.
        let mut by_place: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, c) in clusters.iter().enumerate() {
            if let Some(p) = dominant(c) {
                by_place.entry(p).or_default().push(i);
            }
        }
        let mut pair = None;
        'search: for group in by_place.values().filter(|g| g.len() > 1) {
            for (x, &a) in group.iter().enumerate() {
                let a_vec: Vector = clusters[a].centroid.iter().map(|(k, v)| (*k, *v)).collect();
                let a_norm = clusters[a].norm().max(1e-9);
                for &b in &group[x + 1..] {
                    let apart = (first(&clusters[b]) - clusters[a].last)
                        .max(first(&clusters[a]) - clusters[b].last);
                    let alike = cosine(&a_vec, &clusters[b].centroid, clusters[b].norm()) / a_norm;
                    if apart <= opts.window && alike + opts.place_bonus >= opts.threshold {
                        pair = Some((a, b));
                        break 'search;
                    }
                }
            }
        }
        if let Some((a, b)) = pair {
            let other = clusters.remove(b);
            let target = &mut clusters[a];
            for (k, v) in other.centroid {
                *target.centroid.entry(k).or_insert(0.0) += v;
            }
            target.members.extend(other.members);
            target.members.sort_by_key(|&i| (messages[i].time, i));
            target.last = target.last.max(other.last);
            for (p, n) in other.places {
                *target.places.entry(p).or_insert(0) += n;
            }
            merged = true;
        }
    }

    let newest = messages
        .iter()
        .map(|m| m.time)
        .max()
        .unwrap_or_else(Utc::now);
    let mut topics: Vec<Topic> = clusters
        .into_iter()
        .filter(|c| c.members.len() >= min_messages)
        .map(|c| {
            let ms: Vec<&HotMessage> = c.members.iter().map(|&i| &messages[i]).collect();
            let people = ms
                .iter()
                .map(|m| m.user.as_str())
                .collect::<HashSet<_>>()
                .len();
            let likes: i64 = ms.iter().map(|m| m.likes.max(0)).sum();
            let dislikes: i64 = ms.iter().map(|m| m.dislikes.max(0)).sum();
            let support = (likes as f64 - dislikes as f64 / 2.0).max(0.0);
            let age_days = (newest - c.last).num_hours() as f64 / 24.0;
            let heat = people as f64 * (1.0 + support.ln_1p()) * 0.5f64.powf(age_days / 30.0);
            let mut top_terms: Vec<(&u32, &f32)> = c.centroid.iter().collect();
            top_terms.sort_by(|a, b| b.1.total_cmp(a.1));
            let keywords = top_terms
                .iter()
                .take(5)
                .map(|(t, _)| terms[**t as usize].to_string())
                .collect();
            let place = c
                .places
                .iter()
                .max_by_key(|(p, n)| (**n, std::cmp::Reverse((*p).clone())))
                .map(|(p, _)| p.clone());
            let mut titles: Vec<String> = Vec::new();
            for m in &ms {
                let t = mask_personal_data(m.title.trim());
                if !titles.contains(&t) && titles.len() < 3 {
                    titles.push(t);
                }
            }
            Topic {
                heat: (heat * 100.0).round() / 100.0,
                place,
                keywords,
                first_time: ms.iter().map(|m| m.time).min().expect("non-empty topic"),
                last_time: c.last,
                people,
                likes,
                dislikes,
                messages: ms.iter().map(|m| m.id.clone()).collect(),
                representative_titles: titles,
                labels: ms.iter().map(|m| m.label.clone()).collect(),
            }
        })
        .collect();
    topics.sort_by(|a, b| {
        b.heat
            .total_cmp(&a.heat)
            .then_with(|| b.messages.len().cmp(&a.messages.len()))
    });
    topics
}

/// A place found in running text can carry words before it ("粉尘污染丽发新城小区"): when a place
/// another message names is a suffix of it, use that shorter name, so both messages name one place.
fn canonical_places(places: Vec<Option<String>>) -> Vec<Option<String>> {
    let mut known: Vec<&str> = places.iter().flatten().map(String::as_str).collect();
    known.sort_by_key(|p| (p.chars().count(), *p));
    known.dedup();
    places
        .iter()
        .map(|p| {
            p.as_ref().map(|p| {
                known
                    .iter()
                    .find(|k| k.chars().count() >= 3 && k.len() < p.len() && p.ends_with(**k))
                    .map_or_else(|| p.clone(), |k| k.to_string())
            })
        })
        .collect()
}

/// Cluster purity against gold labels: the share of clustered messages whose label is their
/// topic's majority label (topics of two or more messages only). Returns (purity, messages).
pub fn purity(topics: &[Topic]) -> (f64, usize) {
    let (mut majority, mut total) = (0usize, 0usize);
    for t in topics.iter().filter(|t| t.messages.len() >= 2) {
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for l in t.labels.iter().flatten() {
            *counts.entry(l.as_str()).or_insert(0) += 1;
        }
        majority += counts.values().max().copied().unwrap_or(0);
        total += t.labels.iter().flatten().count();
    }
    (
        if total > 0 {
            majority as f64 / total as f64
        } else {
            0.0
        },
        total,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(id: &str, user: &str, title: &str, body: &str, day: i64, likes: i64) -> HotMessage {
        HotMessage {
            id: id.into(),
            user: user.into(),
            title: title.into(),
            body: body.into(),
            time: DateTime::from_timestamp(1_560_000_000 + day * 86_400, 0).unwrap(),
            likes,
            dislikes: 0,
            label: None,
        }
    }

    #[test]
    fn places_are_found() {
        assert_eq!(
            place_of("A市A2区丽发新城小区附近搅拌站噪音扰民", ""),
            Some("丽发新城小区".into())
        );
        assert_eq!(
            place_of("噪音", "A7县星沙镇金鼎村的路灯坏了"),
            Some("星沙镇金鼎村".into())
        );
        assert_eq!(
            place_of("投诉丽发新城小区附近搅拌站", ""),
            Some("丽发新城小区".into())
        );
        assert_eq!(
            place_of("举报A2区丽发新城小区附近仍存在非法搅拌站", ""),
            Some("丽发新城小区".into())
        );
        assert_eq!(
            place_of("投诉A市伊景园滨河苑捆绑销售车位", ""),
            Some("伊景园滨河苑".into())
        );
    }

    #[test]
    fn same_matter_same_place_groups_and_heat_ranks() {
        let seg = Segmenter::new();
        let messages = vec![
            msg(
                "1",
                "u1",
                "丽发新城小区旁搅拌站噪音扰民",
                "搅拌站日夜施工,噪音和粉尘严重影响丽发新城小区居民休息",
                0,
                5,
            ),
            msg(
                "2",
                "u2",
                "投诉丽发新城小区附近搅拌站",
                "丽发新城小区旁边的搅拌站粉尘噪音太大",
                2,
                10,
            ),
            msg(
                "3",
                "u3",
                "丽发新城搅拌站污染严重",
                "搅拌站噪音粉尘污染,丽发新城小区业主苦不堪言",
                5,
                0,
            ),
            msg(
                "4",
                "u4",
                "学校乱收补课费",
                "某中学强制学生参加补课并收取费用",
                3,
                1,
            ),
            msg(
                "5",
                "u5",
                "公积金贷款额度咨询",
                "请问公积金贷款最高额度是多少",
                4,
                0,
            ),
        ];
        let topics = detect(&messages, &seg, HotOptions::default(), 2);
        assert_eq!(topics.len(), 1, "{topics:#?}");
        assert_eq!(topics[0].messages, vec!["1", "2", "3"]);
        assert_eq!(topics[0].people, 3);
        assert_eq!(topics[0].place.as_deref(), Some("丽发新城小区"));
        assert!(
            topics[0].keywords.iter().any(|k| k == "搅拌站"),
            "{:?}",
            topics[0].keywords
        );
    }

    #[test]
    fn a_place_found_in_running_text_takes_the_shorter_name_others_use() {
        let places = canonical_places(vec![
            Some("粉尘污染丽发新城小区".into()),
            Some("丽发新城小区".into()),
            None,
        ]);
        assert_eq!(
            places,
            vec![
                Some("丽发新城小区".into()),
                Some("丽发新城小区".into()),
                None
            ]
        );
    }

    #[test]
    fn the_window_separates_old_and_new_matters() {
        let seg = Segmenter::new();
        let messages = vec![
            msg("1", "u1", "丽发新城小区搅拌站噪音", "搅拌站噪音扰民", 0, 0),
            msg(
                "2",
                "u2",
                "丽发新城小区搅拌站噪音",
                "搅拌站噪音扰民",
                200,
                0,
            ),
        ];
        assert!(detect(&messages, &seg, HotOptions::default(), 2).is_empty());
    }
}
