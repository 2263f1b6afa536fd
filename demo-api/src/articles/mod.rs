//! `/api/articles/`: permissions in full. Anyone reads published articles; their
//! authors also see their drafts; only the author edits (`IsAuthorOrReadOnly`, checked
//! on the loaded article); the author or an admin deletes; OAuth2 tokens need `read`
//! to read and `write` to write; writes are throttled; a user may create at most a
//! daily quota, counted in the same transaction as the insert.
//!
//! A draft of someone else is 404, not 403, on every operation: a 403 would confirm
//! that the id exists. Admins see every article.

use auth_runtime::{
    object_permission, permission, secured,
    store::{now, Store, StoreError},
    throttle, AuthError, Denial, Identity, IsAuthenticatedOrReadOnly, IsScoped, ObjectPermission,
    Permission, PermissionContext, Principal, ReadWriteScope,
};
use poem::Error;
use poem_openapi::{param::Path, payload::Json, ApiResponse, Object, OpenApi};
use serde::Deserialize;

use auth_runtime::input::{FieldErrors, Input};

use crate::chains::Api;

mod store;

use self::store::{from_row, insert_within_quota, load_visible, viewer, SELECT, VISIBLE};

/// The articles resource.
#[derive(Debug, Clone, Copy, Default)]
pub struct ArticlesApi;

/// How many articles a user may create per UTC day.
pub const DAILY_QUOTA: i64 = 50;

/// The permission to publish an article (held by the `editors` group; a superuser
/// holds every permission). Anyone may write drafts.
pub const PUBLISH: &str = "articles.publish";
/// The permission to delete anyone's article.
pub const DELETE_ANY: &str = "articles.delete_any";

/// The demo's named permissions, declared once (`AuthContextBuilder::permissions`).
pub const PERMISSIONS: &[(&str, &str)] = &[
    (PUBLISH, "Publish an article, so that anyone can read it"),
    (DELETE_ANY, "Delete anyone's article"),
];

/// Whether `who` may publish, as `HasPerm("articles.publish")` decides.
async fn may_publish(req: &poem::Request, who: &Principal) -> Result<(), Error> {
    auth_runtime::HasPerm(PUBLISH)
        .has_permission(&PermissionContext::new(req, who))
        .await
        .map_err(|denial| {
            AuthError::PermissionDenied(denial.denied_by("HasPerm(\"articles.publish\")")).into()
        })
}

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

/// A new article.
#[derive(Object, Deserialize)]
struct NewArticle {
    /// At most 200 characters, not all blank.
    #[oai(validator(max_length = 200, pattern = r"\S"))]
    title: String,
    /// At most 8192 characters.
    #[oai(validator(max_length = 8192))]
    body: String,
    /// `false` for a draft (default `true`).
    published: Option<bool>,
}

/// A change to an article: absent fields keep their value.
#[derive(Object, Deserialize)]
struct ArticleChange {
    /// At most 200 characters, not all blank.
    #[oai(validator(max_length = 200, pattern = r"\S"))]
    title: Option<String>,
    /// At most 8192 characters.
    #[oai(validator(max_length = 8192))]
    body: Option<String>,
    /// `false` for a draft.
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

/// Anyone may read; only the author may change: the DRF tutorial's `IsOwnerOrReadOnly`
/// written by hand, with a message of its own (auth-runtime has `IsOwnerOrReadOnly` for
/// any type that implements `Owned`).
pub struct IsAuthorOrReadOnly;

impl Permission for IsAuthorOrReadOnly {
    async fn has_permission(&self, _: &PermissionContext<'_>) -> Result<(), Denial> {
        Ok(())
    }
}

impl ObjectPermission<Article> for IsAuthorOrReadOnly {
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

/// The rules the schema states (`maxLength`, a non-blank `pattern`), checked here
/// because the body is parsed as DRF parses it, not by poem-openapi.
fn check(title: Option<&str>, body: Option<&str>) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::new();
    if title.is_some_and(|t| t.trim().is_empty() || t.chars().count() > 200) {
        errors.insert(
            "title".into(),
            vec!["Ensure this field has 1 to 200 characters, not all blank.".into()],
        );
    }
    if body.is_some_and(|b| b.chars().count() > 8192) {
        errors.insert(
            "body".into(),
            vec!["Ensure this field has no more than 8192 characters.".into()],
        );
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

auth_runtime::permissions! {
    /// Anyone reads; writing takes an authenticated caller, and an OAuth2 token needs
    /// `read` to read and `write` to write.
    pub ArticleAccess = IsAuthenticatedOrReadOnly & (!IsScoped | ReadWriteScope);
}

#[secured(authenticated(Api), permission(ArticleAccess))]
#[OpenApi(tag = "crate::DemoTag::Articles")]
impl ArticlesApi {
    /// Published articles, and the caller's own drafts. The list applies the same
    /// visibility rule as the detail endpoint, in SQL, so it cannot show what the
    /// detail would hide.
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

    /// Writes an article: published when the author may publish
    /// (`articles.publish`), a draft otherwise or with `"published": false`;
    /// `"published": true` without the permission is 403. At most [`DAILY_QUOTA`] per
    /// user and UTC day (403 `quota_exceeded` after).
    #[throttle(scope = "article_writes", rate = "30/minute")]
    #[oai(path = "/api/articles/", method = "post")]
    async fn create(
        &self,
        req: &poem::Request,
        store: poem::web::Data<&Store>,
        who: Identity,
        body: Input<NewArticle>,
    ) -> poem::Result<Created> {
        let mut input = body.into_inner();
        if let Err(errors) = check(Some(&input.title), Some(&input.body)) {
            return Ok(Created::Invalid(Json(errors)));
        }
        let principal = Principal::from(who.clone());
        let allowed = may_publish(req, &principal).await;
        match (input.published, allowed) {
            (Some(true), Err(refused)) => return Err(refused),
            (None, allowed) => input.published = Some(allowed.is_ok()),
            _ => {}
        }
        let Some(id) = insert_within_quota(&store, who.user.id, input).await? else {
            return Err(AuthError::PermissionDenied(
                Denial::new(format!(
                    "You have written {DAILY_QUOTA} articles today; try again tomorrow (UTC)."
                ))
                .with_code("quota_exceeded"),
            )
            .into());
        };
        let article = load_visible(&store, &Principal::from(who), id).await?;
        Ok(Created::Created(Json(article.into())))
    }

    /// One article (404 for someone else's draft).
    #[object_permission(IsAuthorOrReadOnly, article = load_visible(&store, &who, id.0))]
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
    #[object_permission(IsAuthorOrReadOnly, article = load_visible(&store, &who, id.0))]
    #[throttle(scope = "article_writes", rate = "30/minute")]
    #[oai(path = "/api/articles/:id/", method = "put", method = "patch")]
    async fn update(
        &self,
        req: &poem::Request,
        store: poem::web::Data<&Store>,
        who: Principal,
        id: Path<i64>,
        body: Input<ArticleChange>,
    ) -> poem::Result<Updated> {
        let input = body.into_inner();
        if let Err(errors) = check(input.title.as_deref(), input.body.as_deref()) {
            return Ok(Updated::Invalid(Json(errors)));
        }
        // Publishing a draft needs the permission; unpublishing does not.
        if input.published == Some(true) && !article.published {
            may_publish(req, &who).await?;
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

    /// Publishes an article: an editor (`articles.publish`) may publish any article
    /// they can see.
    #[permission(auth_runtime::HasPerm("articles.publish"))]
    #[oai(path = "/api/articles/:id/publish/", method = "post")]
    async fn publish(
        &self,
        store: poem::web::Data<&Store>,
        who: Principal,
        id: Path<i64>,
    ) -> poem::Result<Updated> {
        let article = load_visible(&store, &who, id.0).await?;
        sqlx::query("UPDATE demo_articles SET published = TRUE, updated_at = $1 WHERE id = $2")
            .bind(now())
            .bind(article.id)
            .execute(store.pool())
            .await
            .map_err(StoreError::from)?;
        Ok(Updated::Ok(Json(
            load_visible(&store, &who, id.0).await?.into(),
        )))
    }

    /// Deletes an article: its author, or anyone holding `articles.delete_any` (an
    /// administrator holds every permission).
    #[object_permission(
        IsAuthor | auth_runtime::HasPerm("articles.delete_any"),
        article = load_visible(&store, &who, id.0)
    )]
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
