//! The plain log line, for a file or a pipe: `2026-12-04T18:52:07.913350Z INFO access:
//! method=GET path=/api/ status=200 us=57 remote=socket://127.0.0.1:43438`. Written
//! with as little of `core::fmt` as it takes, since the access log writes one per
//! request; no colours, no span context (the demo opens no spans).

use std::fmt;

use tracing::{field::Field, Event, Subscriber};
use tracing_subscriber::{
    field::Visit,
    fmt::{format::Writer, FmtContext, FormatEvent, FormatFields},
    registry::LookupSpan,
};

/// The event formatter of [`init`](super::init) when stderr is not a terminal.
pub(super) struct Line;

impl<S, N> FormatEvent<S, N> for Line
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        timestamp(&mut writer)?;
        let meta = event.metadata();
        writer.write_char(' ')?;
        writer.write_str(meta.level().as_str())?;
        writer.write_char(' ')?;
        writer.write_str(meta.target())?;
        writer.write_char(':')?;
        let mut fields = Fields {
            writer: &mut writer,
            result: Ok(()),
        };
        event.record(&mut fields);
        fields.result?;
        writer.write_char('\n')
    }
}

/// Writes each field as ` name=value` (the message bare).
struct Fields<'a, 'w> {
    writer: &'a mut Writer<'w>,
    result: fmt::Result,
}

impl Fields<'_, '_> {
    fn name(&mut self, field: &Field) -> fmt::Result {
        self.writer.write_char(' ')?;
        if field.name() != "message" {
            self.writer.write_str(field.name())?;
            self.writer.write_char('=')?;
        }
        Ok(())
    }
}

impl Visit for Fields<'_, '_> {
    fn record_u64(&mut self, field: &Field, value: u64) {
        if self.result.is_ok() {
            self.result = self
                .name(field)
                .and_then(|()| self.writer.write_str(digits(&mut [0; 20], value)));
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if self.result.is_ok() {
            self.result = self.name(field).and_then(|()| {
                if field.name() == "message" {
                    self.writer.write_str(value)
                } else {
                    write!(self.writer, "{value:?}")
                }
            });
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if self.result.is_ok() {
            self.result = self
                .name(field)
                .and_then(|()| write!(self.writer, "{value:?}"));
        }
    }
}

/// `value` in decimal, written into the end of `buf`.
fn digits(buf: &mut [u8; 20], mut value: u64) -> &str {
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    // Only ASCII digits were written.
    std::str::from_utf8(&buf[at..]).unwrap_or("0")
}

/// The current time in UTC, RFC 3339 with microseconds, as tracing's default prints it.
fn timestamp(writer: &mut Writer<'_>) -> fmt::Result {
    let now = time::OffsetDateTime::now_utc();
    let mut out = *b"0000-00-00T00:00:00.000000Z";
    let mut put = |at: usize, width: usize, mut value: u32| {
        for i in (at..at + width).rev() {
            out[i] = b'0' + (value % 10) as u8;
            value /= 10;
        }
    };
    put(0, 4, u32::try_from(now.year()).unwrap_or(0));
    put(5, 2, u32::from(u8::from(now.month())));
    put(8, 2, u32::from(now.day()));
    put(11, 2, u32::from(now.hour()));
    put(14, 2, u32::from(now.minute()));
    put(17, 2, u32::from(now.second()));
    put(20, 6, now.microsecond());
    writer.write_str(std::str::from_utf8(&out).unwrap_or(""))
}

#[cfg(test)]
mod tests {
    use super::digits;

    #[test]
    fn numbers_in_decimal() {
        assert_eq!(digits(&mut [0; 20], 0), "0");
        assert_eq!(digits(&mut [0; 20], 57), "57");
        assert_eq!(digits(&mut [0; 20], u64::MAX), "18446744073709551615");
    }
}
