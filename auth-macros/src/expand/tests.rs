use super::*;

fn expand(src: &str) -> String {
    let input: TokenStream = src.parse().unwrap();
    secured(TokenStream::new(), input).to_string()
}

#[test]
fn hash_is_short_and_stable() {
    assert_eq!(short_hash("impl Api {}").len(), 8);
    assert_eq!(short_hash("impl Api {}"), short_hash("impl Api {}"));
    assert_ne!(short_hash("impl Api {}"), short_hash("impl Other {}"));
}

#[test]
fn generates_policy_and_guard() {
    let out = expand(
        r#"
        #[OpenApi]
        impl Api {
            #[authenticated(jwt, session)]
            #[permission(IsAuthenticated & !IsAdmin | IsAdmin)]
            #[oai(path = "/p", method = "get")]
            async fn profile(&self, user: Principal) {}

            #[public]
            #[oai(path = "/o", method = "get")]
            async fn open(&self) {}
        }
        "#,
    )
    .replace(' ', "");
    assert!(
        out.contains("typeChain=(::auth_runtime::schemes::Jwt,::auth_runtime::schemes::Session,);"),
        "{out}"
    );
    // Every clause is wrapped with its source text, so a refusal can name the clause that failed.
    let expr = out.replace("::auth_runtime::__private::", "");
    assert!(
        expr.contains(concat!(
            r#"Clause(Or(Clause(And(Clause(__auth_permission_0(),"IsAuthenticated"),"#,
            r#"Clause(Not(Clause(__auth_permission_1(),"IsAdmin")),"!IsAdmin")),"#,
            r#""IsAuthenticated&!IsAdmin"),Clause(__auth_permission_2(),"IsAdmin")),"#,
            r#""IsAuthenticated&!IsAdmin|IsAdmin")"#,
        )),
        "{out}"
    );
    assert!(
        out.contains("fn__auth_permission_1()->impl::auth_runtime::__private::Permission{IsAdmin}"),
        "{out}"
    );
    assert!(out.contains("asyncfnprofile(&self,__auth_guard:::auth_runtime::__private::Guard<__AuthPolicy_profile_"), "{out}");
    assert!(out.contains("asyncfnopen(&self)"), "{out}");
    assert!(out.contains("#[OpenApi]"), "{out}");
    assert!(!out.contains("authenticated(jwt"), "{out}");
    assert!(
        out.contains("#[authenticated(__processed_by_secured)]"),
        "{out}"
    );
    assert!(
        out.contains("#[permission(__processed_by_secured)]"),
        "{out}"
    );
    assert!(out.contains("#[public(__processed_by_secured)]"), "{out}");
}

#[test]
fn defaults() {
    let out = expand(
        r#"
        #[OpenApi]
        impl Api {
            #[authenticated]
            #[oai(path = "/a", method = "get")]
            async fn a(&self) {}
            #[permission(IsAdmin)]
            #[oai(path = "/b", method = "get")]
            async fn b(&self) {}
        }
        "#,
    )
    .replace(' ', "");
    assert_eq!(
        out.matches("typeChain=::auth_runtime::__private::DefaultChain;")
            .count(),
        2,
        "{out}"
    );
    assert!(
        out.contains("::auth_runtime::__private::DefaultPermission"),
        "{out}"
    );
}

#[test]
fn errors_keep_the_item() {
    let out = expand(
        r#"
        #[OpenApi]
        impl Api {
            #[authenticated(jtw)]
            #[oai(path = "/a", method = "get")]
            async fn a(&self) {}
            #[oai(path = "/b", method = "get")]
            async fn b(&self) {}
        }
        "#,
    );
    assert_eq!(out.matches("compile_error").count(), 2, "{out}");
    assert!(out.contains("async fn a (& self)"), "{out}");
    assert!(!out.contains("__AuthPolicy"), "{out}");
}
