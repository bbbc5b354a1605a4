//! A row and the writes that depend on it, in one round trip on PostgreSQL.
//!
//! An invoice comes with its lines, its deliveries, their jobs and its customer's exposure; an
//! order with its lines. Each write after the first happens only if the first inserted its row
//! (it may stop at a conflict: `ON CONFLICT DO NOTHING`). On PostgreSQL the writes are one
//! statement of data-modifying CTEs, each guarded by `EXISTS (SELECT 1 FROM head)`: one round
//! trip instead of one per table, which is most of what a write costs here. Elsewhere (SQLite,
//! in-process) they run one after the other.
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};

/// Runs `head` (an `INSERT` that may do nothing) and, only if it inserted, each of `then`: an
/// `INSERT … VALUES …` (with or without `ON CONFLICT …`) or an `UPDATE … WHERE …` without
/// `RETURNING` or subquery. Every statement is built for `c`'s backend with its values as
/// parameters. The writes must be independent: on PostgreSQL every part sees the data as it
/// was before the statement, so none may touch a row another writes or depend on one.
/// Answers whether `head` inserted.
pub async fn insert_with<C: ConnectionTrait>(c: &C, head: Statement, then: Vec<Statement>) -> Result<bool, DbErr> {
    Ok(insert_answering(c, head, then, None).await?.0)
}

/// [`insert_with`], and one more write whose answer is wanted: `answer` is an `UPDATE … WHERE
/// …` without `RETURNING`, to which `RETURNING <answer_sql> AS answer` is added (the new
/// value of the one row it updates). Answers whether `head` inserted, and the answer (`None`
/// when `head` inserted nothing or `answer` updated no row).
pub async fn insert_answering<C: ConnectionTrait>(c: &C, head: Statement, then: Vec<Statement>, answer: Option<(Statement, &str)>) -> Result<(bool, Option<i64>), DbErr> {
    if c.get_database_backend() != DbBackend::Postgres {
        if c.execute_raw(head).await?.rows_affected() == 0 {
            return Ok((false, None));
        }
        for s in then {
            c.execute_raw(s).await?;
        }
        let Some((mut st, returning)) = answer else { return Ok((true, None)) };
        st.sql.push_str(&format!(" RETURNING {returning} AS answer"));
        let row = c.query_one_raw(st).await?;
        return Ok((true, row.map(|r| r.try_get::<i64>("", "answer")).transpose()?));
    }
    let wants = answer.is_some();
    let one = combine(head, then, answer)?;
    let row = c.query_one_raw(one).await?.ok_or_else(|| DbErr::Custom("the combined insert answered no row".into()))?;
    let answer = if wants { row.try_get::<Option<i64>>("", "answer")? } else { None };
    Ok((row.try_get::<i64>("", "inserted")? > 0, answer))
}

/// The PostgreSQL statement: `WITH head AS (… RETURNING 1), w1 AS (…), … SELECT count(*)`,
/// with `wa AS (UPDATE … RETURNING … AS answer)` and its value when an answer is wanted.
fn combine(head: Statement, then: Vec<Statement>, answer: Option<(Statement, &str)>) -> Result<Statement, DbErr> {
    let mut values = head.values.map(|v| v.0).unwrap_or_default();
    let mut sql = format!("WITH head AS ({} RETURNING 1)", head.sql);
    for (i, s) in then.into_iter().enumerate() {
        let guarded = guard(&shift_placeholders(&s.sql, values.len()))?;
        sql.push_str(&format!(", w{i} AS ({guarded})"));
        values.extend(s.values.map(|v| v.0).unwrap_or_default());
    }
    let Some((st, returning)) = answer else {
        sql.push_str(" SELECT count(*) AS inserted FROM head");
        return Ok(Statement::from_sql_and_values(DbBackend::Postgres, sql, values));
    };
    let guarded = guard(&shift_placeholders(&st.sql, values.len()))?;
    if !guarded.starts_with("UPDATE") {
        return Err(DbErr::Custom(format!("an answer must come from an update: {}", st.sql)));
    }
    sql.push_str(&format!(", wa AS ({guarded} RETURNING {returning} AS answer)"));
    values.extend(st.values.map(|v| v.0).unwrap_or_default());
    sql.push_str(" SELECT (SELECT count(*) FROM head) AS inserted, (SELECT answer FROM wa) AS answer");
    Ok(Statement::from_sql_and_values(DbBackend::Postgres, sql, values))
}

/// Makes a write happen only if the head inserted.
fn guard(sql: &str) -> Result<String, DbErr> {
    const EXISTS: &str = "EXISTS (SELECT 1 FROM head)";
    if sql.starts_with("INSERT") {
        let Some((columns, rest)) = sql.split_once(" VALUES ") else { return Err(DbErr::Custom(format!("an insert without VALUES: {sql}"))) };
        let (rows, conflict) = match rest.find(" ON CONFLICT ") {
            Some(at) => rest.split_at(at),
            None => (rest, ""),
        };
        return Ok(format!("{columns} SELECT * FROM (VALUES {rows}) AS v WHERE {EXISTS}{conflict}"));
    }
    if sql.starts_with("UPDATE") && !sql.contains(" RETURNING ") && !sql.contains("SELECT") {
        if let Some((set, cond)) = sql.split_once(" WHERE ") {
            return Ok(format!("{set} WHERE ({cond}) AND {EXISTS}"));
        }
    }
    Err(DbErr::Custom(format!("not a write that can follow an insert: {sql}")))
}

/// Renumbers PostgreSQL placeholders (`$1` → `$(1 + by)`), for a statement appended to one
/// that has `by` parameters already. Statements built by SeaQuery carry every value as a
/// parameter, so a `$` followed by digits is always a placeholder.
pub fn shift_placeholders(sql: &str, by: usize) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut chars = sql.char_indices().peekable();
    while let Some((_, ch)) = chars.next() {
        out.push(ch);
        if ch != '$' {
            continue;
        }
        let mut digits = String::new();
        while let Some((_, d)) = chars.peek().filter(|(_, d)| d.is_ascii_digit()) {
            digits.push(*d);
            chars.next();
        }
        match digits.parse::<usize>() {
            Ok(n) => out.push_str(&(n + by).to_string()),
            Err(_) => out.push_str(&digits),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_renumbered_after_the_statement_before() {
        let cases = [("($1, $2), ($3, $4)", 16, "($17, $18), ($19, $20)"), ("($1)", 0, "($1)"), ("$9,$10", 1, "$10,$11"), ("no params", 5, "no params"), ("$", 3, "$")];
        for (sql, by, want) in cases {
            assert_eq!(shift_placeholders(sql, by), want, "{sql} by {by}");
        }
    }

    #[test]
    fn each_write_after_the_head_is_guarded_by_it() {
        let cases = [
            ("INSERT INTO l (a, b) VALUES ($1, $2), ($3, $4)", Some("INSERT INTO l (a, b) SELECT * FROM (VALUES ($1, $2), ($3, $4)) AS v WHERE EXISTS (SELECT 1 FROM head)")),
            ("INSERT INTO j (k) VALUES ($1) ON CONFLICT (k) DO NOTHING", Some("INSERT INTO j (k) SELECT * FROM (VALUES ($1)) AS v WHERE EXISTS (SELECT 1 FROM head) ON CONFLICT (k) DO NOTHING")),
            ("UPDATE x SET n = n + $1 WHERE id = $2", Some("UPDATE x SET n = n + $1 WHERE (id = $2) AND EXISTS (SELECT 1 FROM head)")),
            ("UPDATE x SET n = $1 WHERE id = $2 RETURNING n", None),
            ("UPDATE x SET n = $1", None),
            ("UPDATE x SET n = (SELECT m FROM y WHERE k = $1) WHERE id = $2", None),
            ("DELETE FROM x WHERE id = $1", None),
        ];
        for (sql, want) in cases {
            assert_eq!(guard(sql).ok().as_deref(), want, "{sql}");
        }
    }

    #[test]
    fn the_combined_statement_numbers_every_value_once() {
        let st = |sql: &str, n: i64| Statement::from_sql_and_values(DbBackend::Postgres, sql, (0..n).map(sea_orm::Value::from).collect::<Vec<_>>());
        let one = combine(st("INSERT INTO h (a, b) VALUES ($1, $2) ON CONFLICT (a) DO NOTHING", 2), vec![st("INSERT INTO l (a) VALUES ($1), ($2)", 2), st("UPDATE x SET n = $1 WHERE id = $2", 2)], None).unwrap();
        assert_eq!(
            one.sql,
            "WITH head AS (INSERT INTO h (a, b) VALUES ($1, $2) ON CONFLICT (a) DO NOTHING RETURNING 1), \
             w0 AS (INSERT INTO l (a) SELECT * FROM (VALUES ($3), ($4)) AS v WHERE EXISTS (SELECT 1 FROM head)), \
             w1 AS (UPDATE x SET n = $5 WHERE (id = $6) AND EXISTS (SELECT 1 FROM head)) SELECT count(*) AS inserted FROM head"
        );
        assert_eq!(one.values.unwrap().0.len(), 6);
        let answered = combine(st("INSERT INTO h (a) VALUES ($1)", 1), vec![], Some((st("UPDATE x SET n = n + $1 WHERE id = $2", 2), "n"))).unwrap();
        assert_eq!(
            answered.sql,
            "WITH head AS (INSERT INTO h (a) VALUES ($1) RETURNING 1), \
             wa AS (UPDATE x SET n = n + $2 WHERE (id = $3) AND EXISTS (SELECT 1 FROM head) RETURNING n AS answer) \
             SELECT (SELECT count(*) FROM head) AS inserted, (SELECT answer FROM wa) AS answer"
        );
        assert!(combine(st("INSERT INTO h (a) VALUES ($1)", 1), vec![], Some((st("INSERT INTO l (a) VALUES ($1)", 1), "a"))).is_err());
    }
}
