//! `/api/articles/`: permissions in full. Anyone reads published articles; their
//! authors also see their drafts; only the author edits (`IsOwnerOrReadOnly`, checked
//! on the loaded article); the author or an admin deletes; OAuth2 tokens need `read`
//! to read and `write` to write; writes are throttled; a user may publish at most a
//! daily quota (an async permission that queries the database).
//!
//! A draft of someone else is 404, not 403, on every operation: a 403 would confirm
//! that the id exists. Admins see every article.

use auth_runtime::{
    authenticated, object_permission, permission, secured,
    store::{now, Store, StoreError},
    throttle, Denial, Identity, IsAdmin, IsAuthenticatedOrReadOnly, IsScoped, ObjectPermission,
    Permission, PermissionContext, Principal, ReadWriteScope,
};
use poem::{http::StatusCode, Error};
use poem_openapi::{param::Path, payload::Json, ApiResponse, Object, OpenApi};
use serde::Deserialize;
use sqlx::{any::AnyRow, Row};

use crate::input::{FieldErrors, Input};

/// The articles resource.
pub struct ArticlesApi;

/// How many articles a user may create per 24 hours.
pub const DAILY_QUOTA: i64 = 50;

/// A row of `demo_articles`.
#[derive(Debug, Clone)]
pub struct Article {
    id: i64,
    author_id: i64,
    author: String,
    title: String,
    body: String,
    published: bool,
    created_at: i64,
    updated_at: i64,
}

/// An article as the API shows it.
#[derive(Object)]
struct ArticleOut {
    id: i64,
    /// The author's username.
    author: String,
    title: String,
    body: String,
    /// Drafts (`false`) are visible to their author only.
    published: bool,
    /// Unix seconds.
    created_at: i64,
    /// Unix seconds.
    updated_at: i64,
}

impl From<Article> for ArticleOut {
    fn from(a: Article) -> Self {
        Self {
            id: a.id,
            author: a.author,
            title: a.title,
            body: a.body,
            published: a.published,
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

/// An article to write; on update, absent fields keep their value.
#[derive(Object, Deserialize)]
struct ArticleIn {
    /// 1 to 200 characters.
    title: Option<String>,
    body: Option<String>,
    /// `false` for a draft (default `true`).
    published: Option<bool>,
}

#[derive(ApiResponse)]
enum Created {
    /// The new article.
    #[oai(status = 201)]
    Created(Json<ArticleOut>),
    /// Field errors.
    #[oai(status = 400)]
    Invalid(Json<FieldErrors>),
}

#[derive(ApiResponse)]
enum Updated {
    /// The article.
    #[oai(status = 200)]
    Ok(Json<ArticleOut>),
    /// Field errors.
    #[oai(status = 400)]
    Invalid(Json<FieldErrors>),
}

#[derive(ApiResponse)]
enum Deleted {
    /// Deleted.
    #[oai(status = 204)]
    Done,
}

#[derive(ApiResponse)]
enum Found {
    /// The article.
    #[oai(status = 200)]
    Ok(Json<ArticleOut>),
}

/// Anyone may read; only the author may change (the DRF tutorial's permission).
pub struct IsOwnerOrReadOnly;

impl Permission for IsOwnerOrReadOnly {
    async fn has_permission(&self, _: &PermissionContext<'_>) -> Result<(), Denial> {
        Ok(())
    }
}

impl ObjectPermission<Article> for IsOwnerOrReadOnly {
    async fn has_object_permission(
        &self,
        ctx: &PermissionContext<'_>,
        article: &Article,
    ) -> Result<(), Denial> {
        let owner = ctx
            .principal()
            .user()
            .is_some_and(|u| u.id == article.author_id);
        if ctx.is_safe_method() || owner {
            Ok(())
        } else {
            Err(Denial::new("Only the author may change this article.").with_code("not_owner"))
        }
    }
}

/// The author of the article.
pub struct IsAuthor;

impl Permission for IsAuthor {
    async fn has_permission(&self, ctx: &PermissionContext<'_>) -> Result<(), Denial> {
        ctx.principal()
            .user()
            .map(|_| ())
            .ok_or_else(Denial::default)
    }
}

impl ObjectPermission<Article> for IsAuthor {
    async fn has_object_permission(
        &self,
        ctx: &PermissionContext<'_>,
        article: &Article,
    ) -> Result<(), Denial> {
        if ctx
            .principal()
            .user()
            .is_some_and(|u| u.id == article.author_id)
        {
            Ok(())
        } else {
            Err(
                Denial::new("Only the author or an admin may delete this article.")
                    .with_code("not_owner"),
            )
        }
    }
}

/// At most [`DAILY_QUOTA`] new articles per user per 24 hours: an async permission
/// that reads the database through app state (`.data(store)`).
pub struct WithinDailyQuota;

impl Permission for WithinDailyQuota {
    async fn has_permission(&self, ctx: &PermissionContext<'_>) -> Result<(), Denial> {
        if ctx.is_safe_method() {
            return Ok(());
        }
        let (Some(user), Some(store)) = (ctx.principal().user(), ctx.data::<Store>()) else {
            return Err(Denial::default());
        };
        let since = now() - 24 * 60 * 60;
        let count = sqlx::query(
            "SELECT COUNT(*) AS n FROM demo_articles WHERE author_id = $1 AND created_at > $2",
        )
        .bind(user.id)
        .bind(since)
        .fetch_one(store.pool())
        .await
        .and_then(|r| r.try_get::<i64, _>("n"));
        match count {
            Ok(n) if n < DAILY_QUOTA => Ok(()),
            Ok(_) => Err(Denial::new(format!(
                "You have written {DAILY_QUOTA} articles today; try again tomorrow."
            ))
            .with_code("quota_exceeded")),
            Err(e) => {
                tracing::error!(error = %e, "quota check failed");
                Err(Denial::new("The quota could not be checked; try again.")
                    .with_code("unavailable"))
            }
        }
    }
}

fn get_bool(row: &AnyRow, col: &str) -> Result<bool, sqlx::Error> {
    row.try_get::<bool, _>(col)
        .or_else(|_| row.try_get::<i64, _>(col).map(|v| v != 0))
}

fn from_row(r: &AnyRow) -> Result<Article, sqlx::Error> {
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

const SELECT: &str = "SELECT a.id, a.author_id, u.username, a.title, a.body, a.published, \
                      a.created_at, a.updated_at FROM demo_articles a JOIN auth_users u ON u.id = a.author_id";

/// The visibility rule, once, in SQL: published, the viewer's own, or any for staff.
const VISIBLE: &str = "(a.published = TRUE OR a.author_id = $1 OR $2)";

/// The viewer's id and staff flag; no user has id 0, so an anonymous viewer owns
/// nothing.
fn viewer(who: &Principal) -> (i64, bool) {
    who.user().map_or((0, false), |u| (u.id, u.is_staff))
}

fn not_found() -> Error {
    Error::from_string("Not found.", StatusCode::NOT_FOUND)
}

/// An article the caller may see, or 404 (drafts of others included).
async fn load_visible(store: &Store, who: &Principal, id: i64) -> Result<Article, Error> {
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

fn check(input: &ArticleIn, creating: bool) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::new();
    match &input.title {
        None if creating => {
            errors.insert("title".into(), vec!["This field is required.".into()]);
        }
        Some(t) if t.trim().is_empty() || t.chars().count() > 200 => {
            errors.insert(
                "title".into(),
                vec!["Ensure this field has 1 to 200 characters.".into()],
            );
        }
        _ => {}
    }
    if creating && input.body.is_none() {
        errors.insert("body".into(), vec!["This field is required.".into()]);
    }
    if input.body.as_ref().is_some_and(|b| b.len() > 32 * 1024) {
        errors.insert(
            "body".into(),
            vec!["Ensure this field has at most 32768 bytes.".into()],
        );
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

#[secured]
#[OpenApi]
impl ArticlesApi {
    /// Published articles, and the caller's own drafts. The list applies the same
    /// visibility rule as the detail endpoint, in SQL, so it cannot show what the
    /// detail would hide.
    #[authenticated(jwt, session, oauth2, token, basic)]
    #[permission(IsAuthenticatedOrReadOnly & (!IsScoped | ReadWriteScope))]
    #[oai(path = "/api/articles/", method = "get")]
    async fn list(
        &self,
        store: poem::web::Data<&Store>,
        who: Principal,
    ) -> poem::Result<Json<Vec<ArticleOut>>> {
        let (viewer_id, staff) = viewer(&who);
        let rows = sqlx::query(&format!("{SELECT} WHERE {VISIBLE} ORDER BY a.id"))
            .bind(viewer_id)
            .bind(staff)
            .fetch_all(store.pool())
            .await
            .map_err(StoreError::from)?;
        let articles = rows
            .iter()
            .map(from_row)
            .collect::<Result<Vec<_>, _>>()
            .map_err(StoreError::from)?;
        Ok(Json(articles.into_iter().map(ArticleOut::from).collect()))
    }

    /// Writes an article (a draft with `"published": false`).
    #[authenticated(jwt, session, oauth2, token, basic)]
    #[permission(IsAuthenticatedOrReadOnly & (!IsScoped | ReadWriteScope) & WithinDailyQuota)]
    #[throttle(scope = "article_writes", rate = "30/minute")]
    #[oai(path = "/api/articles/", method = "post")]
    async fn create(
        &self,
        store: poem::web::Data<&Store>,
        who: Identity,
        body: Input<ArticleIn>,
    ) -> poem::Result<Created> {
        let input = body.into_inner();
        if let Err(errors) = check(&input, true) {
            return Ok(Created::Invalid(Json(errors)));
        }
        let now = now();
        let row = sqlx::query(
            "INSERT INTO demo_articles (author_id, title, body, published, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
        )
        .bind(who.user.id)
        .bind(input.title.unwrap_or_default().trim().to_owned())
        .bind(input.body.unwrap_or_default())
        .bind(input.published.unwrap_or(true))
        .bind(now)
        .fetch_one(store.pool())
        .await
        .map_err(StoreError::from)?;
        let id: i64 = row.try_get("id").map_err(StoreError::from)?;
        let article = load_visible(&store, &Principal::from(who), id).await?;
        Ok(Created::Created(Json(article.into())))
    }

    /// One article (404 for someone else's draft).
    #[authenticated(jwt, session, oauth2, token, basic)]
    #[permission(IsAuthenticatedOrReadOnly & (!IsScoped | ReadWriteScope))]
    #[object_permission(IsOwnerOrReadOnly, article = load_visible(&store, &who, id.0))]
    #[oai(path = "/api/articles/:id/", method = "get")]
    async fn retrieve(
        &self,
        store: poem::web::Data<&Store>,
        who: Principal,
        id: Path<i64>,
    ) -> Found {
        Found::Ok(Json(article.into()))
    }

    /// Updates an article: its author only. Absent fields keep their value.
    #[authenticated(jwt, session, oauth2, token, basic)]
    #[permission(IsAuthenticatedOrReadOnly & (!IsScoped | ReadWriteScope))]
    #[object_permission(IsOwnerOrReadOnly, article = load_visible(&store, &who, id.0))]
    #[throttle(scope = "article_writes", rate = "30/minute")]
    #[oai(path = "/api/articles/:id/", method = "put", method = "patch")]
    async fn update(
        &self,
        store: poem::web::Data<&Store>,
        who: Principal,
        id: Path<i64>,
        body: Input<ArticleIn>,
    ) -> poem::Result<Updated> {
        let input = body.into_inner();
        if let Err(errors) = check(&input, false) {
            return Ok(Updated::Invalid(Json(errors)));
        }
        sqlx::query(
            "UPDATE demo_articles SET title = $1, body = $2, published = $3, updated_at = $4 WHERE id = $5",
        )
        .bind(input.title.map_or(article.title, |t| t.trim().to_owned()))
        .bind(input.body.unwrap_or(article.body))
        .bind(input.published.unwrap_or(article.published))
        .bind(now())
        .bind(id.0)
        .execute(store.pool())
        .await
        .map_err(StoreError::from)?;
        Ok(Updated::Ok(Json(
            load_visible(&store, &who, id.0).await?.into(),
        )))
    }

    /// Deletes an article: its author, or an admin.
    #[authenticated(jwt, session, oauth2, token, basic)]
    #[permission(IsAuthenticatedOrReadOnly & (!IsScoped | ReadWriteScope))]
    #[object_permission(IsAuthor | IsAdmin, article = load_visible(&store, &who, id.0))]
    #[oai(path = "/api/articles/:id/", method = "delete")]
    async fn destroy(
        &self,
        store: poem::web::Data<&Store>,
        who: Principal,
        id: Path<i64>,
    ) -> poem::Result<Deleted> {
        sqlx::query("DELETE FROM demo_articles WHERE id = $1")
            .bind(article.id)
            .execute(store.pool())
            .await
            .map_err(StoreError::from)?;
        Ok(Deleted::Done)
    }
}
