auth_runtime::permissions! {
    pub Editors = auth_runtime::IsAuthenticated && auth_runtime::IsAdmin;
    pub Nobody = ;
}

fn main() {}
