//! Logs in to a running Wederhoor and saves a screenshot of a page (for the README).
//! `cargo run -p wederhoor-testkit --example screenshot -- BASE_URL USER PASSWORD PATH OUT.png`

use std::time::Duration;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [base, user, password, path, out] = args.as_slice() else {
        anyhow::bail!("usage: screenshot BASE_URL USER PASSWORD PATH OUT.png");
    };
    let browser = wederhoor_testkit::Browser::launch().await?;
    let page = browser.new_page().await?;
    page.goto(&format!("{base}/login")).await?;
    page.fill("#username", user).await?;
    page.fill("#password", password).await?;
    page.click_and_wait_navigation("#login-button").await?;
    page.goto(&format!("{base}{path}")).await?;
    page.wait_for(
        "document.readyState === 'complete'",
        Duration::from_secs(10),
    )
    .await?;
    page.screenshot_png(std::path::Path::new(out), 1280, 800)
        .await?;
    browser.close().await?;
    Ok(())
}
