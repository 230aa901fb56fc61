//! Markdown written by customers (ideas, comments on the public feedback page), made safe.
//!
//! [`render`] turns CommonMark into HTML with `pulldown-cmark` and then cleans that HTML with
//! `ammonia` against a short allow-list: paragraphs, emphasis, strong, lists, blockquotes, inline
//! code and code blocks, links, `h3`/`h4` headings, line breaks and rules. Everything else is
//! dropped; the text inside a dropped tag stays (except inside `script`/`style`, whose content
//! goes too).
//!
//! - Headings: `#` and `##` become `h3`, `###` to `######` become `h4`, so a customer's text never
//!   outranks the page's own headings.
//! - Links keep `http:`, `https:`, `mailto:` and relative URLs only (anything else loses its
//!   `href`) and always get `rel="nofollow noopener ugc"`.
//! - Images are replaced by their alt text. Raw HTML in the Markdown is handed to ammonia like the
//!   rest, so harmless tags survive and everything else is stripped.
//! - A single newline inside a paragraph is a line break (`<br>`), as people expect in a comment
//!   box.
//!
//! [`plain_excerpt`] gives the same text without any markup, for list pages and Open Graph
//! descriptions. It is plain text: escape it when putting it into HTML (templates do).

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

/// The `rel` every link gets.
pub const LINK_REL: &str = "nofollow noopener ugc";

static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let tags: HashSet<&'static str> = [
        "p",
        "em",
        "strong",
        "ul",
        "ol",
        "li",
        "blockquote",
        "code",
        "pre",
        "a",
        "h3",
        "h4",
        "br",
        "hr",
    ]
    .into_iter()
    .collect();
    let tag_attributes: HashMap<&'static str, HashSet<&'static str>> = [
        ("a", ["href"].into_iter().collect()),
        ("ol", ["start"].into_iter().collect()),
    ]
    .into_iter()
    .collect();
    let mut b = ammonia::Builder::new();
    // Invariant (ammonia panics otherwise): `rel` is not an allowed attribute of `a` while
    // `link_rel` is set, and no tag is both allowed and in `clean_content_tags`.
    b.tags(tags)
        .tag_attributes(tag_attributes)
        .generic_attributes(HashSet::new())
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .clean_content_tags(
            [
                "script", "style", "iframe", "object", "embed", "template", "noscript",
            ]
            .into_iter()
            .collect(),
        )
        .link_rel(Some(LINK_REL))
        .url_relative(ammonia::UrlRelative::Custom(Box::new(relative_url)))
        .strip_comments(true);
    b
});

/// Keeps a relative URL unless something before its first `/`, `?` or `#` has a colon: that
/// only happens when a scheme was mangled (`java%09script:`), never in a real relative link.
fn relative_url(url: &str) -> Option<std::borrow::Cow<'_, str>> {
    let head = url.split(['/', '?', '#']).next().unwrap_or("");
    (!head.contains(':')).then_some(std::borrow::Cow::Borrowed(url))
}

fn parser(text: &str) -> Parser<'_> {
    Parser::new_ext(text, Options::ENABLE_STRIKETHROUGH)
}

fn demote(level: HeadingLevel) -> HeadingLevel {
    match level {
        HeadingLevel::H1 | HeadingLevel::H2 | HeadingLevel::H3 => HeadingLevel::H3,
        _ => HeadingLevel::H4,
    }
}

/// Safe HTML for customer-written Markdown (see the module documentation for what is kept).
pub fn render(text: &str) -> String {
    let events = parser(text).filter_map(|event| match event {
        Event::Start(Tag::Heading {
            level,
            id: _,
            classes: _,
            attrs: _,
        }) => Some(Event::Start(Tag::Heading {
            level: demote(level),
            id: None,
            classes: Vec::new(),
            attrs: Vec::new(),
        })),
        Event::End(TagEnd::Heading(level)) => Some(Event::End(TagEnd::Heading(demote(level)))),
        // An image becomes its alt text (the events between start and end).
        Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => None,
        Event::SoftBreak => Some(Event::HardBreak),
        other => Some(other),
    });
    let mut html = String::with_capacity(text.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events);
    CLEANER.clean(&html).to_string()
}

/// The text of `text` without Markdown or HTML, whitespace collapsed, at most `n` characters
/// (cut at a word boundary when one is near, ending in `…` when cut).
pub fn plain_excerpt(text: &str, n: usize) -> String {
    let mut raw = String::with_capacity(text.len());
    let mut skip_depth = 0usize;
    for event in parser(text) {
        match event {
            Event::Text(t) | Event::Code(t) if skip_depth == 0 => raw.push_str(&t),
            Event::Html(h) | Event::InlineHtml(h) => {
                skip_depth = html_text(&h, &mut raw, skip_depth);
            }
            Event::SoftBreak | Event::HardBreak | Event::Rule => raw.push(' '),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::CodeBlock
                | TagEnd::BlockQuote(_),
            ) => raw.push(' '),
            _ => {}
        }
    }
    let collapsed = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    truncate(&collapsed, n)
}

/// Appends the text of an HTML fragment (tags removed; the content of `script`/`style` skipped)
/// and returns the new skip depth.
fn html_text(html: &str, out: &mut String, mut skip_depth: usize) -> usize {
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        if skip_depth == 0 {
            out.push_str(rest.get(..lt).unwrap_or(""));
        }
        let after = rest.get(lt..).unwrap_or("");
        let end = after.find('>').map_or(after.len(), |i| i + 1);
        let tag = after.get(..end).unwrap_or("").to_ascii_lowercase();
        let name: String = tag
            .trim_start_matches('<')
            .trim_start_matches('/')
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect();
        if matches!(name.as_str(), "script" | "style" | "iframe" | "template") {
            if tag.starts_with("</") {
                skip_depth = skip_depth.saturating_sub(1);
            } else if !tag.ends_with("/>") {
                skip_depth += 1;
            }
        }
        out.push(' ');
        rest = after.get(end..).unwrap_or("");
    }
    if skip_depth == 0 {
        out.push_str(rest);
    }
    skip_depth
}

fn truncate(text: &str, n: usize) -> String {
    if text.chars().count() <= n {
        return text.to_owned();
    }
    if n == 0 {
        return String::new();
    }
    let keep: String = text.chars().take(n - 1).collect();
    // Prefer a word boundary when it does not throw away more than a third.
    let cut = match keep.rfind(' ') {
        Some(i) if keep.get(..i).map_or(0, |s| s.chars().count()) * 3 >= (n - 1) * 2 => {
            keep.get(..i).unwrap_or(&keep)
        }
        _ => keep.as_str(),
    };
    format!("{}…", cut.trim_end())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    /// Nothing executable or styled may appear in rendered output: every tag is on the
    /// allow-list, with only `href` (safe scheme), `rel` and `start` attributes. (Text that merely
    /// reads like HTML is escaped, so it is not a tag.)
    fn assert_inert(html: &str) {
        const TAGS: &[&str] = &[
            "p",
            "em",
            "strong",
            "ul",
            "ol",
            "li",
            "blockquote",
            "code",
            "pre",
            "a",
            "h3",
            "h4",
            "br",
            "hr",
            "del",
        ];
        let mut rest = html;
        while let Some(start) = rest.find('<') {
            let tail = &rest[start + 1..];
            let end = tail
                .find('>')
                .unwrap_or_else(|| panic!("unclosed tag in {html}"));
            let tag = &tail[..end];
            rest = &tail[end + 1..];
            let tag = tag.trim_start_matches('/').trim_end_matches('/');
            let (name, mut attrs) = tag.split_once(' ').unwrap_or((tag, ""));
            assert!(TAGS.contains(&name), "tag {name:?} in {html}");
            // Attributes as ammonia serialises them: name="value" separated by spaces.
            while !attrs.trim().is_empty() {
                let (attr, after) = attrs
                    .trim_start()
                    .split_once("=\"")
                    .unwrap_or_else(|| panic!("odd attributes {attrs:?} in {html}"));
                let (value, after) = after
                    .split_once('"')
                    .unwrap_or_else(|| panic!("unclosed value in {html}"));
                attrs = after;
                match attr {
                    "href" => {
                        let v = value.to_ascii_lowercase();
                        let scheme = v.split_once(':').map(|(s, _)| s);
                        assert!(
                            matches!(scheme, None | Some("http" | "https" | "mailto"))
                                || v.starts_with('/')
                                || v.starts_with('#')
                                || v.starts_with('?'),
                            "href {value:?} in {html}"
                        );
                    }
                    "rel" => assert_eq!(value, LINK_REL, "{html}"),
                    "start" => assert!(value.parse::<u64>().is_ok(), "{html}"),
                    other => panic!("attribute {other:?} in {html}"),
                }
            }
        }
    }

    #[test]
    fn plain_markdown_becomes_the_expected_html() {
        let html = render("Hallo *wereld* en **vet**.\n\n- een\n- twee\n\n> citaat\n\n`x < y`");
        assert!(
            html.contains("<p>Hallo <em>wereld</em> en <strong>vet</strong>.</p>"),
            "{html}"
        );
        assert!(
            html.contains("<ul>\n<li>een</li>\n<li>twee</li>\n</ul>"),
            "{html}"
        );
        assert!(
            html.contains("<blockquote>\n<p>citaat</p>\n</blockquote>"),
            "{html}"
        );
        assert!(html.contains("<code>x &lt; y</code>"), "{html}");
        let ol = render("3. drie\n4. vier");
        assert!(ol.contains("<ol start=\"3\">"), "{ol}");
        let pre = render("```rust\nfn main() { a < b }\n```");
        assert!(
            pre.contains("<pre><code>fn main() { a &lt; b }\n</code></pre>"),
            "{pre}"
        );
    }

    #[test]
    fn headings_are_demoted_to_h3_and_h4() {
        let html = render("# Een\n## Twee\n### Drie\n#### Vier\n###### Zes {#id .cls}");
        assert!(!html.contains("<h1") && !html.contains("<h2") && !html.contains("<h5"));
        assert!(!html.contains("<h6"), "{html}");
        assert!(html.contains("<h3>Een</h3>"), "{html}");
        assert!(html.contains("<h3>Twee</h3>"), "{html}");
        assert!(html.contains("<h3>Drie</h3>"), "{html}");
        assert!(html.contains("<h4>Vier</h4>"), "{html}");
        assert!(html.contains("Zes"), "{html}");
        let raw = render("<h1>Groot</h1>");
        assert!(!raw.contains("<h1") && raw.contains("Groot"), "{raw}");
    }

    #[test]
    fn links_get_rel_and_only_safe_schemes() {
        let html = render(
            "[site](https://example.org/a?b=1&c=2) en [mail](mailto:a@b.nl) en [rel](/ideas/3)",
        );
        assert!(
            html.contains(
                "<a href=\"https://example.org/a?b=1&amp;c=2\" rel=\"nofollow noopener ugc\">site</a>"
            ),
            "{html}"
        );
        assert!(html.contains("href=\"mailto:a@b.nl\""), "{html}");
        assert!(html.contains("href=\"/ideas/3\""), "{html}");
        assert_eq!(
            html.matches("rel=\"nofollow noopener ugc\"").count(),
            3,
            "{html}"
        );
        let auto = render("<https://example.org/x>");
        assert!(
            auto.contains("<a href=\"https://example.org/x\" rel=\"nofollow noopener ugc\">"),
            "{auto}"
        );
        // A rel of the author's own is replaced, not merged.
        let own = render("<a href=\"https://x.nl\" rel=\"me\" target=\"_blank\">x</a>");
        assert!(own.contains("rel=\"nofollow noopener ugc\""), "{own}");
        assert!(
            !own.contains("rel=\"me\"") && !own.contains("target"),
            "{own}"
        );
    }

    #[test]
    fn hostile_input_is_made_inert_and_keeps_the_text() {
        let cases: &[(&str, &[&str])] = &[
            ("<script>alert(1)</script>Hallo", &["Hallo"]),
            (
                "tekst <img src=x onerror=alert(1)> meer",
                &["tekst", "meer"],
            ),
            ("[klik](javascript:alert(1))", &["klik"]),
            ("[klik](JaVaScRiPt:alert(1))", &["klik"]),
            ("[klik](java&#x09;script:alert(1))", &["klik"]),
            ("[klik](  javascript:alert(1) \"t\")", &["klik"]),
            (
                "<a href=\"data:text/html;base64,PHNjcmlwdD4=\">data</a>",
                &["data"],
            ),
            ("[d](data:text/html,<script>alert(1)</script>)", &["d"]),
            (
                "<iframe src=\"https://evil.example\">binnen</iframe>na",
                &["na"],
            ),
            ("<p style=\"color:red\" onclick=\"x()\">rood</p>", &["rood"]),
            ("<span style=\"position:fixed\">los</span>", &["los"]),
            ("*<em onmouseover=alert(1)>nadruk</em>*", &["nadruk"]),
            ("**[x](javascript:alert(1))** <b>vet</b>", &["vet", "x"]),
            (
                "> <script>x</script> citaat\n> [a](vbscript:msgbox)",
                &["citaat", "a"],
            ),
            (
                "<https://example.org\" onmouseover=\"alert(1)>",
                &["example.org"],
            ),
            ("<javascript:alert(1)>", &["alert(1)"]),
            (
                "![alt tekst](https://evil.example/x.png\" onerror=\"alert(1))",
                &["alt tekst"],
            ),
            ("![plaatje](javascript:alert(1))", &["plaatje"]),
            ("<svg onload=alert(1)><circle/></svg>svg", &["svg"]),
            (
                "<form action=\"https://evil\"><input name=x></form>formulier",
                &["formulier"],
            ),
            ("<!-- <script>x</script> -->zichtbaar", &["zichtbaar"]),
            (
                "<a href=\"https://ok.example\" onclick=\"steal()\">ok</a>",
                &["ok"],
            ),
            ("<object data=\"x.swf\"></object><embed src=\"x\">e", &["e"]),
        ];
        for (input, keep) in cases {
            let html = render(input);
            assert_inert(&html);
            for k in *keep {
                assert!(html.contains(k), "{input:?} lost {k:?}: {html}");
            }
        }
        assert!(!render("[x](java&#x09;script:alert(1))").contains("href"));
        assert!(render("[x](../ideas/3?a=b:c)").contains("href=\"../ideas/3?a=b:c\""));
        // The script body itself is gone, not just its tag.
        assert!(!render("<script>alert(1)</script>").contains("alert"));
        assert!(!render("<iframe>binnen</iframe>").contains("binnen"));
    }

    #[test]
    fn the_inertness_check_itself_catches_dangerous_html() {
        for bad in [
            "<img src=x>",
            "<a href=\"javascript:x\">a</a>",
            "<p style=\"x\">a</p>",
            "<a href=\"https://x\" onclick=\"y\">a</a>",
        ] {
            assert!(
                std::panic::catch_unwind(|| assert_inert(bad)).is_err(),
                "{bad}"
            );
        }
        assert_inert("<p><a href=\"https://x\" rel=\"nofollow noopener ugc\">a</a></p>");
    }

    #[test]
    fn entities_stay_text() {
        let html =
            render("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#x3C;img src=x onerror=y&#x3E;");
        assert!(
            !html.contains("<script") && !html.contains("<img"),
            "{html}"
        );
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(html.contains("&amp;"), "{html}");
    }

    #[test]
    fn line_breaks_are_kept() {
        let html = render("regel een\nregel twee");
        assert!(html.contains("regel een<br>\nregel twee"), "{html}");
    }

    #[test]
    fn excerpts_are_plain_and_short() {
        let text = "# Titel\n\nDit is **belangrijk** en [een link](https://x.nl).\n\n<script>alert(1)</script>\n\n- een\n- twee";
        let plain = plain_excerpt(text, 500);
        assert_eq!(plain, "Titel Dit is belangrijk en een link. een twee");
        let short = plain_excerpt(text, 20);
        assert!(short.chars().count() <= 20, "{short}");
        assert!(short.ends_with('…'), "{short}");
        assert!(short.starts_with("Titel Dit is"), "{short}");
        assert_eq!(plain_excerpt("kort", 4), "kort");
        assert_eq!(plain_excerpt("kort", 3), "ko…");
        assert_eq!(plain_excerpt("ëëëëë", 3), "ëë…");
        assert_eq!(plain_excerpt("iets", 0), "");
        assert_eq!(plain_excerpt("a &amp; <b>b</b>", 50), "a & b");
    }
}
