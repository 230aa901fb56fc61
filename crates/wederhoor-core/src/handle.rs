//! Handles: the one place that says when two spellings name the same person on a source.
//!
//! Networks differ in whether they show the `@` and in letter case ("@EJanssens", "ejanssens"),
//! and a lead typing a handle into the privacy lookup does not know how the source stored it.
//! Every comparison of handles (store lookups, the privacy page, the capture form) goes through
//! [`handle_key`]: trimmed, without leading `@`, ASCII letters in lower case. Only ASCII is
//! folded, so the store can compute the same key in SQL on both backends
//! (`lower(ltrim(handle, '@'))` compared with `lower(key)`, see `wederhoor-store`).

/// The form every spelling of one handle shares.
pub fn handle_key(handle: &str) -> String {
    handle.trim().trim_start_matches('@').to_ascii_lowercase()
}

/// Do `a` and `b` name the same handle?
pub fn same_handle(a: &str, b: &str) -> bool {
    handle_key(a) == handle_key(b)
}

/// What a person typed as the author of a post copied from elsewhere (the capture form).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CapturedAuthor {
    /// Nothing typed.
    Unknown,
    /// An `@handle`: kept as the handle, the name stays unknown.
    Handle(String),
    /// A person's name ("Jan de Vries"): kept as the name and, since the site gives no handle,
    /// also as the handle that ties the person's posts (and a privacy lookup) together.
    Name(String),
}

impl CapturedAuthor {
    pub fn parse(typed: &str) -> CapturedAuthor {
        let typed = typed.trim();
        if typed.is_empty() || handle_key(typed).is_empty() {
            CapturedAuthor::Unknown
        } else if typed.starts_with('@') {
            CapturedAuthor::Handle(typed.to_owned())
        } else {
            CapturedAuthor::Name(typed.to_owned())
        }
    }

    /// The handle to store, if any.
    pub fn handle(&self) -> Option<&str> {
        match self {
            CapturedAuthor::Unknown => None,
            CapturedAuthor::Handle(h) | CapturedAuthor::Name(h) => Some(h),
        }
    }

    /// The name to store, if any.
    pub fn name(&self) -> Option<&str> {
        match self {
            CapturedAuthor::Name(n) => Some(n),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_one_handle_share_a_key() {
        for typed in [
            "@ejanssens",
            "ejanssens",
            " @EJanssens ",
            "EJANSSENS",
            "@@ejanssens",
        ] {
            assert_eq!(handle_key(typed), "ejanssens", "{typed:?}");
        }
        assert!(same_handle("@Klant", "klant"));
        assert!(!same_handle("@klant", "@klant2"));
        // Only ASCII is folded (the store folds the same way on both backends).
        assert_eq!(handle_key("@Émile"), "Émile");
    }

    #[test]
    fn a_captured_author_is_a_handle_or_a_name() {
        assert_eq!(CapturedAuthor::parse("  "), CapturedAuthor::Unknown);
        assert_eq!(CapturedAuthor::parse("@"), CapturedAuthor::Unknown);
        let h = CapturedAuthor::parse("@jdevries");
        assert_eq!((h.handle(), h.name()), (Some("@jdevries"), None));
        let n = CapturedAuthor::parse(" Jan de Vries ");
        assert_eq!(
            (n.handle(), n.name()),
            (Some("Jan de Vries"), Some("Jan de Vries"))
        );
    }
}
