auth_runtime::chain!(pub Api jwt, session);

fn main() {}
