//! The public team page (#12, seed 003: customers talk to people): agents opt in with a first
//! name and a one-line role on their own page; the page lists only those who did.

use crate::Result;
use wederhoor_core::AgentId;
use wederhoor_store::{PublicProfile, Store};

/// The team's opening hours as the public page shows them, per language (`[team_page]`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct OpeningHours {
    pub nl: String,
    pub en: String,
    pub fr: String,
}

impl Default for OpeningHours {
    fn default() -> Self {
        OpeningHours {
            nl: "Maandag tot en met vrijdag 8.00–20.00 uur, zaterdag 9.00–17.00 uur".into(),
            en: "Monday to Friday 8 am – 8 pm, Saturday 9 am – 5 pm".into(),
            fr: "Du lundi au vendredi de 8 h à 20 h, le samedi de 9 h à 17 h".into(),
        }
    }
}

impl OpeningHours {
    /// The hours in `lang` (`nl`, `en`, `fr`; Dutch otherwise).
    pub fn for_lang(&self, lang: &str) -> &str {
        match lang {
            "en" => &self.en,
            "fr" => &self.fr,
            _ => &self.nl,
        }
    }
}

pub const MAX_NAME_CHARS: usize = 40;
pub const MAX_ROLE_CHARS: usize = 100;

/// What a submitted profile has wrong: a catalogue key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileError {
    /// Opted in without a first name, or one that is too long or more than a first name.
    Name,
    Role,
}

impl ProfileError {
    pub fn key(self) -> &'static str {
        match self {
            ProfileError::Name => "team_err_name",
            ProfileError::Role => "team_err_role",
        }
    }
}

/// Checks a profile: a first name is one word (no surname on a public page), required to opt in.
pub fn validate(
    opted_in: bool,
    first_name: &str,
    role: &str,
) -> std::result::Result<PublicProfile, ProfileError> {
    let name = first_name.trim();
    if name.chars().count() > MAX_NAME_CHARS
        || name.split_whitespace().count() > 1
        || (opted_in && name.is_empty())
    {
        return Err(ProfileError::Name);
    }
    let role = role.trim();
    if role.chars().count() > MAX_ROLE_CHARS || role.contains('\n') {
        return Err(ProfileError::Role);
    }
    Ok(PublicProfile {
        opted_in,
        first_name: (!name.is_empty()).then(|| name.to_owned()),
        role: (!role.is_empty()).then(|| role.to_owned()),
    })
}

/// Sets what `agent` shows on the team page (by themselves or an admin: `actor`).
pub async fn set_profile(
    store: &Store,
    agent: AgentId,
    opted_in: bool,
    first_name: &str,
    role: &str,
    actor: AgentId,
) -> Result<std::result::Result<(), ProfileError>> {
    let profile = match validate(opted_in, first_name, role) {
        Ok(p) => p,
        Err(e) => return Ok(Err(e)),
    };
    store.set_public_profile(agent, &profile, actor).await?;
    Ok(Ok(()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_first_name_is_needed_to_opt_in_and_a_surname_is_refused() {
        assert_eq!(validate(true, " ", "x"), Err(ProfileError::Name));
        assert_eq!(
            validate(true, "Anna de Vries", "x"),
            Err(ProfileError::Name)
        );
        assert_eq!(validate(false, "", "").map(|p| p.opted_in), Ok(false));
        let p = validate(true, " Anna ", " Beantwoordt vragen over sparen ").unwrap_or_default();
        assert_eq!(p.first_name.as_deref(), Some("Anna"));
        assert_eq!(p.role.as_deref(), Some("Beantwoordt vragen over sparen"));
    }
}
