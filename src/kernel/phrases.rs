//! The words of a view, kept once: twenty thousand clients waiting for a
//! SYN-ACK each carry a note of some hundred bytes and a call in flight,
//! yet say only a few hundred different things (`SYN sent 3 times, …;
//! next SYN in 5 s`). Each socket of a view holds a shared copy, of each
//! phrase and of each list of them.

use std::sync::Arc;

use rustc_hash::FxHashSet;

use super::snapshot::HeldFields;

/// A note or a call in flight of a socket in the view, shared by every
/// socket of the view that says the same.
pub type Phrase = Arc<str>;

/// A socket's notes, or its calls in flight: a list shared by every
/// socket of the view that says the same, read as a slice. A list of its
/// own would cost each of twenty thousand clients two allocations and 48
/// bytes, in each of the two views alive at once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PhraseList(Option<Arc<[Phrase]>>);

impl std::ops::Deref for PhraseList {
    type Target = [Phrase];
    fn deref(&self) -> &[Phrase] {
        self.0.as_deref().unwrap_or(&[])
    }
}

impl<'a> IntoIterator for &'a PhraseList {
    type Item = &'a Phrase;
    type IntoIter = std::slice::Iter<'a, Phrase>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl From<Vec<Phrase>> for PhraseList {
    /// A list of its own, shared with no other socket.
    fn from(list: Vec<Phrase>) -> PhraseList {
        PhraseList((!list.is_empty()).then(|| Arc::from(list)))
    }
}

impl PhraseList {
    /// Adds a phrase at the end (the list becomes this socket's own).
    pub fn push(&mut self, phrase: Phrase) {
        let mut list = self.to_vec();
        list.push(phrase);
        *self = PhraseList::from(list);
    }

    /// Whether both are the same shared list (not merely equal).
    #[cfg(test)]
    pub(crate) fn shared_with(&self, other: &PhraseList) -> bool {
        match (&self.0, &other.0) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }

    /// Empties the list.
    pub fn clear(&mut self) {
        self.0 = None;
    }
}

/// The phrases of one view being built.
#[derive(Default)]
pub(crate) struct Phrases {
    seen: FxHashSet<Phrase>,
    /// The lists of them, once each.
    lists: FxHashSet<Arc<[Phrase]>>,
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

    /// The shared copy of the list `list`.
    pub fn list(&mut self, list: &[Phrase]) -> PhraseList {
        if list.is_empty() {
            return PhraseList::default();
        }
        if let Some(l) = self.lists.get(list) {
            return PhraseList(Some(Arc::clone(l)));
        }
        let l: Arc<[Phrase]> = Arc::from(list);
        self.lists.insert(Arc::clone(&l));
        PhraseList(Some(l))
    }

    /// The shared list of the shared copies of `texts`.
    pub fn all(&mut self, texts: &[String]) -> PhraseList {
        let list: Vec<Phrase> = texts.iter().map(|t| self.of(t)).collect();
        self.list(&list)
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
        assert_eq!(all.len(), 2);
        assert!(Arc::ptr_eq(&all[1], &a));
    }

    #[test]
    fn the_same_lists_are_kept_once() {
        let mut p = Phrases::default();
        let texts = ["connect 1.2s".to_string(), "next SYN in 5 s".to_string()];
        let (a, b) = (p.all(&texts), p.all(&texts));
        assert!(a.shared_with(&b));
        let other = p.all(&texts[..1]);
        assert_eq!(&other[..], &a[..1]);
        assert!(!other.shared_with(&a));
        assert_eq!(p.all(&[]).0, None, "an empty list holds nothing");
        let mut own = a.clone();
        own.push(p.of("owner not known yet"));
        assert_eq!(own.len(), 3);
        assert_eq!(a.len(), 2, "a shared list is not changed through another");
    }
}
