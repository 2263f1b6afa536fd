struct IsOwner;

auth_runtime::permissions!(pub Editors = auth_runtime::IsAuthenticated & IsOwner);

fn main() {}
