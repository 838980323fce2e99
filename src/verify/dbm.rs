//! Difference-bound matrices over integer clocks: the zones of the search.
//!
//! Entry `(i, j)` bounds `x_i − x_j ≤ m`; clock 0 is the constant zero.
//! Instants are whole seconds, so every bound is non-strict and integral:
//! a strict `x < c` is written `x ≤ c − 1`. A canonical integral DBM is
//! empty exactly when a diagonal entry is negative, and every value
//! between a clock's bounds extends to a full integral valuation (the
//! constraints are differences, so the system is totally unimodular):
//! what [`Dbm::pick`] relies on.

/// No bound.
pub const INF: i64 = i64::MAX / 4;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Dbm {
    n: usize,
    m: Vec<i64>,
}

fn add(a: i64, b: i64) -> i64 {
    if a >= INF || b >= INF {
        INF
    } else {
        a + b
    }
}

impl Dbm {
    /// `clocks` clocks (clock 0 included), all equal to zero.
    pub fn zero(clocks: usize) -> Dbm {
        Dbm {
            n: clocks,
            m: vec![0; clocks * clocks],
        }
    }

    #[inline]
    fn at(&self, i: usize, j: usize) -> i64 {
        self.m[i * self.n + j]
    }

    #[inline]
    fn set(&mut self, i: usize, j: usize, v: i64) {
        self.m[i * self.n + j] = v;
    }

    /// `x_i − x_j ≤ c`; false when the zone becomes empty (it is then left
    /// in an unspecified state). Keeps the matrix canonical.
    pub fn constrain(&mut self, i: usize, j: usize, c: i64) -> bool {
        if add(c, self.at(j, i)) < 0 {
            return false;
        }
        if c >= self.at(i, j) {
            return true;
        }
        self.set(i, j, c);
        let n = self.n;
        for k in 0..n {
            let ki = self.at(k, i);
            if ki >= INF {
                continue;
            }
            for l in 0..n {
                let v = add(add(ki, c), self.at(j, l));
                if v < self.at(k, l) {
                    self.set(k, l, v);
                }
            }
        }
        (0..n).all(|k| self.at(k, k) >= 0)
    }

    /// `x ≤ c` (clock `x` against zero).
    pub fn upper(&mut self, x: usize, c: i64) -> bool {
        self.constrain(x, 0, c)
    }

    /// `x ≥ c`.
    pub fn lower(&mut self, x: usize, c: i64) -> bool {
        self.constrain(0, x, -c)
    }

    /// Time passes: every clock grows together, without bound.
    pub fn up(&mut self) {
        for i in 1..self.n {
            self.set(i, 0, INF);
        }
    }

    /// `x := 0`.
    pub fn reset(&mut self, x: usize) {
        for j in 0..self.n {
            let v = self.at(0, j);
            self.set(x, j, v);
            let w = self.at(j, 0);
            self.set(j, x, w);
        }
        self.set(x, x, 0);
    }

    /// Forgets clock `x` (any value ≥ 0, no relation to the others).
    pub fn free(&mut self, x: usize) {
        for j in 0..self.n {
            if j != x {
                self.set(x, j, INF);
                let w = self.at(j, 0);
                self.set(j, x, w);
            }
        }
        self.set(0, x, 0);
        self.set(x, x, 0);
    }

    /// Every valuation of `other` is one of `self`.
    pub fn includes(&self, other: &Dbm) -> bool {
        self.m.iter().zip(&other.m).all(|(a, b)| a >= b)
    }

    /// Extrapolation by maximal constants (`max[i]` for clock `i`, `max[0]
    /// = 0`): bounds above a clock's largest constant are dropped, lower
    /// bounds beyond it become "more than the constant". Clocks compared
    /// only with constants (no diagonal guards), so the abstraction keeps
    /// exactly the reachable behaviours.
    pub fn extrapolate(&mut self, max: &[i64]) {
        let n = self.n;
        let mx = |i: usize| max.get(i).copied().unwrap_or(0);
        let mut changed = false;
        for i in 0..n {
            for j in 0..n {
                if i == j {
                    continue;
                }
                let v = self.at(i, j);
                if v < INF && v > mx(i) {
                    self.set(i, j, INF);
                    changed = true;
                } else if v < -mx(j) {
                    self.set(i, j, -(mx(j) + 1));
                    changed = true;
                }
            }
        }
        if changed {
            self.close();
        }
    }

    /// Floyd–Warshall closure.
    fn close(&mut self) {
        let n = self.n;
        for k in 0..n {
            for i in 0..n {
                let ik = self.at(i, k);
                if ik >= INF {
                    continue;
                }
                for j in 0..n {
                    let v = add(ik, self.at(k, j));
                    if v < self.at(i, j) {
                        self.set(i, j, v);
                    }
                }
            }
        }
    }

    /// The least value clock `x` can have.
    pub fn min_of(&self, x: usize) -> i64 {
        -self.at(0, x)
    }

    /// The greatest value clock `x` can have (`INF`: unbounded).
    #[cfg(test)]
    pub fn max_of(&self, x: usize) -> i64 {
        self.at(x, 0)
    }

    /// One integral valuation: the clocks of `order` fixed in turn to
    /// their least values (the rest as they fall).
    pub fn pick(&self, order: &[usize]) -> Option<Vec<i64>> {
        let mut d = self.clone();
        let mut out = vec![0; self.n];
        for &x in order {
            let v = d.min_of(x);
            if !d.upper(x, v) {
                return None;
            }
            if let Some(slot) = out.get_mut(x) {
                *slot = v;
            }
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constraints_delay_and_reset_describe_the_valuations() {
        let mut d = Dbm::zero(3);
        d.up();
        assert!(d.upper(1, 10));
        d.reset(2);
        d.up();
        assert!(d.lower(2, 4));
        // x1 = x2 + (x1 at the reset) ≤ 10 + …, x2 ≥ 4 ⇒ x1 ≥ 4
        assert_eq!(d.min_of(1), 4);
        assert!(d.upper(1, 12));
        assert_eq!(d.max_of(2), 12);
        assert!(!d.clone().upper(2, 3));
        let v = d.pick(&[1, 2]).expect("a valuation");
        assert!(v[2] >= 4 && v[1] <= 12 && v[1] >= v[2]);
    }

    #[test]
    fn extrapolation_forgets_what_no_constant_can_tell_apart() {
        let mut a = Dbm::zero(2);
        a.up();
        assert!(a.lower(1, 100));
        let mut b = Dbm::zero(2);
        b.up();
        assert!(b.lower(1, 50));
        assert!(!a.includes(&b));
        a.extrapolate(&[0, 10]);
        b.extrapolate(&[0, 10]);
        assert_eq!(a, b);
        assert_eq!(a.min_of(1), 11);
        assert_eq!(a.max_of(1), INF);
    }

    #[test]
    fn free_forgets_one_clock_only() {
        let mut d = Dbm::zero(3);
        d.up();
        assert!(d.upper(1, 5));
        d.free(2);
        assert_eq!(d.max_of(2), INF);
        assert_eq!(d.max_of(1), 5);
        assert!(d.lower(2, 1000));
    }
}
