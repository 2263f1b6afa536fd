//! Throttle state in Redis, shared by every instance: GCRA for request rates and sorted
//! sets of reserved login attempts, each updated by one Lua script so that
//! concurrent instances cannot race. Time is Redis's own clock (`TIME`), so instances
//! need not agree on theirs.

use std::time::Duration;

use redis::{aio::ConnectionManager, Script};

use super::{
    login::{LoginKeys, LoginLimits, Refused, Reserved, WindowKey},
    Rate,
};

pub(super) struct Redis {
    conn: ConnectionManager,
    prefix: String,
    gcra: Script,
    reserve: Script,
    release: Script,
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

/// The login reservation (see `login.rs`): KEYS are the `(username, address)`,
/// `address` and `username` windows; ARGV the member, then per key its window in ms (0:
/// no limit) and its limit (0: soft, never refuses), then how many entries the soft
/// window keeps. Either every hard window has room
/// and the member is added to all three, or nothing changes and the wait is returned.
/// Returns `{wait_ms, pair_count, user_count}`, the counts from before this attempt.
const RESERVE: &str = r"
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local wait = 0
local counts = {0, 0, 0}
for i = 1, 3 do
  local window = tonumber(ARGV[2 * i])
  if window > 0 then
    redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - window)
    local n = redis.call('ZCARD', KEYS[i])
    counts[i] = n
    local limit = tonumber(ARGV[2 * i + 1])
    if limit > 0 and n >= limit then
      local freeing = redis.call('ZRANGE', KEYS[i], n - limit, n - limit, 'WITHSCORES')
      local w = tonumber(freeing[2]) + window - now
      if w > wait then wait = w end
    end
  end
end
if wait > 0 then return {wait, counts[1], counts[3]} end
for i = 1, 3 do
  local window = tonumber(ARGV[2 * i])
  if window > 0 then
    redis.call('ZADD', KEYS[i], now, ARGV[1])
    redis.call('PEXPIRE', KEYS[i], window)
  end
end
redis.call('ZREMRANGEBYRANK', KEYS[3], 0, -(tonumber(ARGV[8]) + 1))
return {0, counts[1], counts[3]}
";

/// Gives a reservation back: removes the member from every window.
const RELEASE: &str = r"
for i = 1, 3 do redis.call('ZREM', KEYS[i], ARGV[1]) end
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
            reserve: Script::new(RESERVE),
            release: Script::new(RELEASE),
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

    fn login_key(&self, k: &WindowKey) -> String {
        let hex: String = k.iter().map(|b| format!("{b:02x}")).collect();
        format!("{}:login:{hex}", self.prefix)
    }

    pub(super) async fn reserve(
        &self,
        keys: &LoginKeys,
        limits: &LoginLimits,
        id: u64,
    ) -> Result<Result<Reserved, Refused>, redis::RedisError> {
        let mut conn = self.conn.clone();
        let mut call = self.reserve.prepare_invoke();
        for k in [keys.pair, keys.address, keys.user] {
            call.key(self.login_key(&k));
        }
        call.arg(id);
        for (rate, hard) in [
            (limits.pair, true),
            (limits.address, true),
            (limits.user, false),
        ] {
            match rate {
                Some(r) => call
                    .arg(millis(r.period()))
                    .arg(if hard { r.count } else { 0 }),
                None => call.arg(0).arg(0),
            };
        }
        let soft_keep = limits.user.map_or(0, |r| r.count) + 32;
        call.arg(soft_keep);
        let (wait, pair, user): (u64, u64, u64) = call.invoke_async(&mut conn).await?;
        Ok(if wait > 0 {
            Err(Refused::Limit(Duration::from_millis(wait)))
        } else {
            Ok(Reserved {
                pair_failures: pair,
                user_failures: user,
            })
        })
    }

    pub(super) async fn release(&self, keys: &LoginKeys, id: u64) -> Result<(), redis::RedisError> {
        let mut conn = self.conn.clone();
        let mut call = self.release.prepare_invoke();
        for k in [keys.pair, keys.address, keys.user] {
            call.key(self.login_key(&k));
        }
        let _: i64 = call.arg(id).invoke_async(&mut conn).await?;
        Ok(())
    }
}
