//! [`ExactExamples`]: every (prediction, label, weight) of a slice, for the
//! exact AUC and AUC-PR (`metrics.exact_auc`).
//!
//! Memory grows with rows; the evaluator enforces `exact_auc_max_examples`
//! over all states from [`MetricState::exact_examples`](super::MetricState::exact_examples).
//! Examples are appended in arrival order; equality and the serialised
//! form use the sorted order, so shards merged in any order are the same state.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One example: prediction, label, weight.
pub(crate) type Example = [f64; 3];

/// The kept examples (see the module docs).
#[derive(Debug, Clone, Default)]
pub(crate) struct ExactExamples(Vec<Example>);

/// Total order of examples: by prediction, then label, then weight.
fn order(a: &Example, b: &Example) -> std::cmp::Ordering {
    a[0].total_cmp(&b[0]).then(a[1].total_cmp(&b[1])).then(a[2].total_cmp(&b[2]))
}

impl ExactExamples {
    /// Adds examples (slices of equal length).
    pub(crate) fn add(&mut self, labels: &[f64], predictions: &[f64], weights: &[f64]) {
        self.0.extend(labels.iter().zip(predictions).zip(weights).map(|((&y, &p), &w)| [p, y, w]));
    }

    pub(crate) fn merge(&mut self, other: &Self) {
        self.0.extend_from_slice(&other.0);
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// The examples sorted by prediction, descending (ties in a fixed order).
    pub(crate) fn sorted_descending(&self) -> Vec<Example> {
        let mut v = self.0.clone();
        v.sort_unstable_by(|a, b| order(b, a));
        v
    }

    fn sorted(&self) -> Vec<Example> {
        let mut v = self.0.clone();
        v.sort_unstable_by(order);
        v
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.0.capacity() * size_of::<Example>()
    }
}

impl PartialEq for ExactExamples {
    fn eq(&self, other: &Self) -> bool {
        self.0.len() == other.0.len() && self.sorted().iter().zip(&other.sorted()).all(|(a, b)| order(a, b).is_eq())
    }
}

impl Serialize for ExactExamples {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.sorted().serialize(s)
    }
}

impl<'de> Deserialize<'de> for ExactExamples {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Vec::deserialize(d).map(Self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_of_arrival_does_not_matter() {
        let (mut a, mut b) = (ExactExamples::default(), ExactExamples::default());
        a.add(&[1.0, 0.0], &[0.3, 0.7], &[1.0, 2.0]);
        b.add(&[0.0, 1.0], &[0.7, 0.3], &[2.0, 1.0]);
        assert_eq!(a, b);
        assert_eq!(tabx_core::encode_state(&a).unwrap(), tabx_core::encode_state(&b).unwrap());
        assert_eq!(a.sorted_descending()[0], [0.7, 0.0, 2.0]);
        b.add(&[1.0], &[0.3], &[1.0]);
        assert_ne!(a, b);
    }
}
