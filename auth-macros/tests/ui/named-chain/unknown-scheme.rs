auth_runtime::chain!(pub Api = jwt, sesion);

fn main() {}
