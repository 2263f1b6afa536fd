//! The articles' SQL: the daily quota counted with the insert, and the visibility rule.

use auth_runtime::{
    store::{now, Store, StoreError},
    Principal,
};
use poem::{http::StatusCode, Error};
use sqlx::{any::AnyRow, Row};

use super::{Article, NewArticle, DAILY_QUOTA};

/// Counts one creation against the author's quota for today (UTC) and inserts the
/// article, in one transaction. The count is one conditional upsert: it increments the
/// day's row only while it is below [`DAILY_QUOTA`], so N concurrent creates cannot
/// all pass a check made before any of them is counted; and it counts creations, so
/// deleting an article gives nothing back. `None` when the quota is spent.
pub(super) async fn insert_within_quota(
    store: &Store,
    author_id: i64,
    input: NewArticle,
) -> Result<Option<i64>, StoreError> {
    let now = now();
    let mut tx = store.pool().begin().await?;
    let counted = sqlx::query(
        "INSERT INTO demo_article_quota (user_id, day, created) VALUES ($1, $2, 1) \
         ON CONFLICT (user_id, day) DO UPDATE SET created = demo_article_quota.created + 1 \
         WHERE demo_article_quota.created < $3 RETURNING created",
    )
    .bind(author_id)
    .bind(now.div_euclid(86_400))
    .bind(DAILY_QUOTA)
    .fetch_optional(&mut *tx)
    .await?;
    if counted.is_none() {
        return Ok(None);
    }
    let row = sqlx::query(
        "INSERT INTO demo_articles (author_id, title, body, published, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
    )
    .bind(author_id)
    .bind(input.title.trim().to_owned())
    .bind(input.body)
    .bind(input.published.unwrap_or(true))
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    let id: i64 = row.try_get("id")?;
    tx.commit().await?;
    Ok(Some(id))
}

fn get_bool(row: &AnyRow, col: &str) -> Result<bool, sqlx::Error> {
    row.try_get::<bool, _>(col)
        .or_else(|_| row.try_get::<i64, _>(col).map(|v| v != 0))
}

pub(super) fn from_row(r: &AnyRow) -> Result<Article, sqlx::Error> {
    Ok(Article {
        id: r.try_get("id")?,
        author_id: r.try_get("author_id")?,
        author: r.try_get("username")?,
        title: r.try_get("title")?,
        body: r.try_get("body")?,
        published: get_bool(r, "published")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

pub(super) const SELECT: &str = "SELECT a.id, a.author_id, u.username, a.title, a.body, a.published, \
                      a.created_at, a.updated_at FROM demo_articles a JOIN auth_users u ON u.id = a.author_id";

/// The visibility rule, once, in SQL: published, the viewer's own, or any for staff.
pub(super) const VISIBLE: &str = "(a.published = TRUE OR a.author_id = $1 OR $2)";

/// The viewer's id and staff flag; no user has id 0, so an anonymous viewer owns
/// nothing.
pub(super) fn viewer(who: &Principal) -> (i64, bool) {
    who.user().map_or((0, false), |u| (u.id, u.is_staff))
}

fn not_found() -> Error {
    Error::from_string("Not found.", StatusCode::NOT_FOUND)
}

/// An article the caller may see, or 404 (drafts of others included).
pub(super) async fn load_visible(
    store: &Store,
    who: &Principal,
    id: i64,
) -> Result<Article, Error> {
    let (viewer_id, staff) = viewer(who);
    let row = sqlx::query(&format!("{SELECT} WHERE a.id = $3 AND {VISIBLE}"))
        .bind(viewer_id)
        .bind(staff)
        .bind(id)
        .fetch_optional(store.pool())
        .await
        .map_err(StoreError::from)?;
    match row {
        Some(r) => Ok(from_row(&r).map_err(StoreError::from)?),
        None => Err(not_found()),
    }
}
