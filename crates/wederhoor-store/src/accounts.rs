//! Customer accounts of the public feedback page, their sessions and one-time tokens, and the
//! mail outbox for notifications. Agents (the team) live in `agents.rs`; the two never mix.

use crate::{Result, Store, StoreError, hash_token, now_ms, random_token};
use sqlx::Row;
use sqlx::any::AnyRow;
use wederhoor_core::AccountId;

/// Customer sessions last thirty days.
const SESSION_MS: i64 = 30 * 24 * 60 * 60 * 1000;
/// A verification link works for two days.
pub const VERIFY_TOKEN_MS: i64 = 2 * 24 * 60 * 60 * 1000;

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Account {
    pub id: AccountId,
    pub email: Option<String>,
    pub email_verified: bool,
    pub display_name: String,
    pub language: String,
    pub notify_status: bool,
    pub notify_reactions: bool,
    pub has_password: bool,
    pub oidc: bool,
    pub created_at: i64,
    pub deleted: bool,
}

impl Account {
    /// Whether the account may take part (post, vote, react): it exists, and its e-mail address
    /// is verified (an OIDC login counts as verified when the provider says so).
    pub fn may_take_part(&self) -> bool {
        !self.deleted && self.email_verified
    }
}

/// A new account with an e-mail address and password.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub email: String,
    pub display_name: String,
    /// Already hashed (argon2 PHC string).
    pub password_hash: String,
    pub language: String,
}

/// An e-mail to queue in the mail outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMail {
    pub to: String,
    pub subject: String,
    pub body: String,
    /// The same key is never sent twice (a retried transaction queues nothing new).
    pub idempotency_key: String,
}

/// What a mail carries besides its plain text: an HTML alternative and one text attachment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MailParts {
    pub html: Option<String>,
    pub attachment: Option<TextAttachment>,
}

/// A text file attached to a mail (e.g. a CSV).
#[derive(Debug, Clone, PartialEq)]
pub struct TextAttachment {
    pub filename: String,
    /// A MIME type, e.g. `text/csv; charset=utf-8`.
    pub content_type: String,
    pub text: String,
}

/// A queued mail the worker should send now.
#[derive(Debug, Clone, PartialEq)]
pub struct MailItem {
    pub id: i64,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub idempotency_key: String,
    pub attempts: i64,
    pub parts: MailParts,
}

/// A mail as shown to the team (state of the outbox).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MailView {
    pub id: i64,
    pub to: String,
    pub subject: String,
    pub state: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
}

/// Everything stored about one customer account (the "download my data" of the feedback page).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AccountExport {
    pub exported_at: i64,
    pub account: Account,
    /// (id, board slug, title, text, status, created_at)
    pub ideas: Vec<serde_json::Value>,
    /// (idea id, text, created_at)
    pub reactions: Vec<serde_json::Value>,
    /// (idea id, created_at)
    pub votes: Vec<serde_json::Value>,
    pub following: Vec<i64>,
    pub reports: Vec<serde_json::Value>,
    /// Panel memberships and answers (`panels.rs`).
    pub panels: serde_json::Value,
}

/// What an OIDC provider told us about a person.
#[derive(Debug, Clone)]
pub struct OidcLogin {
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: String,
    pub language: String,
}

const ACCOUNT_SELECT: &str = "SELECT id, email, email_verified, display_name, language, \
    notify_status, notify_reactions, password_hash IS NOT NULL AS has_password, \
    oidc_subject IS NOT NULL AS oidc, created_at, deleted_at FROM accounts";

fn flag(r: &AnyRow, col: &str) -> Result<bool> {
    // PostgreSQL returns `IS NOT NULL` as a boolean, SQLite as an integer.
    match r.try_get::<bool, _>(col) {
        Ok(b) => Ok(b),
        Err(_) => Ok(r.try_get::<i64, _>(col)? != 0),
    }
}

fn account_from_row(r: &AnyRow) -> Result<Account> {
    Ok(Account {
        id: AccountId(r.try_get("id")?),
        email: r.try_get("email")?,
        email_verified: r.try_get::<i64, _>("email_verified")? != 0,
        display_name: r.try_get("display_name")?,
        language: r.try_get("language")?,
        notify_status: r.try_get::<i64, _>("notify_status")? != 0,
        notify_reactions: r.try_get::<i64, _>("notify_reactions")? != 0,
        has_password: flag(r, "has_password")?,
        oidc: flag(r, "oidc")?,
        created_at: r.try_get("created_at")?,
        deleted: r.try_get::<Option<i64>, _>("deleted_at")?.is_some(),
    })
}

/// The columns [`mail_item_from_row`] reads, in its order.
const MAIL_ITEM_COLUMNS: &str = "id, to_addr, subject, body, idempotency_key, attempts, html, \
     attachment_name, attachment_type, attachment_text";

/// A mail item from the columns of [`MAIL_ITEM_COLUMNS`].
fn mail_item_from_row(r: &AnyRow) -> Result<MailItem> {
    let attachment = match (
        r.try_get::<Option<String>, _>(7)?,
        r.try_get::<Option<String>, _>(8)?,
        r.try_get::<Option<String>, _>(9)?,
    ) {
        (Some(filename), Some(content_type), Some(text)) => Some(TextAttachment {
            filename,
            content_type,
            text,
        }),
        _ => None,
    };
    Ok(MailItem {
        id: r.try_get(0)?,
        to: r.try_get(1)?,
        subject: r.try_get(2)?,
        body: r.try_get(3)?,
        idempotency_key: r.try_get(4)?,
        attempts: r.try_get(5)?,
        parts: MailParts {
            html: r.try_get(6)?,
            attachment,
        },
    })
}

pub(crate) async fn queue_mail_tx(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    mail: &NewMail,
    now: i64,
) -> Result<()> {
    queue_mail_parts_tx(tx, mail, &MailParts::default(), now).await
}

async fn queue_mail_parts_tx(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    mail: &NewMail,
    parts: &MailParts,
    now: i64,
) -> Result<()> {
    let a = parts.attachment.as_ref();
    sqlx::query(
        "INSERT INTO mail_outbox (to_addr, subject, body, idempotency_key, next_attempt_at, created_at, \
         html, attachment_name, attachment_type, attachment_text) \
         VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8, $9) ON CONFLICT (idempotency_key) DO NOTHING",
    )
    .bind(&mail.to)
    .bind(&mail.subject)
    .bind(&mail.body)
    .bind(&mail.idempotency_key)
    .bind(now)
    .bind(parts.html.as_deref())
    .bind(a.map(|a| a.filename.as_str()))
    .bind(a.map(|a| a.content_type.as_str()))
    .bind(a.map(|a| a.text.as_str()))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// Creates an account that must verify its e-mail address: the account, its verification
    /// token and the verification mail are written in one transaction. `mail` is built by the
    /// caller around `token` (the store never composes user-facing text).
    pub async fn create_account(
        &self,
        new: &NewAccount,
        token: &str,
        mail: &NewMail,
    ) -> Result<Account> {
        let now = now_ms();
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(3);
        let row = sqlx::query(
            "INSERT INTO accounts (email, password_hash, display_name, language, created_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (email) DO NOTHING RETURNING id",
        )
        .bind(&new.email)
        .bind(&new.password_hash)
        .bind(&new.display_name)
        .bind(&new.language)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Err(StoreError::Conflict(
                "an account with this e-mail address exists".into(),
            ));
        };
        let id: i64 = row.try_get(0)?;
        sqlx::query(
            "INSERT INTO account_tokens (token_hash, account_id, purpose, created_at, expires_at) \
             VALUES ($1, $2, 'verify', $3, $4)",
        )
        .bind(hash_token(token))
        .bind(id)
        .bind(now)
        .bind(now + VERIFY_TOKEN_MS)
        .execute(&mut *tx)
        .await?;
        queue_mail_tx(&mut tx, mail, now).await?;
        crate::audit(&mut tx, None, "account.create", "account", Some(id), "").await?;
        tx.commit().await?;
        Ok(Account {
            id: AccountId(id),
            email: Some(new.email.clone()),
            email_verified: false,
            display_name: new.display_name.clone(),
            language: new.language.clone(),
            notify_status: true,
            notify_reactions: false,
            has_password: true,
            oidc: false,
            created_at: now,
            deleted: false,
        })
    }

    /// A new verification token and mail for an account that has not verified yet.
    pub async fn renew_verification(
        &self,
        account: AccountId,
        token: &str,
        mail: &NewMail,
    ) -> Result<()> {
        let now = now_ms();
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(3);
        sqlx::query("DELETE FROM account_tokens WHERE account_id = $1 AND purpose = 'verify'")
            .bind(account.0)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO account_tokens (token_hash, account_id, purpose, created_at, expires_at) \
             VALUES ($1, $2, 'verify', $3, $4)",
        )
        .bind(hash_token(token))
        .bind(account.0)
        .bind(now)
        .bind(now + VERIFY_TOKEN_MS)
        .execute(&mut *tx)
        .await?;
        queue_mail_tx(&mut tx, mail, now).await?;
        crate::audit(
            &mut tx,
            None,
            "account.verification_renew",
            "account",
            Some(account.0),
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Uses a verification token: marks the account verified and forgets the token. `None` when
    /// the token is unknown, used or expired.
    pub async fn verify_account(&self, token: &str) -> Result<Option<AccountId>> {
        let now = now_ms();
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(2);
        let row = sqlx::query(
            "DELETE FROM account_tokens WHERE token_hash = $1 AND purpose = 'verify' RETURNING account_id, expires_at",
        )
        .bind(hash_token(token))
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let id: i64 = row.try_get(0)?;
        let expires: i64 = row.try_get(1)?;
        if expires < now {
            tx.commit().await?;
            return Ok(None);
        }
        sqlx::query("UPDATE accounts SET email_verified = 1 WHERE id = $1 AND deleted_at IS NULL")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        crate::audit(&mut tx, None, "account.verify", "account", Some(id), "").await?;
        tx.commit().await?;
        Ok(Some(AccountId(id)))
    }

    pub async fn account(&self, id: AccountId) -> Result<Option<Account>> {
        self.counted(1);
        let row = sqlx::query(&format!("{ACCOUNT_SELECT} WHERE id = $1"))
            .bind(id.0)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(account_from_row).transpose()
    }

    /// The account with this e-mail address and its password hash (if it has a password).
    pub async fn account_for_login(
        &self,
        email: &str,
    ) -> Result<Option<(Account, Option<String>)>> {
        self.counted(1);
        let row = sqlx::query(&format!(
            "{} , password_hash FROM accounts WHERE email = $1 AND deleted_at IS NULL",
            ACCOUNT_SELECT.trim_end_matches(" FROM accounts")
        ))
        .bind(email)
        .fetch_optional(self.pool())
        .await?;
        match row {
            None => Ok(None),
            Some(r) => Ok(Some((account_from_row(&r)?, r.try_get("password_hash")?))),
        }
    }

    /// Finds or creates the account of an OIDC login. An existing account is linked by e-mail
    /// only when both sides have verified that address; otherwise a new account is made (and it
    /// carries the address only if no other account has it).
    pub async fn oidc_account(&self, login: &OidcLogin) -> Result<Account> {
        let now = now_ms();
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(1);
        let found = sqlx::query(
            "SELECT id FROM accounts WHERE oidc_issuer = $1 AND oidc_subject = $2 AND deleted_at IS NULL",
        )
        .bind(&login.issuer)
        .bind(&login.subject)
        .fetch_optional(&mut *tx)
        .await?;
        let id: i64 = if let Some(row) = found {
            row.try_get(0)?
        } else {
            let mut linked: Option<i64> = None;
            if let (Some(email), true) = (&login.email, login.email_verified) {
                self.counted(1);
                let row = sqlx::query(
                    "SELECT id FROM accounts WHERE email = $1 AND email_verified = 1 \
                     AND oidc_subject IS NULL AND deleted_at IS NULL",
                )
                .bind(email)
                .fetch_optional(&mut *tx)
                .await?;
                if let Some(row) = row {
                    let id: i64 = row.try_get(0)?;
                    self.counted(1);
                    sqlx::query(
                        "UPDATE accounts SET oidc_issuer = $1, oidc_subject = $2 WHERE id = $3",
                    )
                    .bind(&login.issuer)
                    .bind(&login.subject)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                    crate::audit(&mut tx, None, "account.oidc_link", "account", Some(id), "")
                        .await?;
                    linked = Some(id);
                }
            }
            match linked {
                Some(id) => id,
                None => {
                    self.counted(2);
                    let taken = match &login.email {
                        Some(email) => sqlx::query("SELECT id FROM accounts WHERE email = $1")
                            .bind(email)
                            .fetch_optional(&mut *tx)
                            .await?
                            .is_some(),
                        None => true,
                    };
                    let email = if taken { None } else { login.email.clone() };
                    let verified = email.is_some() && login.email_verified;
                    let row = sqlx::query(
                        "INSERT INTO accounts (email, email_verified, oidc_issuer, oidc_subject, display_name, language, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                    )
                    .bind(email)
                    .bind(i64::from(verified || login.email_verified))
                    .bind(&login.issuer)
                    .bind(&login.subject)
                    .bind(&login.name)
                    .bind(&login.language)
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await?;
                    let id: i64 = row.try_get(0)?;
                    crate::audit(
                        &mut tx,
                        None,
                        "account.create_oidc",
                        "account",
                        Some(id),
                        "",
                    )
                    .await?;
                    id
                }
            }
        };
        tx.commit().await?;
        self.account(AccountId(id))
            .await?
            .ok_or(StoreError::NotFound("account"))
    }

    /// Starts a session; returns the token for the cookie.
    pub async fn create_account_session(&self, account: AccountId) -> Result<String> {
        let token = random_token();
        let now = now_ms();
        let _guard = self.writer().await;
        self.counted(1);
        sqlx::query(
            "INSERT INTO account_sessions (token_hash, account_id, csrf, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(hash_token(&token))
        .bind(account.0)
        .bind(random_token())
        .bind(now)
        .bind(now + SESSION_MS)
        .execute(self.pool())
        .await?;
        Ok(token)
    }

    /// The account of a live session, with the session's CSRF token.
    pub async fn account_session(&self, token: &str) -> Result<Option<(Account, String)>> {
        self.counted(1);
        let row = sqlx::query(
            "SELECT a.id, a.email, a.email_verified, a.display_name, a.language, a.notify_status, \
             a.notify_reactions, a.password_hash IS NOT NULL AS has_password, \
             a.oidc_subject IS NOT NULL AS oidc, a.created_at, a.deleted_at, s.csrf \
             FROM account_sessions s JOIN accounts a ON a.id = s.account_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND a.deleted_at IS NULL",
        )
        .bind(hash_token(token))
        .bind(now_ms())
        .fetch_optional(self.pool())
        .await?;
        match row {
            None => Ok(None),
            Some(r) => Ok(Some((account_from_row(&r)?, r.try_get("csrf")?))),
        }
    }

    pub async fn delete_account_session(&self, token: &str) -> Result<()> {
        let _guard = self.writer().await;
        self.counted(1);
        sqlx::query("DELETE FROM account_sessions WHERE token_hash = $1")
            .bind(hash_token(token))
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Changes the profile: display name, language and notification settings.
    pub async fn update_account(
        &self,
        id: AccountId,
        display_name: &str,
        language: &str,
        notify_status: bool,
        notify_reactions: bool,
    ) -> Result<()> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(2);
        let done = sqlx::query(
            "UPDATE accounts SET display_name = $1, language = $2, notify_status = $3, \
             notify_reactions = $4 WHERE id = $5 AND deleted_at IS NULL",
        )
        .bind(display_name)
        .bind(language)
        .bind(i64::from(notify_status))
        .bind(i64::from(notify_reactions))
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("account"));
        }
        crate::audit(&mut tx, None, "account.update", "account", Some(id.0), "").await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deletes an account the way the feedback page promises: what it wrote stays, without its
    /// name ("deleted account"); its e-mail, password, login links, sessions, tokens and follows
    /// are removed; its votes stay counted (anonymously) so totals do not jump.
    pub async fn delete_account(&self, id: AccountId) -> Result<()> {
        let now = now_ms();
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(9);
        for sql in [
            "UPDATE ideas SET author_name = '' WHERE account_id = $1",
            "UPDATE idea_reactions SET author_name = '' WHERE account_id = $1",
            "DELETE FROM account_sessions WHERE account_id = $1",
            "DELETE FROM account_tokens WHERE account_id = $1",
            "DELETE FROM idea_followers WHERE account_id = $1",
        ]
        .into_iter()
        .chain(crate::panels::ERASE_PANEL_DATA)
        {
            sqlx::query(sql).bind(id.0).execute(&mut *tx).await?;
        }
        sqlx::query(
            "UPDATE accounts SET email = NULL, password_hash = NULL, oidc_issuer = NULL, \
             oidc_subject = NULL, display_name = '', notify_status = 0, notify_reactions = 0, \
             deleted_at = $1 WHERE id = $2",
        )
        .bind(now)
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
        crate::audit(
            &mut tx,
            None,
            "account.delete",
            "account",
            Some(id.0),
            "anonymised",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Everything stored about an account, for the person themselves (five queries).
    pub async fn account_export(&self, id: AccountId) -> Result<Option<AccountExport>> {
        let Some(account) = self.account(id).await? else {
            return Ok(None);
        };
        self.counted(5);
        let ideas = sqlx::query(
            "SELECT i.id, b.slug, i.title, i.body, i.status, i.created_at FROM ideas i \
             JOIN boards b ON b.id = i.board_id WHERE i.account_id = $1 ORDER BY i.id",
        )
        .bind(id.0)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| -> Result<serde_json::Value> {
            Ok(serde_json::json!({
                "id": r.try_get::<i64, _>(0)?, "board": r.try_get::<String, _>(1)?,
                "title": r.try_get::<String, _>(2)?, "text": r.try_get::<String, _>(3)?,
                "status": r.try_get::<String, _>(4)?, "created_at": r.try_get::<i64, _>(5)?,
            }))
        })
        .collect::<Result<Vec<_>>>()?;
        let reactions = sqlx::query(
            "SELECT idea_id, body, created_at FROM idea_reactions WHERE account_id = $1 ORDER BY id",
        )
        .bind(id.0)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| -> Result<serde_json::Value> {
            Ok(serde_json::json!({
                "idea": r.try_get::<i64, _>(0)?, "text": r.try_get::<String, _>(1)?,
                "created_at": r.try_get::<i64, _>(2)?,
            }))
        })
        .collect::<Result<Vec<_>>>()?;
        let votes = sqlx::query(
            "SELECT idea_id, created_at FROM idea_votes WHERE account_id = $1 ORDER BY created_at",
        )
        .bind(id.0)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| -> Result<serde_json::Value> {
            Ok(serde_json::json!({
                "idea": r.try_get::<i64, _>(0)?, "created_at": r.try_get::<i64, _>(1)?,
            }))
        })
        .collect::<Result<Vec<_>>>()?;
        let following = sqlx::query(
            "SELECT idea_id FROM idea_followers WHERE account_id = $1 ORDER BY idea_id",
        )
        .bind(id.0)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| r.try_get::<i64, _>(0))
        .collect::<Result<Vec<_>, _>>()?;
        let reports = sqlx::query(
            "SELECT idea_id, reaction_id, reason, created_at FROM idea_reports WHERE account_id = $1 ORDER BY id",
        )
        .bind(id.0)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| -> Result<serde_json::Value> {
            Ok(serde_json::json!({
                "idea": r.try_get::<i64, _>(0)?, "reaction": r.try_get::<Option<i64>, _>(1)?,
                "reason": r.try_get::<String, _>(2)?, "created_at": r.try_get::<i64, _>(3)?,
            }))
        })
        .collect::<Result<Vec<_>>>()?;
        let panels = self.panel_export(id).await?;
        Ok(Some(AccountExport {
            exported_at: now_ms(),
            account,
            ideas,
            reactions,
            votes,
            following,
            reports,
            panels,
        }))
    }

    /// Notes in the audit log that an account's data was exported (by an agent, or by the
    /// customer when `actor` is `None`).
    pub async fn record_account_export(
        &self,
        account: AccountId,
        actor: Option<wederhoor_core::AgentId>,
    ) -> Result<()> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(1);
        crate::audit(
            &mut tx,
            actor.map(|a| a.0),
            "account.export",
            "account",
            Some(account.0),
            if actor.is_some() {
                "by the team"
            } else {
                "by the customer"
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The account with this e-mail address, deleted or not (for the team's privacy page).
    pub async fn account_by_email(&self, email: &str) -> Result<Option<Account>> {
        self.counted(1);
        let row = sqlx::query(&format!("{ACCOUNT_SELECT} WHERE email = $1"))
            .bind(email)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(account_from_row).transpose()
    }

    // ----- OIDC logins in progress -----

    /// Keeps an OIDC login in progress for `ttl_ms` (and forgets expired ones).
    pub async fn save_oidc_login(
        &self,
        state: &str,
        nonce: &str,
        verifier: &str,
        back: &str,
        ttl_ms: i64,
    ) -> Result<()> {
        let now = now_ms();
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(2);
        sqlx::query("DELETE FROM oidc_logins WHERE expires_at < $1")
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO oidc_logins (state_hash, nonce, verifier, back, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(hash_token(state))
        .bind(nonce)
        .bind(verifier)
        .bind(back)
        .bind(now + ttl_ms)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Takes (once) the OIDC login in progress for `state`: (nonce, verifier, back). `None` when
    /// unknown, used or expired.
    pub async fn take_oidc_login(&self, state: &str) -> Result<Option<(String, String, String)>> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(1);
        let row = sqlx::query(
            "DELETE FROM oidc_logins WHERE state_hash = $1 RETURNING nonce, verifier, back, expires_at",
        )
        .bind(hash_token(state))
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        let Some(r) = row else {
            return Ok(None);
        };
        if r.try_get::<i64, _>(3)? < now_ms() {
            return Ok(None);
        }
        Ok(Some((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
    }

    // ----- the mail outbox -----

    /// Queues a mail (ignored when its idempotency key was queued before).
    pub async fn queue_mail(&self, mail: &NewMail) -> Result<()> {
        self.queue_mail_with_parts(mail, &MailParts::default())
            .await
    }

    /// [`Store::queue_mail`] with an HTML alternative and/or a text attachment.
    pub async fn queue_mail_with_parts(&self, mail: &NewMail, parts: &MailParts) -> Result<()> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(1);
        queue_mail_parts_tx(&mut tx, mail, parts, now_ms()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Mails that are due now.
    pub async fn due_mail(&self, limit: i64) -> Result<Vec<MailItem>> {
        self.counted(1);
        let rows = sqlx::query(&format!(
            "SELECT {MAIL_ITEM_COLUMNS} FROM mail_outbox \
             WHERE state = 'queued' AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $2"
        ))
        .bind(now_ms())
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(mail_item_from_row).collect()
    }

    /// Claims the due mails for this worker (see `claim_due_replies`: the next attempt moves
    /// `lease_ms` ahead, concurrent claimers on PostgreSQL skip each other's rows).
    pub async fn claim_due_mail(&self, limit: i64, lease_ms: i64) -> Result<Vec<MailItem>> {
        let now = now_ms();
        let lock = match self.backend() {
            crate::Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            crate::Backend::Sqlite => "",
        };
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(1);
        let rows = sqlx::query(&format!(
            "UPDATE mail_outbox SET next_attempt_at = $1 WHERE id IN (SELECT id FROM mail_outbox \
             WHERE state = 'queued' AND next_attempt_at <= $2 ORDER BY next_attempt_at, id LIMIT $3{lock}) \
             RETURNING {MAIL_ITEM_COLUMNS}"
        ))
        .bind(now + lease_ms)
        .bind(now)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        let mut items = rows
            .iter()
            .map(mail_item_from_row)
            .collect::<Result<Vec<_>>>()?;
        items.sort_by_key(|m| m.id);
        Ok(items)
    }

    /// The time of the next queued mail, so the worker can sleep until then.
    pub async fn next_mail_due(&self) -> Result<Option<i64>> {
        self.counted(1);
        let row =
            sqlx::query("SELECT MIN(next_attempt_at) FROM mail_outbox WHERE state = 'queued'")
                .fetch_one(self.pool())
                .await?;
        Ok(row.try_get::<Option<i64>, _>(0)?)
    }

    pub async fn mail_sent(&self, id: i64) -> Result<()> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(2);
        sqlx::query(
            "UPDATE mail_outbox SET state = 'sent', sent_at = $1, attempts = attempts + 1, \
             last_error = NULL WHERE id = $2",
        )
        .bind(now_ms())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        // No address or subject in the audit log: the mail row has them.
        crate::audit(&mut tx, None, "mail.sent", "mail", Some(id), "").await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a failed attempt: retried at `retry_at`, or failed for good when `None`.
    pub async fn mail_failed(&self, id: i64, error: &str, retry_at: Option<i64>) -> Result<()> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(2);
        sqlx::query(
            "UPDATE mail_outbox SET state = $1, attempts = attempts + 1, last_error = $2, \
             next_attempt_at = $3 WHERE id = $4",
        )
        .bind(if retry_at.is_some() {
            "queued"
        } else {
            "failed"
        })
        .bind(error)
        .bind(retry_at.unwrap_or_else(now_ms))
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let action = if retry_at.is_some() {
            "mail.retry"
        } else {
            "mail.failed"
        };
        crate::audit(&mut tx, None, action, "mail", Some(id), "").await?;
        tx.commit().await?;
        Ok(())
    }

    /// How many mails of the outbox are in each state (`queued`, `sent`, `failed`).
    pub async fn mail_counts(&self) -> Result<Vec<(String, i64)>> {
        self.counted(1);
        let rows =
            sqlx::query("SELECT state, COUNT(*) FROM mail_outbox GROUP BY state ORDER BY state")
                .fetch_all(self.pool())
                .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    /// The newest mails of the outbox, for the admin page.
    pub async fn recent_mail(&self, limit: i64) -> Result<Vec<MailView>> {
        self.counted(1);
        let rows = sqlx::query(
            "SELECT id, to_addr, subject, state, attempts, last_error, created_at FROM mail_outbox \
             ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(MailView {
                    id: r.try_get(0)?,
                    to: r.try_get(1)?,
                    subject: r.try_get(2)?,
                    state: r.try_get(3)?,
                    attempts: r.try_get(4)?,
                    last_error: r.try_get(5)?,
                    created_at: r.try_get(6)?,
                })
            })
            .collect()
    }
}
