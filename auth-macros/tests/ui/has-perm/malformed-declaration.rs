//! A declared permission's name is checked where it is declared.

mod perms {
    auth_runtime::declare_permissions! {
        pub ALL {
            PUBLISH: "Articles.Publish" => "Publish an article",
        }
    }
}

fn main() {
    let _ = perms::ALL;
}
