auth_runtime::chain!(pub Api = jwt, session, jwt);

fn main() {}
