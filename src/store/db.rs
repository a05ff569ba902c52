//! The small SQL surface the store needs, over both backends: SQLite (embedded, one PC) and
//! PostgreSQL (a town's server, several counters).
//!
//! Why one surface instead of two stores: the store's logic (what a step writes, what the
//! purge removes, what the audit line says) is written once, so both backends keep the same
//! semantics by construction; only the schema scripts and a few statements (row locks,
//! vacuum) differ per [`Dialect`]. Statements are written with SQLite's `?N` placeholders and
//! rewritten to PostgreSQL's `$N`. Values are three kinds only (null, integer, text): times
//! are RFC 3339 text in JST on both, so they compare as strings the same way everywhere.

use super::StoreError;

/// Which database a statement runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A value bound to or read from a statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Val {
    Null,
    Int(i64),
    Text(String),
}

impl From<i64> for Val {
    fn from(v: i64) -> Self {
        Val::Int(v)
    }
}
impl From<&str> for Val {
    fn from(v: &str) -> Self {
        Val::Text(v.to_string())
    }
}
impl From<&String> for Val {
    fn from(v: &String) -> Self {
        Val::Text(v.clone())
    }
}
impl From<String> for Val {
    fn from(v: String) -> Self {
        Val::Text(v)
    }
}
impl<T: Into<Val>> From<Option<T>> for Val {
    fn from(v: Option<T>) -> Self {
        v.map_or(Val::Null, Into::into)
    }
}

/// Builds a parameter list: `vals![id, code, None::<String>]`.
#[macro_export]
#[doc(hidden)]
macro_rules! vals {
    ($($v:expr),* $(,)?) => { &[$($crate::store::db::Val::from($v)),*][..] };
}
pub use crate::vals;

/// One result row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row(pub Vec<Val>);

impl Row {
    fn at(&self, i: usize) -> Result<&Val, StoreError> {
        self.0
            .get(i)
            .ok_or_else(|| StoreError::Internal(format!("no column {i} in the result")))
    }
    pub fn int(&self, i: usize) -> Result<i64, StoreError> {
        self.opt_int(i)?
            .ok_or_else(|| StoreError::Internal(format!("column {i} is null")))
    }
    pub fn opt_int(&self, i: usize) -> Result<Option<i64>, StoreError> {
        match self.at(i)? {
            Val::Null => Ok(None),
            Val::Int(v) => Ok(Some(*v)),
            Val::Text(t) => t
                .parse()
                .map(Some)
                .map_err(|_| StoreError::Internal(format!("column {i}: {t:?} is not a number"))),
        }
    }
    pub fn text(&self, i: usize) -> Result<String, StoreError> {
        self.opt_text(i)?
            .ok_or_else(|| StoreError::Internal(format!("column {i} is null")))
    }
    pub fn opt_text(&self, i: usize) -> Result<Option<String>, StoreError> {
        match self.at(i)? {
            Val::Null => Ok(None),
            Val::Int(v) => Ok(Some(v.to_string())),
            Val::Text(t) => Ok(Some(t.clone())),
        }
    }
}

/// A connection or an open transaction: every statement the store runs goes through this.
pub trait Sql {
    fn dialect(&self) -> Dialect;
    /// Runs a statement; the number of rows changed.
    fn execute(&mut self, sql: &str, params: &[Val]) -> Result<u64, StoreError>;
    /// Runs a query; every row.
    fn query(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Row>, StoreError>;
    /// Runs several statements without parameters (schema scripts).
    fn batch(&mut self, sql: &str) -> Result<(), StoreError>;

    fn query_opt(&mut self, sql: &str, params: &[Val]) -> Result<Option<Row>, StoreError> {
        Ok(self.query(sql, params)?.into_iter().next())
    }
    fn query_one(&mut self, sql: &str, params: &[Val]) -> Result<Row, StoreError> {
        self.query_opt(sql, params)?
            .ok_or_else(|| StoreError::Internal(format!("no row from {sql}")))
    }
    /// ` FOR UPDATE` on PostgreSQL (a row lock held to the commit, so two counters changing
    /// one case queue up instead of overwriting each other); nothing on SQLite, where every
    /// write transaction already holds the file's write lock from its start.
    fn lock_rows(&self) -> &'static str {
        match self.dialect() {
            Dialect::Sqlite => "",
            Dialect::Postgres => " FOR UPDATE",
        }
    }
}

// ---------------------------------------------------------------------------------- SQLite

fn sqlite_params(params: &[Val]) -> Vec<rusqlite::types::Value> {
    params
        .iter()
        .map(|v| match v {
            Val::Null => rusqlite::types::Value::Null,
            Val::Int(i) => rusqlite::types::Value::Integer(*i),
            Val::Text(t) => rusqlite::types::Value::Text(t.clone()),
        })
        .collect()
}

fn sqlite_query(
    conn: &rusqlite::Connection,
    sql: &str,
    params: &[Val],
) -> Result<Vec<Row>, StoreError> {
    use rusqlite::types::ValueRef;
    let mut st = conn.prepare_cached(sql)?;
    let n = st.column_count();
    let mut rows = st.query(rusqlite::params_from_iter(sqlite_params(params)))?;
    let mut out = vec![];
    while let Some(r) = rows.next()? {
        let mut row = Vec::with_capacity(n);
        for i in 0..n {
            row.push(match r.get_ref(i)? {
                ValueRef::Null => Val::Null,
                ValueRef::Integer(v) => Val::Int(v),
                ValueRef::Real(v) => Val::Int(v as i64),
                ValueRef::Text(t) => Val::Text(String::from_utf8_lossy(t).into_owned()),
                ValueRef::Blob(b) => Val::Text(String::from_utf8_lossy(b).into_owned()),
            });
        }
        out.push(Row(row));
    }
    Ok(out)
}

impl Sql for rusqlite::Connection {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }
    fn execute(&mut self, sql: &str, params: &[Val]) -> Result<u64, StoreError> {
        let mut st = self.prepare_cached(sql)?;
        Ok(st.execute(rusqlite::params_from_iter(sqlite_params(params)))? as u64)
    }
    fn query(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Row>, StoreError> {
        sqlite_query(self, sql, params)
    }
    fn batch(&mut self, sql: &str) -> Result<(), StoreError> {
        Ok(self.execute_batch(sql)?)
    }
}

impl Sql for rusqlite::Transaction<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }
    fn execute(&mut self, sql: &str, params: &[Val]) -> Result<u64, StoreError> {
        let mut st = self.prepare_cached(sql)?;
        Ok(st.execute(rusqlite::params_from_iter(sqlite_params(params)))? as u64)
    }
    fn query(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Row>, StoreError> {
        sqlite_query(self, sql, params)
    }
    fn batch(&mut self, sql: &str) -> Result<(), StoreError> {
        Ok(self.execute_batch(sql)?)
    }
}

// ------------------------------------------------------------------------------ PostgreSQL

/// `?1` → `$1` (outside quoted strings: our statements never put `?` inside literals, but
/// the schema scripts do put quotes, so skip them).
pub fn pg_sql(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut quoted = false;
    for c in sql.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                out.push(c)
            }
            '?' if !quoted => out.push('$'),
            _ => out.push(c),
        }
    }
    out
}

impl postgres::types::ToSql for Val {
    fn to_sql(
        &self,
        ty: &postgres::types::Type,
        out: &mut bytes::BytesMut,
    ) -> Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        use postgres::types::Type;
        match self {
            Val::Null => Ok(postgres::types::IsNull::Yes),
            Val::Int(i) => match *ty {
                Type::INT8 => i.to_sql(ty, out),
                Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
                _ => i.to_string().to_sql(ty, out),
            },
            Val::Text(t) => match *ty {
                Type::INT8 => t.parse::<i64>()?.to_sql(ty, out),
                _ => t.as_str().to_sql(ty, out),
            },
        }
    }
    fn accepts(_: &postgres::types::Type) -> bool {
        true
    }
    postgres::types::to_sql_checked!();
}

fn pg_params(params: &[Val]) -> Vec<&(dyn postgres::types::ToSql + Sync)> {
    params
        .iter()
        .map(|v| v as &(dyn postgres::types::ToSql + Sync))
        .collect()
}

fn pg_rows(rows: Vec<postgres::Row>) -> Result<Vec<Row>, StoreError> {
    use postgres::types::Type;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let mut row = Vec::with_capacity(r.len());
        for (i, c) in r.columns().iter().enumerate() {
            let v = match *c.type_() {
                Type::INT8 => r.try_get::<_, Option<i64>>(i)?.map(Val::Int),
                Type::INT4 => r.try_get::<_, Option<i32>>(i)?.map(|v| Val::Int(v.into())),
                Type::INT2 => r.try_get::<_, Option<i16>>(i)?.map(|v| Val::Int(v.into())),
                Type::BOOL => r.try_get::<_, Option<bool>>(i)?.map(|v| Val::Int(v.into())),
                Type::OID => r.try_get::<_, Option<u32>>(i)?.map(|v| Val::Int(v.into())),
                Type::VOID => None,
                _ => r.try_get::<_, Option<String>>(i)?.map(Val::Text),
            };
            row.push(v.unwrap_or(Val::Null));
        }
        out.push(Row(row));
    }
    Ok(out)
}

macro_rules! pg_impl {
    ($t:ty) => {
        impl Sql for $t {
            fn dialect(&self) -> Dialect {
                Dialect::Postgres
            }
            fn execute(&mut self, sql: &str, params: &[Val]) -> Result<u64, StoreError> {
                Ok(postgres::GenericClient::execute(
                    self,
                    pg_sql(sql).as_str(),
                    &pg_params(params),
                )?)
            }
            fn query(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Row>, StoreError> {
                pg_rows(postgres::GenericClient::query(
                    self,
                    pg_sql(sql).as_str(),
                    &pg_params(params),
                )?)
            }
            fn batch(&mut self, sql: &str) -> Result<(), StoreError> {
                Ok(postgres::GenericClient::batch_execute(self, sql)?)
            }
        }
    };
}
pg_impl!(postgres::Client);
pg_impl!(postgres::Transaction<'_>);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_rewritten_outside_quotes() {
        assert_eq!(
            pg_sql("UPDATE t SET a = ?1 WHERE b = '?' AND c = ?2"),
            "UPDATE t SET a = $1 WHERE b = '?' AND c = $2"
        );
    }
}
