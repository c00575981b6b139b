//! The linear algebra both models share: a symmetric sum of outer products
//! kept as a packed upper triangle ([`Gram`]), and the Cholesky solve of a
//! symmetric positive definite system by nalgebra ([`solve_spd`]), which says
//! which design column made the system singular.

use nalgebra::{Cholesky, DMatrix, DVector};
use serde::{Deserialize, Serialize};
use tabx_core::{Result, TabxError};

use crate::encoder::DesignRows;

/// Σ w·x xᵀ over sparse rows, the upper triangle packed row by row. Sums are
/// plain f64 in row order: the same rows in the same order give the same
/// bits; merging shards in another order may change the last bits.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Gram {
    pub dim: usize,
    pub packed: Vec<f64>,
}

impl Gram {
    pub fn new(dim: usize) -> Self {
        Gram { dim, packed: vec![0.0; dim * (dim + 1) / 2] }
    }

    /// Where row `i` of the triangle starts, minus `i` (so `+ j` indexes (i, j), j ≥ i).
    fn base(&self, i: usize) -> usize {
        i * (2 * self.dim - i + 1) / 2 - i
    }

    /// Adds w·x xᵀ of design row `r` of `rows`; with `shift` 1, column 0 is an
    /// intercept (a constant 1) and the row's columns move up by one.
    pub fn add_row(&mut self, rows: &DesignRows, r: usize, w: f64, shift: usize) {
        let range = rows.starts[r]..rows.starts[r + 1];
        let (columns, values) = (&rows.columns[range.clone()], &rows.values[range]);
        if shift == 1 {
            self.packed[0] += w;
            for (&c, &v) in columns.iter().zip(values) {
                self.packed[c as usize + 1] += w * v;
            }
        }
        for a in 0..columns.len() {
            let (i, wv) = (columns[a] as usize + shift, w * values[a]);
            let base = self.base(i);
            for b in a..columns.len() {
                self.packed[base + columns[b] as usize + shift] += wv * values[b];
            }
        }
    }

    /// Adds another sum of the same dimension.
    pub fn add(&mut self, other: &Gram) {
        self.packed.iter_mut().zip(&other.packed).for_each(|(a, b)| *a += b);
    }

    /// The full symmetric matrix.
    pub fn to_matrix(&self) -> DMatrix<f64> {
        let mut m = DMatrix::zeros(self.dim, self.dim);
        for i in 0..self.dim {
            let base = self.base(i);
            for j in i..self.dim {
                m[(i, j)] = self.packed[base + j];
                m[(j, i)] = self.packed[base + j];
            }
        }
        m
    }
}

/// Solves `a x = b` for symmetric positive definite `a` by Cholesky. A
/// pivot that vanishes next to its diagonal entry means the column is
/// constant or a combination of the columns before it: an error naming the
/// first such column (`names[i]`), with the L2 penalty as the fix.
pub(crate) fn solve_spd(a: &DMatrix<f64>, b: &DVector<f64>, names: &[String]) -> Result<DVector<f64>> {
    let full = a.nrows();
    if let Some(cholesky) = factor(a.clone()) {
        return Ok(cholesky.solve(b));
    }
    // The leading k×k block fails from the first bad column on: bisect for it
    // (log₂ n factorisations, on the error path only).
    let (mut good, mut bad) = (0, full);
    while bad - good > 1 {
        let k = (good + bad) / 2;
        match factor(a.view((0, 0), (k, k)).into_owned()) {
            Some(_) => good = k,
            None => bad = k,
        }
    }
    Err(TabxError::config(format!(
        "the system is singular: design column `{}` is constant or a combination of the columns before it",
        names.get(bad - 1).map_or("?", String::as_str)
    ))
    .with_hint(
        "add an L2 penalty (--l2 1): a one-hot feature's columns sum to the intercept, so λ = 0 cannot fit them",
    ))
}

/// The Cholesky factor of `a`, unless a pivot is ≤ 0 (nalgebra) or at
/// rounding level next to its diagonal entry (numerically singular).
fn factor(a: DMatrix<f64>) -> Option<Cholesky<f64, nalgebra::Dyn>> {
    let tolerance = 8.0 * a.nrows() as f64 * f64::EPSILON;
    let diagonal: Vec<f64> = a.diagonal().iter().copied().collect();
    let cholesky = Cholesky::new(a)?;
    let l = cholesky.l_dirty();
    let tiny = (0..diagonal.len()).any(|i| l[(i, i)] * l[(i, i)] <= tolerance * diagonal[i].abs());
    (!tiny).then_some(cholesky)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_gram_of_sparse_rows() {
        // Rows [1, 0, 2] and [0, 3, 1] (column 1 absent in the first, 0 in the second).
        let rows = DesignRows {
            starts: vec![0, 2, 4],
            columns: vec![0, 2, 1, 2],
            values: vec![1.0, 2.0, 3.0, 1.0],
            ..Default::default()
        };
        let mut g = Gram::new(3);
        g.add_row(&rows, 0, 1.0, 0);
        g.add_row(&rows, 1, 2.0, 0);
        // XᵀWX by hand: W = diag(1, 2).
        let want = DMatrix::from_row_slice(3, 3, &[1.0, 0.0, 2.0, 0.0, 18.0, 6.0, 2.0, 6.0, 6.0]);
        assert_eq!(g.to_matrix(), want);

        // With an intercept column in front: [1, x].
        let mut g = Gram::new(4);
        g.add_row(&rows, 0, 1.0, 1);
        let want = DMatrix::from_row_slice(
            4,
            4,
            &[1.0, 1.0, 0.0, 2.0, 1.0, 1.0, 0.0, 2.0, 0.0, 0.0, 0.0, 0.0, 2.0, 2.0, 0.0, 4.0],
        );
        assert_eq!(g.to_matrix(), want);
    }

    #[test]
    fn singular_systems_name_the_column() {
        let names: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        let b = DVector::from_vec(vec![1.0, 2.0, 3.0]);
        // Column c = a + b.
        let a = DMatrix::from_row_slice(3, 3, &[2.0, 1.0, 3.0, 1.0, 2.0, 3.0, 3.0, 3.0, 6.0]);
        let e = solve_spd(&a, &b, &names).unwrap_err().to_string();
        assert!(e.contains("design column `c` is constant or a combination"), "{e}");
        assert!(e.contains("hint: add an L2 penalty (--l2 1)"), "{e}");
        // A zero column.
        let a = DMatrix::from_row_slice(3, 3, &[2.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 2.0]);
        assert!(solve_spd(&a, &b, &names).unwrap_err().to_string().contains("column `b`"));
        // A regular system: x = [1, 1, 1] solves it.
        let a = DMatrix::from_row_slice(3, 3, &[4.0, 1.0, 0.0, 1.0, 3.0, 1.0, 0.0, 1.0, 2.0]);
        let x = solve_spd(&a, &DVector::from_vec(vec![5.0, 5.0, 3.0]), &names).unwrap();
        assert!((x - DVector::from_element(3, 1.0)).amax() < 1e-14);
    }
}
