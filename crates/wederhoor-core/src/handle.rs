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

/// An e-mail address in one form for comparing (contact suggestions): trimmed, lower case.
/// `None` unless it reads as `local@domain.tld` (no leading `@`, so a fediverse handle such as
/// `@sanne@mastodon.nl` is not taken for an address).
pub fn email_key(text: &str) -> Option<String> {
    let t = text.trim().trim_end_matches(['.', ',', ';', ')']);
    let (local, domain) = t.split_once('@')?;
    let ok = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && t.chars().all(|c| !c.is_whitespace());
    ok.then(|| t.to_lowercase())
}

/// A phone number in one form for comparing (contact suggestions): its digits with the country
/// code, Dutch by default (`06-12345678`, `+31 6 12345678`, `0031612345678` and the WhatsApp id
/// `31612345678` are all `31612345678`). `None` for fewer than 9 or more than 15 digits, or
/// letters in it.
pub fn phone_key(text: &str) -> Option<String> {
    let t = text.trim();
    if t.chars().any(|c| c.is_alphabetic()) {
        return None;
    }
    let digits: String = t.chars().filter(char::is_ascii_digit).collect();
    let international = t.starts_with('+');
    let number = if international {
        digits
    } else if let Some(rest) = digits.strip_prefix("00") {
        rest.to_owned()
    } else if let Some(rest) = digits.strip_prefix('0') {
        format!("31{rest}")
    } else {
        digits
    };
    (9..=15).contains(&number.len()).then_some(number)
}

/// The spellings under which a phone number may be stored as a handle (a WhatsApp id, with `+`,
/// or the Dutch national form), for looking up authors by their stored handle key.
pub fn phone_spellings(key: &str) -> Vec<String> {
    let mut out = vec![key.to_owned(), format!("+{key}")];
    if let Some(national) = key.strip_prefix("31") {
        out.push(format!("0{national}"));
    }
    out
}

/// A person's name in one form for comparing (contact suggestions): words joined by one space,
/// lower case. `None` for fewer than two words (a first name alone says too little).
pub fn name_key(name: &str) -> Option<String> {
    let words: Vec<String> = name.split_whitespace().map(str::to_lowercase).collect();
    (words.len() >= 2).then(|| words.join(" "))
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
    #[test]
    fn emails_phones_and_names_have_one_form_for_comparing() {
        assert_eq!(email_key(" Sanne@Example.NL ").as_deref(), Some("sanne@example.nl"));
        assert_eq!(email_key("@sanne@mastodon.nl"), None);
        assert_eq!(email_key("sanne"), None);
        for p in ["06-12345678", "+31 6 12345678", "0031612345678", "31612345678"] {
            assert_eq!(phone_key(p).as_deref(), Some("31612345678"), "{p}");
        }
        assert_eq!(phone_key("12345"), None);
        assert_eq!(phone_key("sanne123456789"), None);
        assert!(phone_spellings("31612345678").contains(&"0612345678".to_owned()));
        assert_eq!(name_key(" Sanne  de Vries ").as_deref(), Some("sanne de vries"));
        assert_eq!(name_key("Sanne"), None);
    }
}
