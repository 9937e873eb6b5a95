//! Sessions, login attempts (for rate limiting) and API tokens. Secrets are stored only as SHA-256 hashes.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use domain::{ApiTokenId, UserId};

use crate::schema::{api_tokens, login_attempts, sessions};
use crate::{DbConn, StoreError, from_db_time, parse_id, to_db_time};

#[derive(Debug, Clone)]
pub struct Session {
    pub token_hash: String,
    pub user_id: UserId,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct ApiToken {
    pub id: ApiTokenId,
    pub user_id: UserId,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

pub struct SecurityRepository<'a> {
    conn: &'a mut DbConn,
}

/// An API token row without its hash.
#[derive(Queryable, Selectable)]
#[diesel(table_name = api_tokens)]
struct ApiTokenRow {
    id: String,
    user_id: String,
    name: String,
    created_at: chrono::NaiveDateTime,
    last_used_at: Option<chrono::NaiveDateTime>,
    revoked_at: Option<chrono::NaiveDateTime>,
}

impl ApiTokenRow {
    fn into_domain(self) -> Result<ApiToken, StoreError> {
        Ok(ApiToken {
            id: parse_id("api_tokens", "id", &self.id)?,
            user_id: parse_id("api_tokens", "user_id", &self.user_id)?,
            name: self.name,
            created_at: from_db_time(self.created_at),
            last_used_at: self.last_used_at.map(from_db_time),
            revoked_at: self.revoked_at.map(from_db_time),
        })
    }
}

impl<'a> SecurityRepository<'a> {
    pub fn new(conn: &'a mut DbConn) -> Self {
        Self { conn }
    }

    pub fn insert_session(&mut self, session: &Session) -> Result<(), StoreError> {
        diesel::insert_into(sessions::table)
            .values((
                sessions::token_hash.eq(&session.token_hash),
                sessions::user_id.eq(session.user_id.to_string()),
                sessions::csrf_token.eq(&session.csrf_token),
                sessions::created_at.eq(to_db_time(session.created_at)),
                sessions::expires_at.eq(to_db_time(session.expires_at)),
            ))
            .execute(self.conn)?;
        Ok(())
    }

    /// The session for a token hash if it has not expired at `now`.
    pub fn find_live_session(&mut self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<Session>, StoreError> {
        let row: Option<(String, String, String, chrono::NaiveDateTime, chrono::NaiveDateTime)> = sessions::table
            .filter(sessions::token_hash.eq(token_hash))
            .filter(sessions::expires_at.gt(to_db_time(now)))
            .select((
                sessions::token_hash,
                sessions::user_id,
                sessions::csrf_token,
                sessions::created_at,
                sessions::expires_at,
            ))
            .first(self.conn)
            .optional()?;
        row.map(|(token_hash, user_id, csrf_token, created_at, expires_at)| {
            Ok(Session {
                token_hash,
                user_id: parse_id("sessions", "user_id", &user_id)?,
                csrf_token,
                created_at: from_db_time(created_at),
                expires_at: from_db_time(expires_at),
            })
        })
        .transpose()
    }

    pub fn delete_session(&mut self, token_hash: &str) -> Result<(), StoreError> {
        diesel::delete(sessions::table.filter(sessions::token_hash.eq(token_hash))).execute(self.conn)?;
        Ok(())
    }

    pub fn delete_sessions_of(&mut self, user_id: UserId) -> Result<usize, StoreError> {
        Ok(diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id.to_string()))).execute(self.conn)?)
    }

    pub fn delete_expired_sessions(&mut self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        Ok(diesel::delete(sessions::table.filter(sessions::expires_at.le(to_db_time(now)))).execute(self.conn)?)
    }

    pub fn record_login_attempt(
        &mut self,
        username: &str,
        remote_addr: &str,
        succeeded: bool,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        diesel::insert_into(login_attempts::table)
            .values((
                login_attempts::id.eq(uuid::Uuid::now_v7().to_string()),
                login_attempts::username.eq(username),
                login_attempts::remote_addr.eq(remote_addr),
                login_attempts::succeeded.eq(succeeded),
                login_attempts::attempted_at.eq(to_db_time(at)),
            ))
            .execute(self.conn)?;
        Ok(())
    }

    /// Failed attempts for a username since `since`, counting only those after its last success.
    pub fn failures_for_username(&mut self, username: &str, since: DateTime<Utc>) -> Result<i64, StoreError> {
        let last_success: Option<chrono::NaiveDateTime> = login_attempts::table
            .filter(login_attempts::username.eq(username))
            .filter(login_attempts::succeeded.eq(true))
            .select(diesel::dsl::max(login_attempts::attempted_at))
            .first(self.conn)?;
        let from = last_success.map_or(to_db_time(since), |s| s.max(to_db_time(since)));
        Ok(login_attempts::table
            .filter(login_attempts::username.eq(username))
            .filter(login_attempts::succeeded.eq(false))
            .filter(login_attempts::attempted_at.gt(from))
            .count()
            .get_result(self.conn)?)
    }

    pub fn failures_from_remote(&mut self, remote_addr: &str, since: DateTime<Utc>) -> Result<i64, StoreError> {
        Ok(login_attempts::table
            .filter(login_attempts::remote_addr.eq(remote_addr))
            .filter(login_attempts::succeeded.eq(false))
            .filter(login_attempts::attempted_at.gt(to_db_time(since)))
            .count()
            .get_result(self.conn)?)
    }

    pub fn insert_api_token(&mut self, token: &ApiToken, token_hash: &str) -> Result<(), StoreError> {
        diesel::insert_into(api_tokens::table)
            .values((
                api_tokens::id.eq(token.id.to_string()),
                api_tokens::user_id.eq(token.user_id.to_string()),
                api_tokens::name.eq(&token.name),
                api_tokens::token_hash.eq(token_hash),
                api_tokens::created_at.eq(to_db_time(token.created_at)),
            ))
            .execute(self.conn)?;
        Ok(())
    }

    /// The unrevoked token with this hash, marking it used at `now`.
    pub fn use_api_token(&mut self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<ApiToken>, StoreError> {
        let row: Option<ApiTokenRow> = api_tokens::table
            .filter(api_tokens::token_hash.eq(token_hash))
            .filter(api_tokens::revoked_at.is_null())
            .select(ApiTokenRow::as_select())
            .first(self.conn)
            .optional()?;
        let Some(row) = row else { return Ok(None) };
        diesel::update(api_tokens::table.filter(api_tokens::id.eq(&row.id)))
            .set(api_tokens::last_used_at.eq(Some(to_db_time(now))))
            .execute(self.conn)?;
        row.into_domain().map(Some)
    }

    pub fn list_api_tokens(&mut self) -> Result<Vec<ApiToken>, StoreError> {
        let rows: Vec<ApiTokenRow> =
            api_tokens::table.order(api_tokens::id.desc()).select(ApiTokenRow::as_select()).load(self.conn)?;
        rows.into_iter().map(ApiTokenRow::into_domain).collect()
    }

    pub fn find_api_token(&mut self, id: ApiTokenId) -> Result<ApiToken, StoreError> {
        api_tokens::table
            .find(id.to_string())
            .select(ApiTokenRow::as_select())
            .first::<ApiTokenRow>(self.conn)?
            .into_domain()
    }

    pub fn revoke_api_token(&mut self, id: ApiTokenId, now: DateTime<Utc>) -> Result<(), StoreError> {
        diesel::update(
            api_tokens::table.filter(api_tokens::id.eq(id.to_string())).filter(api_tokens::revoked_at.is_null()),
        )
        .set(api_tokens::revoked_at.eq(Some(to_db_time(now))))
        .execute(self.conn)?;
        Ok(())
    }
}
