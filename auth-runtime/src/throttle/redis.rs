//! Throttle state in Redis, shared by every instance: GCRA for request rates and sorted
//! sets of timestamps for failed logins, each updated by one Lua script so that
//! concurrent instances cannot race. Time is Redis's own clock (`TIME`), so instances
//! need not agree on theirs.

use std::time::Duration;

use redis::{aio::ConnectionManager, Script};

use super::Rate;

pub(super) struct Redis {
    conn: ConnectionManager,
    prefix: String,
    gcra: Script,
    blocked: Script,
    record: Script,
}

/// GCRA (the algorithm of redis-cell): the theoretical arrival time of the next
/// request, kept per key. Returns 0 when allowed, else the milliseconds to wait.
const GCRA: &str = r"
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local allow_at = tat + interval - burst * interval
if now < allow_at then return allow_at - now end
local new_tat = tat + interval
redis.call('SET', KEYS[1], new_tat, 'PX', new_tat - now + 1000)
return 0
";

/// Milliseconds until the oldest failure in the window leaves it, when there are
/// `count` of them; else 0.
const BLOCKED: &str = r"
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local window = tonumber(ARGV[1])
local count = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < count then return 0 end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return tonumber(oldest[2]) + window - now
";

const RECORD: &str = r"
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local window = tonumber(ARGV[1])
redis.call('ZADD', KEYS[1], now, t[1] .. '.' .. t[2] .. '.' .. ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
redis.call('PEXPIRE', KEYS[1], window)
return 0
";

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl Redis {
    pub(super) async fn connect(url: &str, prefix: &str) -> Result<Self, redis::RedisError> {
        let client = redis::Client::open(url)?;
        let conn = ConnectionManager::new(client).await?;
        Ok(Self {
            conn,
            prefix: prefix.to_owned(),
            gcra: Script::new(GCRA),
            blocked: Script::new(BLOCKED),
            record: Script::new(RECORD),
        })
    }

    pub(super) async fn hit(
        &self,
        key: &str,
        rate: Rate,
    ) -> Result<Result<(), Duration>, redis::RedisError> {
        let interval = (millis(rate.period()) / u64::from(rate.count.max(1))).max(1);
        let mut conn = self.conn.clone();
        let wait: u64 = self
            .gcra
            .key(format!("{}:throttle:{key}", self.prefix))
            .arg(interval)
            .arg(rate.count)
            .invoke_async(&mut conn)
            .await?;
        Ok(if wait == 0 {
            Ok(())
        } else {
            Err(Duration::from_millis(wait))
        })
    }

    pub(super) async fn blocked(
        &self,
        key: &str,
        rate: Rate,
    ) -> Result<Option<Duration>, redis::RedisError> {
        let mut conn = self.conn.clone();
        let wait: i64 = self
            .blocked
            .key(format!("{}:failures:{key}", self.prefix))
            .arg(millis(rate.period()))
            .arg(rate.count)
            .invoke_async(&mut conn)
            .await?;
        Ok((wait > 0).then(|| Duration::from_millis(u64::try_from(wait).unwrap_or(0))))
    }

    pub(super) async fn record(&self, key: &str, rate: Rate) -> Result<(), redis::RedisError> {
        let mut conn = self.conn.clone();
        let _: i64 = self
            .record
            .key(format!("{}:failures:{key}", self.prefix))
            .arg(millis(rate.period()))
            .arg(crate::secret::random_hex(4))
            .invoke_async(&mut conn)
            .await?;
        Ok(())
    }
}
