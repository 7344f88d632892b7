//! A multinomial logistic-regression (softmax) model over sparse features, trained by SGD.
//!
//! Why not a linfa model: no linfa 0.8.1 classifier trains on sparse input, and our feature space
//! has a few hundred thousand dimensions (word uni/bigrams + character n-grams). Densified, 7,000
//! training messages × 300,000 features is 8 GiB of f32; capping the vocabulary to what fits costs
//! accuracy (`wenzheng train --algorithm linfa-logistic` reproduces that comparison, see
//! docs/classifier.md). Training here is sparse: each step touches only the message's own features.
//!
//! L2 regularisation uses the weight-scale trick (w = scale · v) so that decaying all weights is
//! O(1) per step instead of O(features × classes).

use super::features::SparseVector;

/// Hyper-parameters of [`train`].
#[derive(Debug, Clone, Copy)]
pub struct TrainOptions {
    pub epochs: usize,
    pub learning_rate: f32,
    pub l2: f32,
    pub seed: u64,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            epochs: 20,
            learning_rate: 0.5,
            l2: 2e-5,
            seed: 20_200_101,
        }
    }
}

/// Weights stored feature-major: `weights[f * n_classes + c]`, so one feature's class weights are
/// contiguous and a sparse dot product reads memory in order.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearModel {
    pub n_features: usize,
    pub n_classes: usize,
    pub weights: Vec<f32>,
    pub bias: Vec<f32>,
}

impl LinearModel {
    pub fn zeros(n_features: usize, n_classes: usize) -> Self {
        LinearModel {
            n_features,
            n_classes,
            weights: vec![0.0; n_features * n_classes],
            bias: vec![0.0; n_classes],
        }
    }

    /// Raw class scores for one feature vector.
    pub fn logits(&self, x: &SparseVector) -> Vec<f32> {
        let mut out = self.bias.clone();
        for (&i, &v) in x.indices.iter().zip(&x.values) {
            let row = &self.weights[i as usize * self.n_classes..(i as usize + 1) * self.n_classes];
            for (o, w) in out.iter_mut().zip(row) {
                *o += v * w;
            }
        }
        out
    }

    /// Weight of feature `f` for class `c`.
    pub fn weight(&self, f: usize, c: usize) -> f32 {
        self.weights[f * self.n_classes + c]
    }
}

/// Softmax of `logits / temperature`, numerically stable.
pub fn softmax(logits: &[f32], temperature: f32) -> Vec<f32> {
    let t = if temperature > 0.0 { temperature } else { 1.0 };
    let max = logits.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
    let exps: Vec<f32> = logits.iter().map(|l| ((l - max) / t).exp()).collect();
    let sum: f32 = exps.iter().sum();
    exps.into_iter().map(|e| e / sum).collect()
}

/// A small deterministic PRNG (SplitMix64) for shuffling: training must be reproducible from the
/// seed alone, whatever platform or crate versions.
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

/// Trains a softmax model with per-sample SGD, learning rate `lr0 / (1 + lr0·λ·t)` (Bottou), and
/// optional per-sample weights (used to weight self-training examples below labelled ones).
/// `on_epoch` is called after each epoch (progress bars).
pub fn train(
    xs: &[SparseVector],
    ys: &[usize],
    sample_weights: Option<&[f32]>,
    n_features: usize,
    n_classes: usize,
    opts: TrainOptions,
    mut on_epoch: impl FnMut(usize),
) -> LinearModel {
    assert_eq!(xs.len(), ys.len(), "one label per example");
    let mut v = vec![0.0f32; n_features * n_classes];
    let mut bias = vec![0.0f32; n_classes];
    let mut scale = 1.0f32;
    let mut order: Vec<usize> = (0..xs.len()).collect();
    let mut rng = SplitMix64::new(opts.seed);
    let mut t = 0u64;
    let mut scores = vec![0.0f32; n_classes];
    for epoch in 0..opts.epochs {
        rng.shuffle(&mut order);
        for &k in &order {
            let lr = opts.learning_rate / (1.0 + opts.learning_rate * opts.l2 * t as f32);
            t += 1;
            let x = &xs[k];
            scores.copy_from_slice(&bias);
            for (&i, &val) in x.indices.iter().zip(&x.values) {
                let row = &v[i as usize * n_classes..(i as usize + 1) * n_classes];
                for (s, w) in scores.iter_mut().zip(row) {
                    *s += val * w * scale;
                }
            }
            let p = softmax(&scores, 1.0);
            let sw = sample_weights.map_or(1.0, |w| w[k]);
            scale *= 1.0 - lr * opts.l2;
            if scale < 1e-6 {
                v.iter_mut().for_each(|w| *w *= scale);
                scale = 1.0;
            }
            for c in 0..n_classes {
                let g = (p[c] - if c == ys[k] { 1.0 } else { 0.0 }) * sw;
                if g == 0.0 {
                    continue;
                }
                bias[c] -= lr * g * 0.1;
                let step = lr * g / scale;
                for (&i, &val) in x.indices.iter().zip(&x.values) {
                    v[i as usize * n_classes + c] -= step * val;
                }
            }
        }
        on_epoch(epoch + 1);
    }
    v.iter_mut().for_each(|w| *w *= scale);
    LinearModel {
        n_features,
        n_classes,
        weights: v,
        bias,
    }
}

/// Trains one-vs-rest linear SVMs with the squared hinge loss by dual coordinate descent
/// (Hsieh et al. 2008, the LIBLINEAR default solver). A constant feature of 1 stands in for the
/// bias, as LIBLINEAR and scikit-learn's `LinearSVC` do. Scores are margins, not probabilities:
/// [`fit_temperature`] turns them into calibrated probabilities afterwards.
// The arguments are LIBLINEAR's own knobs, each set by a caller that names it; a struct of them
// would only be unpacked again here.
#[allow(clippy::too_many_arguments)]
pub fn train_svm(
    xs: &[SparseVector],
    ys: &[usize],
    n_features: usize,
    n_classes: usize,
    c: f32,
    balanced: bool,
    iterations: usize,
    seed: u64,
    mut on_class: impl FnMut(usize),
) -> LinearModel {
    let n = xs.len();
    let sq_norms: Vec<f32> = xs
        .iter()
        .map(|x| x.values.iter().map(|v| v * v).sum::<f32>() + 1.0)
        .collect();
    let mut weights = vec![0.0f32; n_features * n_classes];
    let mut bias = vec![0.0f32; n_classes];
    for class in 0..n_classes {
        // Balanced weighting (LIBLINEAR's -wi): each side of the one-vs-rest problem gets the same
        // total C, so a class with 6 examples is not simply out-voted by 1,300.
        let positives = ys.iter().filter(|&&y| y == class).count().max(1) as f32;
        let (c_pos, c_neg) = if balanced {
            (
                c * n as f32 / (2.0 * positives),
                c * n as f32 / (2.0 * (n as f32 - positives).max(1.0)),
            )
        } else {
            (c, c)
        };
        let mut w = vec![0.0f32; n_features];
        let mut b = 0.0f32;
        let mut alpha = vec![0.0f32; n];
        let mut order: Vec<usize> = (0..n).collect();
        let mut rng = SplitMix64::new(seed ^ class as u64);
        for _ in 0..iterations {
            rng.shuffle(&mut order);
            let mut max_pg = 0.0f32;
            for &i in &order {
                let x = &xs[i];
                let y = if ys[i] == class { 1.0f32 } else { -1.0 };
                let diag = 0.5 / if y > 0.0 { c_pos } else { c_neg };
                let wx: f32 = x
                    .indices
                    .iter()
                    .zip(&x.values)
                    .map(|(&f, &v)| w[f as usize] * v)
                    .sum::<f32>()
                    + b;
                let g = y * wx - 1.0 + diag * alpha[i];
                let pg = if alpha[i] == 0.0 { g.min(0.0) } else { g };
                max_pg = max_pg.max(pg.abs());
                if pg != 0.0 {
                    let old = alpha[i];
                    alpha[i] = (old - g / (sq_norms[i] + diag)).max(0.0);
                    let d = (alpha[i] - old) * y;
                    for (&f, &v) in x.indices.iter().zip(&x.values) {
                        w[f as usize] += d * v;
                    }
                    b += d;
                }
            }
            // LIBLINEAR's stopping rule: the projected gradient is small everywhere.
            if max_pg < 0.1 {
                break;
            }
        }
        for f in 0..n_features {
            weights[f * n_classes + class] = w[f];
        }
        bias[class] = b;
        on_class(class + 1);
    }
    LinearModel {
        n_features,
        n_classes,
        weights,
        bias,
    }
}

/// The temperature that minimises the negative log-likelihood of `labels` on held-out logits
/// (temperature scaling, Guo et al. 2017): confidence then means what it says.
pub fn fit_temperature(logits: &[Vec<f32>], labels: &[usize]) -> f32 {
    let nll = |t: f32| -> f64 {
        logits
            .iter()
            .zip(labels)
            .map(|(l, &y)| -(softmax(l, t)[y].max(1e-12) as f64).ln())
            .sum::<f64>()
    };
    let mut best = (1.0f32, f64::INFINITY);
    let mut t = 0.05f32;
    while t <= 5.0 {
        let v = nll(t);
        if v < best.1 {
            best = (t, v);
        }
        t += 0.01;
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sv(pairs: &[(u32, f32)]) -> SparseVector {
        SparseVector {
            indices: pairs.iter().map(|p| p.0).collect(),
            values: pairs.iter().map(|p| p.1).collect(),
        }
    }

    /// Both trainers must separate a trivially separable problem.
    #[test]
    fn both_trainers_learn_a_separable_problem() {
        let xs = vec![
            sv(&[(0, 1.0)]),
            sv(&[(1, 1.0)]),
            sv(&[(2, 1.0)]),
            sv(&[(0, 0.7), (3, 0.7)]),
        ];
        let ys = vec![0, 1, 2, 0];
        let softmax = train(&xs, &ys, None, 4, 3, TrainOptions::default(), |_| {});
        let svm = train_svm(&xs, &ys, 4, 3, 1.0, false, 50, 1, |_| {});
        for m in [softmax, svm] {
            for (x, &y) in xs.iter().zip(&ys) {
                let l = m.logits(x);
                let argmax = (0..3).max_by(|&a, &b| l[a].total_cmp(&l[b])).unwrap();
                assert_eq!(argmax, y);
            }
        }
    }

    #[test]
    fn softmax_sums_to_one_and_temperature_flattens() {
        let p = softmax(&[2.0, 1.0, 0.0], 1.0);
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        let flat = softmax(&[2.0, 1.0, 0.0], 10.0);
        assert!(flat[0] < p[0]);
    }

    #[test]
    fn temperature_fit_is_high_for_overconfident_wrong_logits() {
        let logits = vec![
            vec![10.0, 0.0],
            vec![10.0, 0.0],
            vec![10.0, 0.0],
            vec![0.0, 10.0],
        ];
        let labels = vec![0, 1, 0, 1];
        assert!(fit_temperature(&logits, &labels) > 2.0);
    }

    #[test]
    fn shuffle_is_deterministic() {
        let mut a: Vec<u32> = (0..50).collect();
        let mut b = a.clone();
        SplitMix64::new(7).shuffle(&mut a);
        SplitMix64::new(7).shuffle(&mut b);
        assert_eq!(a, b);
    }
}
