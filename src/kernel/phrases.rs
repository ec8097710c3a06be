//! The words of a view, kept once: twenty thousand clients waiting for a
//! SYN-ACK each carry a note of some hundred bytes and a call in flight,
//! yet say only a few hundred different things (`SYN sent 3 times, …;
//! next SYN in 5 s`). Each socket of a view holds a shared copy.

use std::sync::Arc;

use rustc_hash::FxHashSet;

use super::snapshot::HeldFields;

/// A note or a call in flight of a socket in the view, shared by every
/// socket of the view that says the same.
pub type Phrase = Arc<str>;

/// The phrases of one view being built.
#[derive(Default)]
pub(crate) struct Phrases {
    seen: FxHashSet<Phrase>,
    /// What the sockets of the view hold alike, once each.
    held: FxHashSet<Arc<HeldFields>>,
}

impl Phrases {
    /// The shared copy of `text`.
    pub fn of(&mut self, text: &str) -> Phrase {
        if let Some(p) = self.seen.get(text) {
            return Arc::clone(p);
        }
        let p: Phrase = Arc::from(text);
        self.seen.insert(Arc::clone(&p));
        p
    }

    /// The shared copy of what a socket holds.
    pub fn held(&mut self, fields: HeldFields) -> Arc<HeldFields> {
        if let Some(h) = self.held.get(&fields) {
            return Arc::clone(h);
        }
        let h = Arc::new(fields);
        self.held.insert(Arc::clone(&h));
        h
    }

    /// The shared copies of `texts`, in a list no longer than they are.
    pub fn all(&mut self, texts: &[String]) -> Vec<Phrase> {
        texts.iter().map(|t| self.of(t)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_words_are_kept_once() {
        let mut p = Phrases::default();
        let a = p.of("next SYN in 5 s");
        let b = p.of(&format!("next SYN in {} s", 5));
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &p.of("next SYN in 6 s")));
        let all = p.all(&["x".to_string(), "next SYN in 5 s".to_string()]);
        assert_eq!(all.capacity(), 2);
        assert!(Arc::ptr_eq(&all[1], &a));
    }
}
