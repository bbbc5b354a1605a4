//! Fixed-window rate limits counted in the database, so that they hold across every app
//! instance on it. One check is one atomic upsert (`INSERT … ON CONFLICT DO UPDATE …
//! RETURNING`): concurrent requests each get their own count, so none can slip past a limit
//! by racing the others.
use crate::error::Result;
use crate::entity::rate_limit;
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Statement};

/// A limit: at most `max` hits per `window_secs` seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    pub max: u64,
    pub window_secs: i64,
}

/// The answer to one counted hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hit {
    /// Hits in the current window, this one included.
    pub count: i64,
    /// The limit that was applied.
    pub limit: Limit,
    /// Seconds until the window ends and the count starts again.
    pub reset_secs: i64,
}

impl Hit {
    pub fn allowed(&self) -> bool {
        self.count >= 0 && (self.count as u64) <= self.limit.max
    }

    /// Hits left in this window (for `RateLimit` headers).
    pub fn remaining(&self) -> u64 {
        self.limit.max.saturating_sub(self.count.max(0) as u64)
    }
}

const UPSERT: &str = "INSERT INTO rate_limits (key, window_start, count) VALUES ($1, $2, 1) \
     ON CONFLICT (key) DO UPDATE SET \
     count = CASE WHEN rate_limits.window_start <= $3 THEN 1 ELSE rate_limits.count + 1 END, \
     window_start = CASE WHEN rate_limits.window_start <= $3 THEN excluded.window_start ELSE rate_limits.window_start END \
     RETURNING count, window_start";

/// Counts one hit on `key` at `now` (unix seconds) and says whether it is within `limit`.
pub async fn hit_at<C: ConnectionTrait>(c: &C, key: &str, limit: Limit, now: i64) -> Result<Hit> {
    let window = limit.window_secs.max(1);
    let backend = c.get_database_backend();
    // SQLite numbers its parameters `?1`, `?2`…; PostgreSQL `$1`, `$2`….
    let sql = if backend == DbBackend::Sqlite { UPSERT.replace('$', "?") } else { UPSERT.to_owned() };
    let stmt = Statement::from_sql_and_values(backend, sql, [key.into(), now.into(), (now - window).into()]);
    let row = c.query_one_raw(stmt).await?.ok_or_else(|| crate::error::Error::Internal("the rate-limit upsert returned no row".into()))?;
    let count: i64 = row.try_get("", "count")?;
    let start: i64 = row.try_get("", "window_start")?;
    Ok(Hit { count, limit, reset_secs: (start + window - now).clamp(1, window) })
}

/// [`hit_at`] now.
pub async fn hit<C: ConnectionTrait>(c: &C, key: &str, limit: Limit) -> Result<Hit> {
    hit_at(c, key, limit, chrono::Utc::now().timestamp()).await
}

/// Forgets the count of `key` (for example after a successful sign-in).
pub async fn clear<C: ConnectionTrait>(c: &C, key: &str) -> Result<()> {
    rate_limit::Entity::delete_by_id(key.to_owned()).exec(c).await?;
    Ok(())
}

/// Drops counters whose window started more than `older_than_secs` ago: they count nothing.
pub async fn prune<C: ConnectionTrait>(c: &C, older_than_secs: i64) -> Result<u64> {
    let before = chrono::Utc::now().timestamp() - older_than_secs;
    Ok(rate_limit::Entity::delete_many().filter(rate_limit::Column::WindowStart.lt(before)).exec(c).await?.rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(count: i64, max: u64) -> Hit {
        Hit { count, limit: Limit { max, window_secs: 60 }, reset_secs: 30 }
    }

    #[test]
    fn a_hit_is_allowed_up_to_the_limit_and_not_beyond() {
        let cases = [(1, 5, true, 4), (5, 5, true, 0), (6, 5, false, 0), (1, 0, false, 0)];
        for (count, max, allowed, remaining) in cases {
            let h = hit(count, max);
            assert_eq!(h.allowed(), allowed, "{count} of {max}");
            assert_eq!(h.remaining(), remaining, "{count} of {max}");
        }
    }
}
