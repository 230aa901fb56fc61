//! Canned replies (#12): texts per topic in Dutch and English that leads and admins keep, and
//! that agents find from the composer and insert with the case's values filled in.
//!
//! Variables: `{naam}` / `{name}` (the customer's name, else their handle), `{medewerker}` /
//! `{agent}` (the agent's first name) and `{link}` (the case's link). A text with any other
//! `{…}` is refused when it is saved, so a typo never reaches a customer.

use crate::{Error, Result};
use wederhoor_core::AgentId;
use wederhoor_store::{CannedReply, NewCanned, Store};

pub const MAX_TITLE_CHARS: usize = 120;
pub const MAX_TOPIC_CHARS: usize = 60;
pub const MAX_BODY_CHARS: usize = 2_000;
/// The languages a canned reply can be in.
pub const LANGUAGES: [&str; 2] = ["nl", "en"];
/// The variables a canned reply may use.
pub const VARIABLES: [&str; 6] = ["naam", "name", "medewerker", "agent", "link", "zaak"];

/// What a saved canned reply is missing or has wrong: a catalogue key and, for an unknown
/// variable, its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CannedError {
    Topic,
    Language,
    Title,
    Body,
    UnknownVariable(String),
}

impl CannedError {
    pub fn key(&self) -> &'static str {
        match self {
            CannedError::Topic => "canned_err_topic",
            CannedError::Language => "canned_err_lang",
            CannedError::Title => "canned_err_title",
            CannedError::Body => "canned_err_body",
            CannedError::UnknownVariable(_) => "canned_err_variable",
        }
    }
}

/// A canned reply as submitted.
#[derive(Debug, Clone, Copy)]
pub struct CannedInput<'a> {
    pub topic: &'a str,
    pub lang: &'a str,
    pub title: &'a str,
    pub body: &'a str,
}

/// The `{…}` names in a text (an unclosed `{` is not a variable).
fn variables(body: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        match after.find(['}', '{']) {
            Some(end) if after.as_bytes()[end] == b'}' => {
                out.push(&after[..end]);
                rest = &after[end + 1..];
            }
            Some(end) => rest = &after[end..],
            None => break,
        }
    }
    out
}

/// Checks a canned reply; returns it trimmed (the topic in lower case).
pub fn validate(
    input: CannedInput<'_>,
) -> std::result::Result<(String, String, String, String), CannedError> {
    let topic = input.topic.trim().to_lowercase();
    if topic.is_empty() || topic.chars().count() > MAX_TOPIC_CHARS {
        return Err(CannedError::Topic);
    }
    let lang = input.lang.trim();
    if !LANGUAGES.contains(&lang) {
        return Err(CannedError::Language);
    }
    let title = input.title.trim();
    if title.is_empty() || title.chars().count() > MAX_TITLE_CHARS {
        return Err(CannedError::Title);
    }
    let body = input.body.trim();
    if body.is_empty() || body.chars().count() > MAX_BODY_CHARS {
        return Err(CannedError::Body);
    }
    if let Some(unknown) = variables(body).into_iter().find(|v| !VARIABLES.contains(v)) {
        return Err(CannedError::UnknownVariable(unknown.to_owned()));
    }
    Ok((topic, lang.to_owned(), title.to_owned(), body.to_owned()))
}

/// Saves a new (`id` `None`) or changed canned reply after [`validate`].
pub async fn save(
    store: &Store,
    id: Option<i64>,
    input: CannedInput<'_>,
    actor: AgentId,
) -> Result<std::result::Result<i64, CannedError>> {
    let (topic, lang, title, body) = match validate(input) {
        Ok(v) => v,
        Err(e) => return Ok(Err(e)),
    };
    let id = store
        .save_canned_reply(
            id,
            NewCanned {
                topic: &topic,
                lang: &lang,
                title: &title,
                body: &body,
            },
            actor,
        )
        .await?;
    Ok(Ok(id))
}

/// The values of a case that fill in a canned reply.
#[derive(Debug, Clone, Copy)]
pub struct Values<'a> {
    pub customer: &'a str,
    pub agent: &'a str,
    pub link: &'a str,
}

/// The text with its variables filled in (the agent's first name only).
pub fn render(body: &str, values: Values<'_>) -> String {
    let agent_first = values.agent.split_whitespace().next().unwrap_or_default();
    body.replace("{naam}", values.customer)
        .replace("{name}", values.customer)
        .replace("{medewerker}", agent_first)
        .replace("{agent}", agent_first)
        .replace("{link}", values.link)
        .replace("{zaak}", values.link)
}

/// The canned replies matching `search` (all when empty), with the case's values filled in.
pub async fn search(
    store: &Store,
    search: Option<&str>,
    values: Values<'_>,
) -> Result<Vec<(CannedReply, String)>> {
    if search.is_some_and(|s| s.len() > 200) {
        return Err(Error::Invalid("search: longer than 200 bytes".into()));
    }
    Ok(store
        .canned_replies(search)
        .await?
        .into_iter()
        .map(|c| {
            let text = render(&c.body, values);
            (c, text)
        })
        .collect())
}

/// A few canned replies for a new installation (the demo): Dutch and English per topic. None
/// ends with a greeting and a name: the channel's signature adds the agent's name.
pub const DEFAULTS: &[(&str, &str, &str, &str)] = &[
    (
        "storing",
        "nl",
        "Storing: we kijken ernaar",
        "Hoi {naam}, vervelend dat het niet werkt. We weten van de storing en werken aan een oplossing. Zodra het weer werkt, laten we het je weten.",
    ),
    (
        "storing",
        "en",
        "Outage: we're on it",
        "Hi {name}, sorry it isn't working. We know about the outage and are working on a fix. We'll let you know as soon as it works again.",
    ),
    (
        "pas",
        "nl",
        "Pas ingeslikt",
        "Hoi {naam}, wat vervelend dat je pas is ingeslikt. Blokkeer hem in de app en bestel een nieuwe; die is binnen drie werkdagen bij je. Lukt het niet? Laat het ons weten via {link}.",
    ),
    (
        "pas",
        "en",
        "Card retained",
        "Hi {name}, sorry the machine kept your card. Block it in the app and order a new one; it arrives within three working days. Not working? Let us know via {link}.",
    ),
    (
        "algemeen",
        "nl",
        "Bedankt voor je bericht",
        "Hoi {naam}, {medewerker} hier. Bedankt voor je bericht! Ik zoek het uit en kom er vandaag bij je op terug.",
    ),
    (
        "algemeen",
        "en",
        "Thanks for your message",
        "Hi {name}, {agent} here. Thanks for your message! I'm looking into it and will get back to you today.",
    ),
];

/// Stores [`DEFAULTS`] when there are no canned replies yet (the demo).
pub async fn seed_defaults(store: &Store, actor: AgentId) -> Result<usize> {
    if !store.canned_replies(None).await?.is_empty() {
        return Ok(0);
    }
    for &(topic, lang, title, body) in DEFAULTS {
        store
            .save_canned_reply(
                None,
                NewCanned {
                    topic,
                    lang,
                    title,
                    body,
                },
                actor,
            )
            .await?;
    }
    Ok(DEFAULTS.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_are_filled_in_and_unknown_ones_refused() {
        let values = Values {
            customer: "Sanne",
            agent: "Anna de Vries",
            link: "https://x/c/1",
        };
        assert_eq!(
            render("Hoi {naam}, {medewerker} hier ({link})", values),
            "Hoi Sanne, Anna hier (https://x/c/1)"
        );
        assert_eq!(render("Hi {name} — {agent}", values), "Hi Sanne — Anna");
        let input = |body| CannedInput {
            topic: " Storing ",
            lang: "nl",
            title: "T",
            body,
        };
        assert_eq!(
            validate(input("Hoi {naam}")).map(|v| v.0),
            Ok("storing".to_owned())
        );
        assert_eq!(
            validate(input("Hoi {klant}")),
            Err(CannedError::UnknownVariable("klant".into()))
        );
        assert_eq!(validate(input("  ")), Err(CannedError::Body));
        assert_eq!(
            validate(CannedInput {
                lang: "de",
                ..input("x")
            }),
            Err(CannedError::Language)
        );
        for &(_, lang, title, body) in DEFAULTS {
            assert!(
                validate(CannedInput {
                    topic: "t",
                    lang,
                    title,
                    body
                })
                .is_ok(),
                "{title}"
            );
        }
    }
}
