//! The two parallel loops of the stream runner, on rayon's pool with the
//! `parallel` feature (on with the default `cli` feature) and in order on
//! the calling thread without it. The result is the same either way: the
//! shards are independent and their outputs merge by a fixed key.

/// `f` over `items`, results in order.
#[cfg(feature = "parallel")]
pub fn map<'a, T: Sync, U: Send>(items: &'a [T], f: impl Fn(&'a T) -> U + Sync + Send) -> Vec<U> {
    use rayon::prelude::*;
    items.par_iter().map(f).collect()
}

/// `f` over `items`, results in order.
#[cfg(not(feature = "parallel"))]
pub fn map<'a, T: Sync, U: Send>(items: &'a [T], f: impl Fn(&'a T) -> U + Sync + Send) -> Vec<U> {
    items.iter().map(f).collect()
}

/// `f` over each item with its own input.
#[cfg(feature = "parallel")]
pub fn each_mut<T: Send, I: Send>(
    items: &mut [T],
    inputs: Vec<I>,
    f: impl Fn(&mut T, I) + Sync + Send,
) {
    use rayon::prelude::*;
    items
        .par_iter_mut()
        .zip(inputs)
        .for_each(|(item, input)| f(item, input));
}

/// `f` over each item with its own input.
#[cfg(not(feature = "parallel"))]
pub fn each_mut<T: Send, I: Send>(
    items: &mut [T],
    inputs: Vec<I>,
    f: impl Fn(&mut T, I) + Sync + Send,
) {
    for (item, input) in items.iter_mut().zip(inputs) {
        f(item, input);
    }
}
