//! E-cards: after a conversation an agent sends a card — one of the shipped SVG templates with
//! the agent's first name and a personal line — rendered to PNG on the server (resvg, with the
//! one embedded font) and sent as media where the channel's connector sends media, otherwise as
//! a link to the picture.
//!
//! The personal line is checked (length, no control characters, no personal data: the card may
//! be seen by anyone) and escaped into the SVG, so no text can change the picture's markup.

use crate::reply::{Composer, ReplyPolicy, composer, personal_data};
use crate::{Change, Error, Events, Result};
use std::sync::{Arc, OnceLock};
use wederhoor_core::{AgentId, ConversationId, DeliveryKind, PiiSpan, ReplyId, SignatureStyle};
use wederhoor_store::{NewCard, Store, StoreError};
use wederhoor_triage::Engine;

/// The picture's size: 1200 × 675 (16:9, what the platforms show whole in a timeline).
pub const WIDTH: u32 = 1200;
pub const HEIGHT: u32 = 675;
/// The longest personal line, in characters.
pub const MAX_LINE_CHARS: usize = 140;
/// Characters per line of the picture's text (wrapped at spaces).
const WRAP: usize = 38;

/// The font every card is set in: DejaVu Sans, subset to Latin (licence in `assets/fonts`).
static FONT: &[u8] = include_bytes!("../assets/fonts/DejaVuSans-Latin.ttf");
const FONT_FAMILY: &str = "DejaVu Sans";

/// The shipped templates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CardTemplate {
    Thanks,
    Sorry,
    Congratulations,
}

impl CardTemplate {
    pub const ALL: [CardTemplate; 3] = [
        CardTemplate::Thanks,
        CardTemplate::Sorry,
        CardTemplate::Congratulations,
    ];

    pub fn name(self) -> &'static str {
        match self {
            CardTemplate::Thanks => "thanks",
            CardTemplate::Sorry => "sorry",
            CardTemplate::Congratulations => "congratulations",
        }
    }

    pub fn parse(name: &str) -> Option<CardTemplate> {
        CardTemplate::ALL.into_iter().find(|t| t.name() == name)
    }

    /// Background, accent and text colours.
    fn colours(self) -> (&'static str, &'static str, &'static str) {
        match self {
            CardTemplate::Thanks => ("#fff4e0", "#e8710a", "#3b2304"),
            CardTemplate::Sorry => ("#e8f0fb", "#2457a6", "#0f2445"),
            CardTemplate::Congratulations => ("#eaf7ec", "#1e7a34", "#0d3317"),
        }
    }
}

/// Why a card was not made. The agent's line goes back to the form with it.
#[derive(Debug, Clone, PartialEq)]
pub enum CardRefusal {
    EmptyLine,
    /// Longer than [`MAX_LINE_CHARS`].
    LineTooLong,
    /// Control characters (line breaks included) have no place on a card.
    ControlCharacters,
    /// Personal data: a card is seen by whoever sees the reply.
    PersonalData {
        spans: Vec<PiiSpan>,
    },
    /// The reply (line, link and signature) is longer than the channel allows.
    OverChannelLimit,
}

impl CardRefusal {
    /// The catalogue key of the message that explains it.
    pub fn key(&self) -> &'static str {
        match self {
            CardRefusal::EmptyLine => "card_line_empty",
            CardRefusal::LineTooLong => "card_line_too_long",
            CardRefusal::ControlCharacters => "card_line_control",
            CardRefusal::PersonalData { .. } => "card_line_pii",
            CardRefusal::OverChannelLimit => "card_over_channel_limit",
        }
    }
}

/// What a card says: the template, the heading (in the customer's language, from the web
/// edge's catalogue), the personal line and who sends it.
#[derive(Debug, Clone)]
pub struct CardText<'a> {
    pub template: CardTemplate,
    pub heading: &'a str,
    pub line: &'a str,
    /// The agent's display name; the card shows the first name.
    pub agent_name: &'a str,
}

/// Checks the personal line; returns it trimmed.
pub fn check_line<'a>(engine: &Engine, line: &'a str) -> Result<&'a str, CardRefusal> {
    let line = line.trim();
    if line.is_empty() {
        return Err(CardRefusal::EmptyLine);
    }
    if line.chars().count() > MAX_LINE_CHARS {
        return Err(CardRefusal::LineTooLong);
    }
    if line.chars().any(char::is_control) {
        return Err(CardRefusal::ControlCharacters);
    }
    let spans = personal_data(engine, line);
    if !spans.is_empty() {
        return Err(CardRefusal::PersonalData { spans });
    }
    Ok(line)
}

/// Escapes text for SVG/XML character data and attribute values.
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Splits `text` into lines of at most `width` characters at spaces (a longer word stands alone).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        if !current.is_empty() && current.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

/// The card's SVG. Every piece of text is escaped.
pub fn card_svg(card: &CardText<'_>) -> String {
    let (background, accent, ink) = card.template.colours();
    let first_name = SignatureStyle::FirstName.sign(card.agent_name, "");
    let mut text = String::new();
    for (i, line) in wrap(card.line, WRAP).iter().enumerate() {
        let y = 330 + 56 * i;
        text.push_str(&format!(
            "<text x=\"600\" y=\"{y}\" font-size=\"44\" text-anchor=\"middle\" fill=\"{ink}\">{}</text>\n",
            xml_escape(line)
        ));
    }
    let ornament = match card.template {
        CardTemplate::Thanks => format!(
            "<path d=\"M600 150 l22 -22 a16 16 0 0 1 -22 -22 a16 16 0 0 1 -22 22 z\" fill=\"{accent}\"/>"
        ),
        CardTemplate::Sorry => format!(
            "<circle cx=\"600\" cy=\"120\" r=\"26\" fill=\"none\" stroke=\"{accent}\" stroke-width=\"6\"/>"
        ),
        CardTemplate::Congratulations => format!(
            "<path d=\"M600 92 l9 27 h28 l-23 17 l9 27 l-23 -17 l-23 17 l9 -27 l-23 -17 h28 z\" fill=\"{accent}\"/>"
        ),
    };
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{HEIGHT}\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" font-family=\"{FONT_FAMILY}\">\n\
         <rect width=\"{WIDTH}\" height=\"{HEIGHT}\" fill=\"{background}\"/>\n\
         <rect x=\"24\" y=\"24\" width=\"1152\" height=\"627\" rx=\"28\" fill=\"none\" stroke=\"{accent}\" stroke-width=\"8\"/>\n\
         {ornament}\n\
         <text x=\"600\" y=\"240\" font-size=\"76\" text-anchor=\"middle\" fill=\"{accent}\">{}</text>\n\
         {text}\
         <text x=\"600\" y=\"600\" font-size=\"40\" text-anchor=\"middle\" fill=\"{ink}\">— {}</text>\n\
         </svg>\n",
        xml_escape(card.heading),
        xml_escape(&first_name),
    )
}

fn fonts() -> Arc<resvg::usvg::fontdb::Database> {
    static FONTS: OnceLock<Arc<resvg::usvg::fontdb::Database>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let mut db = resvg::usvg::fontdb::Database::new();
            db.load_font_data(FONT.to_vec());
            Arc::new(db)
        })
        .clone()
}

/// Renders an SVG to PNG with the embedded font only (no system fonts, no external files).
pub fn render_png(svg: &str) -> Result<Vec<u8>> {
    let options = resvg::usvg::Options {
        fontdb: fonts(),
        font_family: FONT_FAMILY.to_owned(),
        ..resvg::usvg::Options::default()
    };
    let tree = resvg::usvg::Tree::from_str(svg, &options)
        .map_err(|e| Error::Internal(format!("card SVG: {e}")))?;
    let size = tree.size().to_int_size();
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or_else(|| Error::Internal("card size".into()))?;
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::default(),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|e| Error::Internal(format!("card PNG: {e}")))
}

/// The card as a PNG, for the preview: the line checked first.
pub fn preview(engine: &Engine, card: &CardText<'_>) -> Result<Result<Vec<u8>, CardRefusal>> {
    let line = match check_line(engine, card.line) {
        Ok(l) => l,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let checked = CardText {
        line,
        ..card.clone()
    };
    render_png(&card_svg(&checked)).map(Ok)
}

/// Whether the connector that delivers replies of this kind sends media with them (else a card
/// goes as a link). A manual channel never does, whatever the platform.
pub fn connector_sends_media(delivery: DeliveryKind) -> bool {
    matches!(delivery, DeliveryKind::Mastodon | DeliveryKind::Whatsapp)
}

/// An e-card an agent sends on a conversation.
#[derive(Debug, Clone)]
pub struct CardRequest<'a> {
    pub conversation: ConversationId,
    pub agent: AgentId,
    pub card: CardText<'a>,
    /// Where customers reach this server (no trailing slash): the card's link when the channel
    /// takes no media.
    pub public_url: &'a str,
    /// The description of the picture (for screen readers), in the customer's language.
    pub description: &'a str,
}

/// What became of an e-card.
#[derive(Debug, Clone, PartialEq)]
pub enum CardOutcome {
    /// Queued as a reply; `as_media`: the picture goes with it (else a link).
    Sent {
        card: i64,
        reply: ReplyId,
        as_media: bool,
    },
    Refused(CardRefusal),
}

/// Checks the line, renders the card and queues it as a reply (with the picture as media when
/// the channel's connector sends media, else with a link to it), audited.
pub async fn send_ecard(
    store: &Store,
    engine: &Engine,
    policy: &ReplyPolicy,
    events: &dyn Events,
    request: CardRequest<'_>,
) -> Result<CardOutcome> {
    let line = match check_line(engine, request.card.line) {
        Ok(l) => l,
        Err(refusal) => return Ok(CardOutcome::Refused(refusal)),
    };
    let summary = store
        .conversation_summary(request.conversation)
        .await?
        .ok_or(StoreError::NotFound("conversation"))?;
    let Composer {
        limit, signature, ..
    } = composer(store, policy, &summary, request.card.agent_name).await?;
    let source = store
        .source(summary.source_id)
        .await?
        .ok_or(StoreError::NotFound("source"))?;
    let card = CardText {
        line,
        ..request.card.clone()
    };
    let svg = card_svg(&card);
    let png = tokio::task::spawn_blocking(move || render_png(&svg))
        .await
        .map_err(|e| Error::Internal(format!("card rendering: {e}")))??;
    let as_media = connector_sends_media(source.delivery_kind);
    let text = if as_media {
        line.to_owned()
    } else {
        format!(
            "{line}\n{}/kaarten/{}.png",
            request.public_url,
            wederhoor_store::content_hash(&png)
        )
    };
    if let Some(limit) = limit
        && limit
            .unit
            .count(&wederhoor_core::signed_text(&text, &signature))
            > limit.max
    {
        return Ok(CardOutcome::Refused(CardRefusal::OverChannelLimit));
    }
    let (card_id, reply) = store
        .send_card(&NewCard {
            conversation: request.conversation,
            agent: request.agent,
            template: card.template.name(),
            line,
            text: &text,
            signature: Some(&signature),
            content_type: "image/png",
            bytes: &png,
            description: request.description,
            attach: as_media,
        })
        .await?;
    events.changed(request.conversation, Change::Reply);
    Ok(CardOutcome::Sent {
        card: card_id,
        reply,
        as_media,
    })
}

/// What printed cards may cost (`[cards]` in the configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrintedPolicy {
    /// What the team may spend on printed cards per calendar month (UTC), in cents.
    pub monthly_budget_cents: i64,
    /// What one printed card costs (card, print, stamp), in cents.
    pub cost_cents: i64,
}

impl Default for PrintedPolicy {
    fn default() -> PrintedPolicy {
        PrintedPolicy {
            monthly_budget_cents: 5_000,
            cost_cents: 250,
        }
    }
}

/// The longest recipient name and postal address, in characters, and the most address lines.
pub const MAX_RECIPIENT_CHARS: usize = 100;
pub const MAX_ADDRESS_CHARS: usize = 300;
pub const MAX_ADDRESS_LINES: usize = 6;

/// Why a printed card was not requested.
#[derive(Debug, Clone, PartialEq)]
pub enum PrintedRefusal {
    Line(CardRefusal),
    /// Name missing, too long or with control characters.
    Recipient,
    /// Address missing, too long, too many lines or with control characters.
    Address,
    /// The month's budget is spent (what is spent, the budget, in cents).
    OverBudget {
        spent_cents: i64,
        budget_cents: i64,
    },
}

impl PrintedRefusal {
    pub fn key(&self) -> &'static str {
        match self {
            PrintedRefusal::Line(r) => r.key(),
            PrintedRefusal::Recipient => "printed_recipient_invalid",
            PrintedRefusal::Address => "printed_address_invalid",
            PrintedRefusal::OverBudget { .. } => "printed_over_budget",
        }
    }
}

/// A printed card an agent requests; the address comes from a private channel.
#[derive(Debug, Clone)]
pub struct PrintedCardRequest<'a> {
    pub conversation: ConversationId,
    pub agent: AgentId,
    pub template: CardTemplate,
    pub line: &'a str,
    pub recipient: &'a str,
    pub address: &'a str,
    /// Now (UTC ms): the month whose budget counts.
    pub now: i64,
}

/// The UTC calendar month around `now` as `[start, end)` in ms.
pub fn month_of(now: i64) -> Result<(i64, i64)> {
    let at = jiff::Timestamp::from_millisecond(now)
        .map_err(|e| Error::Invalid(format!("time: {e}")))?
        .to_zoned(jiff::tz::TimeZone::UTC);
    let start = at
        .date()
        .first_of_month()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .map_err(|e| Error::Internal(format!("month start: {e}")))?;
    let end = start
        .checked_add(jiff::Span::new().months(1))
        .map_err(|e| Error::Internal(format!("month end: {e}")))?;
    Ok((
        start.timestamp().as_millisecond(),
        end.timestamp().as_millisecond(),
    ))
}

/// Checks the card and the address and requests the printed card within the month's budget.
pub async fn request_printed_card(
    store: &Store,
    engine: &Engine,
    policy: PrintedPolicy,
    request: PrintedCardRequest<'_>,
) -> Result<Result<i64, PrintedRefusal>> {
    let line = match check_line(engine, request.line) {
        Ok(l) => l,
        Err(r) => return Ok(Err(PrintedRefusal::Line(r))),
    };
    let recipient = request.recipient.trim();
    if recipient.is_empty()
        || recipient.chars().count() > MAX_RECIPIENT_CHARS
        || recipient.chars().any(char::is_control)
    {
        return Ok(Err(PrintedRefusal::Recipient));
    }
    let address: Vec<&str> = request
        .address
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let address = address.join("\n");
    if address.chars().count() < 5
        || address.chars().count() > MAX_ADDRESS_CHARS
        || address.lines().count() > MAX_ADDRESS_LINES
        || address.chars().any(|c| c.is_control() && c != '\n')
    {
        return Ok(Err(PrintedRefusal::Address));
    }
    let (month_start, month_end) = month_of(request.now)?;
    let outcome = store
        .request_printed_card(&wederhoor_store::NewPrintedCard {
            conversation: request.conversation,
            agent: request.agent,
            template: request.template.name(),
            line,
            recipient,
            address: &address,
            cost_cents: policy.cost_cents,
            month_start,
            month_end,
            budget_cents: policy.monthly_budget_cents,
            now: request.now,
        })
        .await?;
    Ok(match outcome {
        wederhoor_store::PrintedRequest::Requested(id) => Ok(id),
        wederhoor_store::PrintedRequest::OverBudget { spent_cents } => {
            Err(PrintedRefusal::OverBudget {
                spent_cents,
                budget_cents: policy.monthly_budget_cents,
            })
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_into_the_svg() {
        let svg = card_svg(&CardText {
            template: CardTemplate::Thanks,
            heading: "Bedankt & tot ziens",
            line: "</text><script>alert(1)</script> \"quoted\" 'single'",
            agent_name: "Sanne <b>de Vries</b>",
        });
        assert!(!svg.contains("<script>"), "{svg}");
        assert!(svg.contains("&lt;/text&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(svg.contains("&quot;quoted&quot; &apos;single&apos;"));
        assert!(svg.contains("Bedankt &amp; tot ziens"));
        assert!(svg.contains("— Sanne"));
        assert!(!svg.contains("<b>"));
        assert_eq!(xml_escape("a\u{0}b\u{1b}c"), "abc");
    }

    #[test]
    fn the_budget_month_is_the_utc_calendar_month() {
        let now = jiff::Timestamp::from_second(1_709_164_800).unwrap(); // 2024-02-29T00:00Z
        let (start, end) = month_of(now.as_millisecond()).unwrap();
        assert_eq!(start, 1_706_745_600_000); // 2024-02-01
        assert_eq!(end, 1_709_251_200_000); // 2024-03-01
    }

    #[test]
    fn long_lines_wrap_at_spaces() {
        let lines = wrap(
            "Dank je wel voor je geduld vandaag, en fijn dat de storing nu voorbij is!",
            WRAP,
        );
        assert!(lines.len() >= 2, "{lines:?}");
        assert!(lines.iter().all(|l| l.chars().count() <= WRAP));
        assert_eq!(
            lines.join(" "),
            "Dank je wel voor je geduld vandaag, en fijn dat de storing nu voorbij is!"
        );
    }

    #[test]
    fn a_card_renders_to_a_png_of_the_card_size() {
        let png = render_png(&card_svg(&CardText {
            template: CardTemplate::Congratulations,
            heading: "Gefeliciteerd!",
            line: "Veel plezier in het nieuwe huis!",
            agent_name: "Sanne de Vries",
        }))
        .unwrap();
        assert_eq!(
            wederhoor_core::media::png_dimensions(&png),
            Some((WIDTH, HEIGHT))
        );
        // The text is drawn: a card without text has fewer distinct bytes than one with it.
        let blank = render_png(&card_svg(&CardText {
            template: CardTemplate::Congratulations,
            heading: "",
            line: "",
            agent_name: "",
        }))
        .unwrap();
        assert_ne!(png, blank);
    }
}
