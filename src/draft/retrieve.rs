//! The in-memory precedent index: BM25 over the project's segmentation (title words counted
//! twice, then the body's words), with a boost for precedents about the same place, whose replies
//! come from the same unit.
//!
//! Kept apart from the composer on purpose: the composer takes ranked [`Precedent`]s as plain
//! input, so a search engine (the tantivy index) can replace this file without touching it.

use std::collections::HashMap;

use super::Precedent;
use super::style::place_of;
use crate::text::Segmenter;

const K1: f32 = 1.2;
const B: f32 = 0.75;

/// A precedent's position in the index and its score for a query.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    pub index: usize,
    pub score: f32,
}

#[derive(Debug, Default)]
pub struct PrecedentIndex {
    pub precedents: Vec<Precedent>,
    places: Vec<Option<String>>,
    postings: HashMap<String, Vec<(u32, u16)>>,
    lengths: Vec<u32>,
    average_length: f32,
}

/// Title words twice (the title names the matter), then the body's words.
fn terms(seg: &Segmenter, title: &str, body: &str) -> Vec<String> {
    let title_words = seg.words(title);
    let mut out = title_words.clone();
    out.extend(title_words);
    out.extend(seg.words(body));
    out
}

impl PrecedentIndex {
    pub fn build(precedents: Vec<Precedent>, seg: &Segmenter) -> Self {
        let mut postings: HashMap<String, Vec<(u32, u16)>> = HashMap::new();
        let mut lengths = Vec::with_capacity(precedents.len());
        let mut places = Vec::with_capacity(precedents.len());
        for (i, p) in precedents.iter().enumerate() {
            let words = terms(seg, &p.title, &p.body);
            lengths.push(words.len() as u32);
            let mut tf: HashMap<String, u16> = HashMap::new();
            for w in words {
                let n = tf.entry(w).or_default();
                *n = n.saturating_add(1);
            }
            for (w, n) in tf {
                postings.entry(w).or_default().push((i as u32, n));
            }
            places.push(place_of(&p.title, &p.body));
        }
        let average_length = if lengths.is_empty() {
            1.0
        } else {
            (lengths.iter().map(|&l| l as f32).sum::<f32>() / lengths.len() as f32).max(1.0)
        };
        PrecedentIndex {
            precedents,
            places,
            postings,
            lengths,
            average_length,
        }
    }

    pub fn len(&self) -> usize {
        self.precedents.len()
    }

    pub fn is_empty(&self) -> bool {
        self.precedents.is_empty()
    }

    pub fn place(&self, index: usize) -> Option<&str> {
        self.places.get(index).and_then(|p| p.as_deref())
    }

    /// The `k` best precedents for a message, best first; precedents about `place` have their
    /// score raised by `place_boost` (0.3 = 30 %).
    pub fn search(
        &self,
        seg: &Segmenter,
        title: &str,
        body: &str,
        place: Option<&str>,
        place_boost: f32,
        k: usize,
    ) -> Vec<Hit> {
        let n = self.precedents.len() as f32;
        let mut query = terms(seg, title, body);
        query.sort();
        query.dedup();
        let mut scores: HashMap<u32, f32> = HashMap::new();
        for w in &query {
            let Some(list) = self.postings.get(w) else {
                continue;
            };
            let df = list.len() as f32;
            let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
            for &(doc, tf) in list {
                let tf = f32::from(tf);
                let len = self.lengths[doc as usize] as f32;
                let s =
                    idf * tf * (K1 + 1.0) / (tf + K1 * (1.0 - B + B * len / self.average_length));
                *scores.entry(doc).or_default() += s;
            }
        }
        let mut hits: Vec<Hit> = scores
            .into_iter()
            .map(|(doc, s)| {
                let same = place.is_some() && self.place(doc as usize) == place;
                Hit {
                    index: doc as usize,
                    score: if same { s * (1.0 + place_boost) } else { s },
                }
            })
            .collect();
        // Ties broken by position so results never depend on hash order.
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.index.cmp(&b.index)));
        hits.truncate(k);
        hits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(id: &str, title: &str, body: &str) -> Precedent {
        Precedent {
            id: id.into(),
            title: title.into(),
            body: body.into(),
            reply: String::new(),
            handle: String::new(),
        }
    }

    #[test]
    fn finds_the_precedent_about_the_same_matter_and_prefers_the_same_place() {
        let seg = Segmenter::new();
        let index = PrecedentIndex::build(
            vec![
                p("1", "A3区小区停车费乱收费", "物业乱收停车费"),
                p("2", "K1区路灯不亮", "路灯坏了很久"),
                p("3", "A5区小区停车费乱收费", "物业乱收停车费"),
            ],
            &seg,
        );
        let hits = index.search(&seg, "停车费乱收", "物业收停车费", Some("A5区"), 0.3, 3);
        assert_eq!(hits.len(), 2);
        assert_eq!(index.precedents[hits[0].index].id, "3");
        assert_eq!(index.precedents[hits[1].index].id, "1");
        assert!(index.search(&seg, "", "", None, 0.3, 3).is_empty());
    }
}
