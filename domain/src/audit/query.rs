//! Reading the trail for people: the filtered, keyset-paginated list behind the admin page,
//! and its CSV export.
use super::{Entry, entity};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};

/// The most entries one call of [`list`] returns.
pub const MAX_PAGE: u64 = 1000;

/// Filters of the trail. Blank texts mean "any".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFilter {
    /// Part of the actor's name or id, any case.
    pub actor: Option<String>,
    /// The start of the action, e.g. `exception.` for everything done to exceptions.
    pub action: Option<String>,
    pub entity_kind: Option<String>,
    pub entity_id: Option<String>,
    /// From this instant (inclusive).
    pub from: Option<DateTime<Utc>>,
    /// Up to this instant (exclusive), so that a page can pass the midnight after the last
    /// day it shows, in the viewer's time zone.
    pub to: Option<DateTime<Utc>>,
}

/// A `LIKE` pattern that matches `text` literally (with `\` as the escape character).
fn literal(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The filter as a condition on `audit_log`.
fn condition(f: &AuditFilter) -> Condition {
    let mut all = Condition::all();
    if let Some(actor) = given(&f.actor) {
        let pattern = LikeExpr::new(format!("%{}%", literal(&actor.to_lowercase()))).escape('\\');
        let lower = |col: entity::Column| Expr::expr(Func::lower(Expr::col(col))).like(pattern.clone());
        all = all.add(Condition::any().add(lower(entity::Column::ActorName)).add(lower(entity::Column::ActorId)));
    }
    if let Some(action) = given(&f.action) {
        all = all.add(entity::Column::Action.like(LikeExpr::new(format!("{}%", literal(action))).escape('\\')));
    }
    if let Some(kind) = given(&f.entity_kind) {
        all = all.add(entity::Column::EntityKind.eq(kind));
    }
    if let Some(id) = given(&f.entity_id) {
        all = all.add(entity::Column::EntityId.eq(id));
    }
    if let Some(from) = f.from {
        all = all.add(entity::Column::At.gte(from));
    }
    if let Some(to) = f.to {
        all = all.add(entity::Column::At.lt(to));
    }
    all
}

/// Up to `limit` entries matching the filter, newest first, before chain position `after`
/// (pass the last `seq` of the previous page). Keyset by `seq`, so the thousandth page costs
/// what the first does.
pub async fn list<C: ConnectionTrait>(c: &C, filter: &AuditFilter, after: Option<i64>, limit: u64) -> Result<Vec<Entry>, DbErr> {
    let mut q = entity::Entity::find().filter(condition(filter));
    if let Some(after) = after {
        q = q.filter(entity::Column::Seq.lt(after));
    }
    let rows = q.order_by_desc(entity::Column::Seq).limit(limit.clamp(1, MAX_PAGE)).all(c).await?;
    Ok(rows.into_iter().map(Entry::from).collect())
}

/// The header row of the CSV export.
pub const CSV_HEADER: [&str; 12] =
    ["seq", "at_utc", "actor_kind", "actor_id", "actor_name", "actor", "action", "entity_kind", "entity_id", "payload", "prev_hash", "hash"];

/// Actor names, entity ids and payloads come from users and partners' systems: cells are
/// guarded against CSV injection like every export's.
use crate::orders::csv_cell as cell;

/// Entries as CSV (RFC 4180 quoting), with the header row when `header` is set, so that an
/// export can be streamed page by page. Times are UTC with microseconds and the hashes are
/// included, so an exported trail can be checked elsewhere (except cells defused above).
pub fn to_csv(entries: &[Entry], header: bool) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    // Writing to memory fails only on a bug in the csv crate.
    let bug = "CSV into memory";
    if header {
        w.write_record(CSV_HEADER).expect(bug);
    }
    for e in entries {
        w.write_record([
            e.seq.to_string().as_str(),
            &e.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            &cell(&e.actor_kind),
            &cell(e.actor_id.as_deref().unwrap_or_default()),
            &cell(&e.actor_name),
            &cell(&e.actor_label()),
            &cell(&e.action),
            &cell(&e.entity_kind),
            &cell(&e.entity_id),
            &cell(&e.payload),
            &e.prev_hash,
            &e.hash,
        ])
        .expect(bug);
    }
    String::from_utf8(w.into_inner().expect(bug)).expect("CSV of UTF-8 texts is UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::chain::GENESIS;
    use uuid::Uuid;

    fn entry(actor_name: &str, entity_id: &str, payload: &str) -> Entry {
        Entry {
            seq: 7,
            id: Uuid::nil(),
            at: DateTime::<Utc>::from_timestamp(1_767_323_045, 5_000).unwrap(),
            actor_kind: "user".into(),
            actor_id: Some("u-1".into()),
            actor_name: actor_name.into(),
            action: "exception.claimed".into(),
            entity_kind: "exception".into(),
            entity_id: entity_id.into(),
            payload: payload.into(),
            prev_hash: GENESIS.into(),
            hash: "ab".repeat(32),
        }
    }

    #[test]
    fn the_csv_export_quotes_commas_quotes_and_newlines() {
        let text = to_csv(&[entry("Smith, \"Jo\"", "EX-1", "{\"note\":\"line1\nline2\"}")], true);
        let mut lines = text.split('\n');
        assert_eq!(lines.next(), Some(CSV_HEADER.join(",").as_str()));
        let expected = format!(
            "7,2026-01-02T03:04:05.000005Z,user,u-1,\"Smith, \"\"Jo\"\"\",\"user Smith, \"\"Jo\"\"\",exception.claimed,exception,EX-1,\"{{\"\"note\"\"\
             :\"\"line1\nline2\"\"}}\",{GENESIS},{}\n",
            "ab".repeat(32)
        );
        assert_eq!(text.split_once('\n').unwrap().1, expected);
    }

    #[test]
    fn cells_a_spreadsheet_would_run_are_defused() {
        let cases = [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+1", "'+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("plain", "plain"),
            ("a=b", "a=b"),
        ];
        for (raw, shown) in cases {
            let text = to_csv(&[entry("Dana", raw, "{}")], false);
            let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(text.as_bytes());
            let record = reader.records().next().unwrap().unwrap();
            assert_eq!(&record[8], shown, "entity id {raw:?}");
        }
    }

    #[test]
    fn like_patterns_match_wildcards_literally() {
        assert_eq!(literal("50%_off\\"), "50\\%\\_off\\\\");
        assert_eq!(literal("exception."), "exception.");
    }

    #[test]
    fn blank_filters_add_no_condition() {
        let blank = AuditFilter { actor: Some("  ".into()), action: Some(String::new()), ..Default::default() };
        assert!(condition(&blank).is_empty());
        assert_eq!(condition(&AuditFilter { entity_kind: Some("order".into()), ..Default::default() }).len(), 1);
    }
}
