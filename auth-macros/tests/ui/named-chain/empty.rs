auth_runtime::chain!(pub Api = );

fn main() {}
