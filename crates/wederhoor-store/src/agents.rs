//! Agents (the webcare team) and their server-side sessions.

use crate::{Result, Store, StoreError, audit, hash_token, now_ms, random_token};
use sqlx::Row;
use sqlx::any::AnyRow;
use wederhoor_core::{AgentId, Role};

/// Sessions last twelve hours (a long shift), then the agent logs in again.
const SESSION_MS: i64 = 12 * 60 * 60 * 1000;
/// Between a right password and the second factor's code: five minutes.
const PENDING_MS: i64 = 5 * 60 * 1000;

/// An agent's second factor (TOTP), its secret opened.
#[derive(Debug, Clone)]
pub struct Totp {
    /// The shared secret (raw bytes, as base32 text).
    pub secret: String,
    /// Confirmed with a code: password logins ask for one.
    pub on: bool,
    /// The last time step whose code was accepted; older and equal steps are refused.
    pub last_step: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Agent {
    pub id: AgentId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub language: String,
    pub disabled: bool,
}

#[derive(Debug, Clone)]
pub struct NewAgent {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// Already hashed (argon2 PHC string); the store never sees a plain password.
    pub password_hash: String,
}

/// A live session: the agent and the CSRF token its forms must carry.
#[derive(Debug, Clone)]
pub struct Session {
    pub agent: Agent,
    pub csrf: String,
}

const AGENT_SELECT: &str =
    "SELECT id, username, display_name, role, language, disabled FROM agents";

fn agent_from_row(r: &AnyRow) -> Result<Agent> {
    let role: String = r.try_get("role")?;
    Ok(Agent {
        id: AgentId(r.try_get("id")?),
        username: r.try_get("username")?,
        display_name: r.try_get("display_name")?,
        role: role
            .parse()
            .map_err(|e: wederhoor_core::case::UnknownName| StoreError::Corrupt(e.to_string()))?,
        language: r.try_get("language")?,
        disabled: r.try_get::<i64, _>("disabled")? != 0,
    })
}

impl Store {
    pub async fn create_agent(&self, new: &NewAgent, actor: Option<AgentId>) -> Result<Agent> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(2);
        let row = sqlx::query(
            "INSERT INTO agents (username, display_name, role, password_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (username) DO NOTHING RETURNING id",
        )
        .bind(new.username.as_str())
        .bind(new.display_name.as_str())
        .bind(new.role.as_str())
        .bind(new.password_hash.as_str())
        .bind(now_ms())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Err(StoreError::Conflict(format!(
                "an agent named {:?} already exists",
                new.username
            )));
        };
        let id: i64 = row.try_get(0)?;
        audit(
            &mut tx,
            actor.map(|a| a.0),
            "agent.create",
            "agent",
            Some(id),
            &format!("{} ({})", new.username, new.role),
        )
        .await?;
        tx.commit().await?;
        Ok(Agent {
            id: AgentId(id),
            username: new.username.clone(),
            display_name: new.display_name.clone(),
            role: new.role,
            language: "nl".into(),
            disabled: false,
        })
    }

    pub async fn list_agents(&self) -> Result<Vec<Agent>> {
        self.counted(1);
        let rows = sqlx::query(&format!("{AGENT_SELECT} ORDER BY username"))
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(agent_from_row).collect()
    }

    pub async fn agent(&self, id: AgentId) -> Result<Option<Agent>> {
        self.counted(1);
        let row = sqlx::query(&format!("{AGENT_SELECT} WHERE id = $1"))
            .bind(id.0)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(agent_from_row).transpose()
    }

    /// The agent and its password hash, for login.
    pub async fn agent_for_login(&self, username: &str) -> Result<Option<(Agent, String)>> {
        self.counted(1);
        let row = sqlx::query(
            "SELECT id, username, display_name, role, language, disabled, password_hash FROM agents \
             WHERE username = $1",
        )
        .bind(username)
        .fetch_optional(self.pool())
        .await?;
        match row {
            None => Ok(None),
            Some(r) => Ok(Some((agent_from_row(&r)?, r.try_get("password_hash")?))),
        }
    }

    pub async fn set_password(&self, username: &str, password_hash: &str) -> Result<()> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(3);
        let row =
            sqlx::query("UPDATE agents SET password_hash = $1 WHERE username = $2 RETURNING id")
                .bind(password_hash)
                .bind(username)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(row) = row else {
            return Err(StoreError::NotFound("agent"));
        };
        let id: i64 = row.try_get(0)?;
        // A new password ends every open session of that agent.
        sqlx::query("DELETE FROM sessions WHERE agent_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit(&mut tx, None, "agent.passwd", "agent", Some(id), username).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Switches an agent off (`disabled`) or on again. Switching off ends every open session of
    /// the agent at once; a disabled agent cannot log in. Audited.
    pub async fn set_agent_disabled(&self, username: &str, disabled: bool) -> Result<()> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(3);
        let row = sqlx::query("UPDATE agents SET disabled = $1 WHERE username = $2 RETURNING id")
            .bind(i64::from(disabled))
            .bind(username)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else {
            return Err(StoreError::NotFound("agent"));
        };
        let id: i64 = row.try_get(0)?;
        if disabled {
            sqlx::query("DELETE FROM sessions WHERE agent_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        let action = if disabled {
            "agent.disable"
        } else {
            "agent.enable"
        };
        audit(&mut tx, None, action, "agent", Some(id), username).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn set_agent_language(&self, id: AgentId, language: &str) -> Result<()> {
        let _guard = self.writer().await;
        self.counted(1);
        sqlx::query("UPDATE agents SET language = $1 WHERE id = $2")
            .bind(language)
            .bind(id.0)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Starts a session; returns the cookie token (only its hash is stored).
    pub async fn create_session(&self, agent: AgentId) -> Result<String> {
        self.insert_session(agent, false).await
    }

    /// Starts a session that still waits for the second factor (five minutes; it opens no
    /// page); returns its cookie token.
    pub async fn create_pending_session(&self, agent: AgentId) -> Result<String> {
        self.insert_session(agent, true).await
    }

    /// The enabled agent of a session still waiting for its second factor.
    pub async fn pending_session(&self, token: &str) -> Result<Option<Agent>> {
        self.counted(1);
        let row = sqlx::query(
            "SELECT a.id, a.username, a.display_name, a.role, a.language, a.disabled \
             FROM sessions s JOIN agents a ON a.id = s.agent_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND a.disabled = 0 AND s.pending = 1",
        )
        .bind(hash_token(token))
        .bind(now_ms())
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(agent_from_row).transpose()
    }

    async fn insert_session(&self, agent: AgentId, pending: bool) -> Result<String> {
        let token = random_token();
        let now = now_ms();
        let lasts = if pending { PENDING_MS } else { SESSION_MS };
        let _guard = self.writer().await;
        self.counted(2);
        sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
            .bind(now)
            .execute(self.pool())
            .await?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, agent_id, csrf, created_at, expires_at, pending) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(hash_token(&token))
        .bind(agent.0)
        .bind(random_token())
        .bind(now)
        .bind(now + lasts)
        .bind(i64::from(pending))
        .execute(self.pool())
        .await?;
        Ok(token)
    }

    /// The live session for a cookie token, if it exists, has not expired and its agent is enabled.
    pub async fn session(&self, token: &str) -> Result<Option<Session>> {
        self.counted(1);
        let row = sqlx::query(
            "SELECT a.id, a.username, a.display_name, a.role, a.language, a.disabled, s.csrf \
             FROM sessions s JOIN agents a ON a.id = s.agent_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND a.disabled = 0 AND s.pending = 0",
        )
        .bind(hash_token(token))
        .bind(now_ms())
        .fetch_optional(self.pool())
        .await?;
        match row {
            None => Ok(None),
            Some(r) => Ok(Some(Session {
                agent: agent_from_row(&r)?,
                csrf: r.try_get("csrf")?,
            })),
        }
    }

    pub async fn delete_session(&self, token: &str) -> Result<()> {
        let _guard = self.writer().await;
        self.counted(1);
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(hash_token(token))
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// The agent's second factor, if one is set up (confirmed or not).
    pub async fn totp(&self, agent: AgentId) -> Result<Option<Totp>> {
        self.counted(1);
        let row = sqlx::query(
            "SELECT totp_secret, totp_on, totp_last_step FROM agents WHERE id = $1 \
             AND totp_secret IS NOT NULL",
        )
        .bind(agent.0)
        .fetch_optional(self.pool())
        .await?;
        let Some(r) = row else { return Ok(None) };
        let secret = self
            .open_secret(r.try_get("totp_secret")?)?
            .unwrap_or_default();
        Ok(Some(Totp {
            secret,
            on: r.try_get::<i64, _>("totp_on")? != 0,
            last_step: r.try_get("totp_last_step")?,
        }))
    }

    /// Stores a new, not yet confirmed second-factor secret (sealed at rest) for an agent whose
    /// second factor is not on; returns false if it is on already.
    pub async fn begin_totp(&self, agent: AgentId, secret: &str) -> Result<bool> {
        let sealed = self.seal_secret(Some(secret))?;
        let _guard = self.writer().await;
        self.counted(1);
        let done = sqlx::query(
            "UPDATE agents SET totp_secret = $1, totp_on = 0, totp_last_step = NULL \
             WHERE id = $2 AND totp_on = 0",
        )
        .bind(sealed)
        .bind(agent.0)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Accepts time step `step` for the agent's second factor if it is later than the last one
    /// used (so no code counts twice); `confirm` also switches the second factor on (audited).
    /// Returns whether the step was accepted.
    pub async fn use_totp_step(&self, agent: AgentId, step: i64, confirm: bool) -> Result<bool> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(2);
        let done = sqlx::query(
            "UPDATE agents SET totp_last_step = $1, totp_on = CASE WHEN $2 = 1 THEN 1 ELSE totp_on END \
             WHERE id = $3 AND totp_secret IS NOT NULL AND (totp_on = 1 OR $2 = 1) \
             AND (totp_last_step IS NULL OR totp_last_step < $1)",
        )
        .bind(step)
        .bind(i64::from(confirm))
        .bind(agent.0)
        .execute(&mut *tx)
        .await?;
        let accepted = done.rows_affected() == 1;
        if accepted && confirm {
            audit(
                &mut tx,
                Some(agent.0),
                "agent.totp_on",
                "agent",
                Some(agent.0),
                "",
            )
            .await?;
        }
        tx.commit().await?;
        Ok(accepted)
    }

    /// Removes an agent's second factor (lost phone): the next password login needs no code
    /// until the agent sets one up again. Audited with the admin who did it, if known.
    pub async fn reset_totp(&self, username: &str, actor: Option<AgentId>) -> Result<()> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(2);
        let row = sqlx::query(
            "UPDATE agents SET totp_secret = NULL, totp_on = 0, totp_last_step = NULL \
             WHERE username = $1 RETURNING id",
        )
        .bind(username)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Err(StoreError::NotFound("agent"));
        };
        let id: i64 = row.try_get(0)?;
        audit(
            &mut tx,
            actor.map(|a| a.0),
            "agent.totp_reset",
            "agent",
            Some(id),
            username,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Ends a session waiting for its second factor and starts the real one in its place (a
    /// new token: the one that passed only the password never opens a page).
    pub async fn promote_session(&self, pending: &str, agent: AgentId) -> Result<String> {
        {
            let _guard = self.writer().await;
            self.counted(1);
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1 AND pending = 1")
                .bind(hash_token(pending))
                .execute(self.pool())
                .await?;
        }
        self.create_session(agent).await
    }

    /// The enabled agent a single sign-on identity belongs to: the one whose username is the
    /// OIDC subject, or else the verified e-mail address (case-insensitive).
    pub async fn agent_for_sso(&self, subject: &str, email: Option<&str>) -> Result<Option<Agent>> {
        self.counted(1);
        let row = sqlx::query(&format!(
            "{AGENT_SELECT} WHERE disabled = 0 AND (username = $1 OR LOWER(username) = LOWER($2)) \
             ORDER BY CASE WHEN username = $1 THEN 0 ELSE 1 END LIMIT 1"
        ))
        .bind(subject)
        .bind(email.unwrap_or(""))
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(agent_from_row).transpose()
    }
}
