//! One sort for the engine's handful of small sorts.
//!
//! Each call of the standard library's sorts with a new element type or
//! comparison instantiates a few kilobytes of code; a dozen of them were an
//! eighth of the `.wasm`. Callers here pack what they sort by into a `u128`
//! and share one instantiation of `sort_unstable` over `(key, index)`,
//! which is also a stable sort by the key.

/// Sorts `v` by `key`, keeping the order of items with equal keys (the
/// tests compare it with `sort_by_key`).
pub(crate) fn by_key<T>(v: &mut Vec<T>, key: impl Fn(&T) -> u128) {
    if v.len() < 2 {
        return;
    }
    let mut keys: Vec<(u128, u32)> = v
        .iter()
        .enumerate()
        .map(|(i, x)| (key(x), i as u32))
        .collect();
    keys.sort_unstable();
    let mut slots: Vec<Option<T>> = std::mem::take(v).into_iter().map(Some).collect();
    v.extend(keys.iter().filter_map(|&(_, i)| slots[i as usize].take()));
}

/// Packs up to four 32-bit parts into a key, most significant first.
#[inline]
pub(crate) fn key4(a: u32, b: u32, c: u32, d: u32) -> u128 {
    (a as u128) << 96 | (b as u128) << 64 | (c as u128) << 32 | d as u128
}

/// An `i64` as a `u32`-ordered pair of parts for [`key4`], descending.
#[inline]
pub(crate) fn desc_i64(x: i64) -> (u32, u32) {
    let u = (x.wrapping_neg() as u64) ^ (1 << 63);
    ((u >> 32) as u32, u as u32)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn equal_keys_keep_their_order() {
        let mut v = vec![(2, 'b'), (1, 'z'), (2, 'a')];
        by_key(&mut v, |x| x.0 as u128);
        assert_eq!(v, [(1, 'z'), (2, 'b'), (2, 'a')]);
    }

    #[test]
    fn descending_scores() {
        let mut v = vec![300i64, -50, 0, 1000, -50];
        by_key(&mut v, |&x| {
            let (h, l) = desc_i64(x);
            key4(0, 0, h, l)
        });
        assert_eq!(v, [1000, 300, 0, -50, -50]);
    }

    proptest! {
        #[test]
        fn same_as_the_standard_stable_sort(v in prop::collection::vec((0u8..4, any::<u16>()), 0..200)) {
            let mut ours = v.clone();
            by_key(&mut ours, |x| x.0 as u128);
            let mut std = v;
            std.sort_by_key(|x| x.0);
            prop_assert_eq!(ours, std);
        }
    }
}
