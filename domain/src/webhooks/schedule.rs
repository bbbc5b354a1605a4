//! When a webhook delivery is tried: immediately, then after 5 s, 5 min, 30 min, 2 h, 5 h,
//! 10 h and 10 h (about 28 hours in all), then dead-lettered. An endpoint that has failed
//! every attempt for 5 days is disabled.
use chrono::Duration;

/// Waits before each attempt after the first (the first is immediate).
pub const RETRY_WAITS_SECS: [i64; 7] = [5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600];

/// Attempts in all, the first included.
pub const MAX_ATTEMPTS: i32 = RETRY_WAITS_SECS.len() as i32 + 1;

/// How long an endpoint may fail without a success before it is disabled.
pub const DISABLE_AFTER: Duration = Duration::days(5);

/// A delivery that is not answered with a 2xx within this time has failed.
pub const TIMEOUT_SECS: u64 = 15;

/// The wait before the next attempt after `attempts` attempts have failed, or `None` when
/// the delivery is dead.
pub fn next_wait(attempts: i32) -> Option<Duration> {
    let i = usize::try_from(attempts.checked_sub(1)?).ok()?;
    RETRY_WAITS_SECS.get(i).map(|s| Duration::seconds(*s))
}

/// Whether a response status counts as delivered: any 2xx. Redirects are failures (a
/// receiver's URL must be the one it answers on).
pub fn is_success(status: u16) -> bool {
    (200..300).contains(&status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_is_about_28_hours_then_dead() {
        let waits: Vec<_> = (1..=MAX_ATTEMPTS).map(next_wait).collect();
        assert_eq!(waits[0], Some(Duration::seconds(5)));
        assert_eq!(waits[1], Some(Duration::minutes(5)));
        assert_eq!(waits[6], Some(Duration::hours(10)));
        assert_eq!(waits[7], None, "after the 8th attempt the delivery is dead");
        assert_eq!(next_wait(0), None);
        let total: i64 = RETRY_WAITS_SECS.iter().sum();
        assert!((27 * 3600..29 * 3600).contains(&total), "{total}");
    }

    #[test]
    fn only_2xx_is_success() {
        for (s, ok) in [(200, true), (204, true), (299, true), (301, false), (404, false), (500, false), (199, false)] {
            assert_eq!(is_success(s), ok, "{s}");
        }
    }
}
