//! The server secret, from which the cookie, CSRF and JWT keys are derived. It never
//! lives in the database, so a copy of the database signs nothing:
//!
//! - `secret_key` in settings (`AUTH_SECRET_KEY`), or `secret_key_file`: every
//!   instance sharing a database must be given the same one;
//! - otherwise, for a SQLite file, a key file beside it (`<database>.key`), generated
//!   on first start with mode 0600 and reused after; a copy of the database file alone
//!   gets a new secret, and accepts none of the original's tokens or cookies;
//! - otherwise, for an in-memory SQLite database, a secret that lives as long as the
//!   process;
//! - otherwise (PostgreSQL) the context refuses to start and says how to make one.

use std::{
    io::Write,
    path::{Path, PathBuf},
};

use sha2::{Digest, Sha512};

use crate::{settings::Settings, store::Store};

/// The shortest secret accepted.
pub const MIN_LENGTH: usize = 32;

/// How to make a secret, for error messages.
const HOW: &str = "make one with `openssl rand -base64 48` (or `head -c 48 /dev/urandom | base64`)";

/// Why there is no usable server secret.
#[derive(Debug, thiserror::Error)]
pub enum ServerKeyError {
    /// PostgreSQL (or another shared database) and no secret configured.
    #[error("no server secret: instances that share a database must share one, and it may not live in the database. Set AUTH_SECRET_KEY (or `secret_key_file` in settings) to the same value on every instance; {HOW}")]
    Missing,
    /// The configured key file cannot be read.
    #[error("server secret file {path}: {source}. Create it with mode 0600; {HOW}")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The key file holds less than [`MIN_LENGTH`] characters.
    #[error("server secret file {0} holds less than {MIN_LENGTH} characters; {HOW}")]
    TooShort(PathBuf),
    /// Another user owns the key file (and could have written it).
    #[error(
        "server secret file {0} belongs to another user; it must be this process's user's own"
    )]
    Foreign(PathBuf),
    /// Other users may read the key file.
    #[error("server secret file {path} is readable by other users (mode {mode:o}); run `chmod 600 {path}`")]
    Exposed {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
}

/// Where the secret came from, for the start-up message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `secret_key` in settings.
    Settings,
    /// A key file named in settings.
    File(PathBuf),
    /// The key file beside the SQLite database; `created` on this start.
    BesideDatabase {
        /// The file.
        path: PathBuf,
        /// Generated now.
        created: bool,
    },
    /// Generated for this process only (in-memory database).
    Ephemeral,
}

/// The server secret.
pub struct ServerKey {
    secret: String,
    source: Source,
}

impl std::fmt::Debug for ServerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerKey")
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

impl ServerKey {
    /// Finds the secret for these settings and this store, creating the key file beside
    /// a SQLite database when there is none.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use auth_runtime::{server_key::{ServerKey, Source}, Settings, Store};
    /// let dir = tempfile::tempdir().unwrap();
    /// let store = Store::connect(&format!("sqlite://{}/app.db", dir.path().display())).await.unwrap();
    /// let key = ServerKey::resolve(&Settings::default(), &store).unwrap();
    /// assert_eq!(key.source(), &Source::BesideDatabase { path: dir.path().join("app.db.key"), created: true });
    /// let again = ServerKey::resolve(&Settings::default(), &store).unwrap();
    /// assert_eq!(key.derive(b"x"), again.derive(b"x"));
    /// # });
    /// ```
    pub fn resolve(settings: &Settings, store: &Store) -> Result<Self, ServerKeyError> {
        if let Some(secret) = &settings.secret_key {
            return Ok(Self {
                secret: secret.clone(),
                source: Source::Settings,
            });
        }
        if let Some(path) = &settings.secret_key_file {
            return Ok(Self {
                secret: read(path)?,
                source: Source::File(path.clone()),
            });
        }
        match store.sqlite_file() {
            Some(db) => {
                let path = beside(db);
                let created = match create(&path) {
                    Ok(()) => true,
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => false,
                    Err(source) => return Err(ServerKeyError::Unreadable { path, source }),
                };
                Ok(Self {
                    secret: read(&path)?,
                    source: Source::BesideDatabase { path, created },
                })
            }
            None if store.is_in_memory() => Ok(Self {
                secret: crate::secret::random_urlsafe(48),
                source: Source::Ephemeral,
            }),
            None => Err(ServerKeyError::Missing),
        }
    }

    /// Where it came from.
    pub fn source(&self) -> &Source {
        &self.source
    }

    /// An independent key for one purpose: SHA-512 of the purpose and the secret.
    pub fn derive(&self, purpose: &[u8]) -> [u8; 64] {
        Sha512::new()
            .chain_update(purpose)
            .chain_update(self.secret.as_bytes())
            .finalize()
            .into()
    }

    /// Says where the secret came from, once, at start.
    pub(crate) fn announce(&self) {
        match &self.source {
            Source::Settings => tracing::info!("server secret: from settings (secret_key)"),
            Source::File(path) => {
                tracing::info!(path = %path.display(), "server secret: from the configured key file")
            }
            Source::BesideDatabase { path, created: true } => tracing::warn!(
                path = %path.display(),
                "server secret: none configured, so a new one was generated into a key file beside the database (mode 0600). Keep it out of the database's backups; tokens and sessions are valid only with it. Several instances must share AUTH_SECRET_KEY instead"
            ),
            Source::BesideDatabase { path, created: false } => tracing::info!(
                path = %path.display(),
                "server secret: from the key file beside the database"
            ),
            Source::Ephemeral => tracing::warn!(
                "server secret: none configured and the database is in memory, so it lives as long as this process; tokens and sessions end with it"
            ),
        }
    }
}

/// `<database file>.key`.
fn beside(db: &Path) -> PathBuf {
    let mut name = db.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".key");
    db.with_file_name(name)
}

/// Writes a new secret to `path`, atomically and readable by its owner only: written
/// to a temporary file first, then linked into place, which fails if another process
/// was first (then that one's secret is used).
fn create(path: &Path) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut builder = tempfile::Builder::new();
    builder.prefix(".secret-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o600));
    }
    let mut tmp = builder.tempfile_in(dir)?;
    tmp.write_all(crate::secret::random_urlsafe(48).as_bytes())?;
    tmp.write_all(b"\n")?;
    tmp.as_file().sync_all()?;
    tmp.persist_noclobber(path).map_err(|e| e.error)?;
    Ok(())
}

/// Reads a key file: a regular file (not a symbolic link, which another user could
/// point anywhere), owned by this process's user, readable by nobody else.
fn read(path: &Path) -> Result<String, ServerKeyError> {
    let unreadable = |source| ServerKeyError::Unreadable {
        path: path.to_owned(),
        source,
    };
    let text = read_owned(path).map_err(|e| match e {
        Refusal::Io(source) => unreadable(source),
        Refusal::Exposed(mode) => ServerKeyError::Exposed {
            path: path.to_owned(),
            mode,
        },
        Refusal::Foreign => ServerKeyError::Foreign(path.to_owned()),
    })?;
    let secret = text.trim();
    if secret.len() < MIN_LENGTH {
        return Err(ServerKeyError::TooShort(path.to_owned()));
    }
    Ok(secret.to_owned())
}

enum Refusal {
    Io(std::io::Error),
    Exposed(u32),
    Foreign,
}

#[cfg(unix)]
fn read_owned(path: &Path) -> Result<String, Refusal> {
    use std::io::Read;

    use rustix::fs::{fstat, open, FileType, Mode, OFlags};
    let io = |e: rustix::io::Errno| Refusal::Io(e.into());
    // O_NOFOLLOW: a symbolic link is refused (ELOOP), not followed; the checks below
    // are made on the file actually opened.
    let fd = open(
        path,
        OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NONBLOCK,
        Mode::empty(),
    )
    .map_err(|e| {
        if e == rustix::io::Errno::LOOP {
            Refusal::Io(std::io::Error::other("it is a symbolic link"))
        } else {
            io(e)
        }
    })?;
    let st = fstat(&fd).map_err(io)?;
    if FileType::from_raw_mode(st.st_mode) != FileType::RegularFile {
        return Err(Refusal::Io(std::io::Error::other(
            "it is not a regular file",
        )));
    }
    if st.st_uid != rustix::process::geteuid().as_raw() {
        return Err(Refusal::Foreign);
    }
    let mode = st.st_mode & 0o777;
    if mode & 0o077 != 0 {
        return Err(Refusal::Exposed(mode));
    }
    let mut text = String::new();
    std::fs::File::from(fd)
        .read_to_string(&mut text)
        .map_err(Refusal::Io)?;
    Ok(text)
}

#[cfg(not(unix))]
fn read_owned(path: &Path) -> Result<String, Refusal> {
    std::fs::read_to_string(path).map_err(Refusal::Io)
}
