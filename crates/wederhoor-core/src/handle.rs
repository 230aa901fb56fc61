//! Handles: the one place that says when two spellings name the same person.
//!
//! There is one key, [`handle_key`]: the handle without its platform's decoration (letter case,
//! the leading `@`, a fediverse instance, the Bluesky suffix; `-` and `.` read as `_`). It is
//! stored with every author (`authors.handle_key`, indexed) and is how authors are found: the
//! same person on other sources (earlier contacts, contact suggestions, repeat contact, the
//! watchlist) and the person a lead types into the privacy lookup.
//!
//! The key finds; it does not prove. Within one source two people can share a key
//! (`@sanne@mastodon.nl` and `@sanne@social.nl` on one Mastodon listener, `sanne.dv` and
//! `sanne_dv`), so whatever hands out a person's data (the privacy export and erasure) also
//! checks the spelling with [`same_handle`]: trimmed, without leading `@`, ASCII letters in
//! lower case — "@EJanssens", "ejanssens" and "@ejanssens" are one person, `@sanne@social.nl`
//! is not `@sanne@mastodon.nl`. Only ASCII is folded there, so the store checks the same in SQL
//! on both backends (`lower(ltrim(handle, '@'))` against [`spelling`] in lower case).

/// The one key of a handle (see the module docs). A hint across sources, not proof.
pub fn handle_key(handle: &str) -> String {
    let lower = handle.trim().trim_start_matches('@').to_lowercase();
    let name = lower.split('@').next().unwrap_or_default();
    let name = name.strip_suffix(".bsky.social").unwrap_or(name);
    name.chars()
        .map(|c| if c == '-' || c == '.' { '_' } else { c })
        .collect()
}

/// A handle as spelled, up to the `@` in front and ASCII letter case: what two handles on one
/// source must share to be one person.
pub fn spelling(handle: &str) -> String {
    handle.trim().trim_start_matches('@').to_ascii_lowercase()
}

/// Do `a` and `b` name the same handle (on one source)?
pub fn same_handle(a: &str, b: &str) -> bool {
    spelling(a) == spelling(b)
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
        if typed.is_empty() || spelling(typed).is_empty() {
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
            assert_eq!(spelling(typed), "ejanssens", "{typed:?}");
            assert_eq!(handle_key(typed), "ejanssens", "{typed:?}");
        }
        assert!(same_handle("@Klant", "klant"));
        assert!(!same_handle("@klant", "@klant2"));
        // Only ASCII is folded (the store folds the same way on both backends).
        assert_eq!(spelling("@Émile"), "Émile");
        // One key across platforms, but not one person on a source.
        assert_eq!(
            handle_key("@sanne@social.nl"),
            handle_key("@sanne@mastodon.nl")
        );
        assert!(!same_handle("@sanne@social.nl", "@sanne@mastodon.nl"));
    }

    #[test]
    fn handle_keys_drop_platform_decoration() {
        for h in [
            "@sanne_devries",
            "@Sanne_deVries@mastodon.nl",
            "@sanne-devries.bsky.social",
            "sanne_devries",
        ] {
            assert_eq!(handle_key(h), "sanne_devries", "{h}");
        }
        assert_ne!(handle_key("@sanne"), handle_key("@sanne2"));
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
        assert_eq!(
            email_key(" Sanne@Example.NL ").as_deref(),
            Some("sanne@example.nl")
        );
        assert_eq!(email_key("@sanne@mastodon.nl"), None);
        assert_eq!(email_key("sanne"), None);
        for p in [
            "06-12345678",
            "+31 6 12345678",
            "0031612345678",
            "31612345678",
        ] {
            assert_eq!(phone_key(p).as_deref(), Some("31612345678"), "{p}");
        }
        assert_eq!(phone_key("12345"), None);
        assert_eq!(phone_key("sanne123456789"), None);
        assert!(phone_spellings("31612345678").contains(&"0612345678".to_owned()));
        assert_eq!(
            name_key(" Sanne  de Vries ").as_deref(),
            Some("sanne de vries")
        );
        assert_eq!(name_key("Sanne"), None);
    }
}
