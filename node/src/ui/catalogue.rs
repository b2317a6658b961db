//! The pages' message catalogue: every text a page shows, in Japanese (the default) and
//! English, side by side, one line per message. The templates are written once and take
//! their words from here; a message missing in either language does not compile.
//! `{}`-style placeholders are filled with [`fill`].

macro_rules! catalogue {
    (messages { $($key:ident: $ja:literal, $en:literal;)* }
     codes { $($code:ident: $cja:literal, $cen:literal;)* }) => {
        /// Every message of the pages, in one language.
        #[derive(Debug)]
        pub struct Messages {
            pub lang: &'static str,
            $(pub $key: &'static str,)*
            codes: &'static [(&'static str, &'static str)],
        }

        pub static JA: Messages = Messages {
            lang: "ja",
            $($key: $ja,)*
            codes: &[$((stringify!($code), $cja),)*],
        };

        pub static EN: Messages = Messages {
            lang: "en",
            $($key: $en,)*
            codes: &[$((stringify!($code), $cen),)*],
        };
    };
}

impl Messages {
    /// The text for a stable code (an API error, a dose warning, an import rejection,
    /// a record status), or `None` for a code the catalogue does not know.
    pub fn code(&self, code: &str) -> Option<&'static str> {
        self.codes.iter().find(|(c, _)| *c == code).map(|(_, text)| *text)
    }

    /// The text for `code`, else `fallback` (the English message the code came with).
    pub fn code_or<'a>(&self, code: &str, fallback: &'a str) -> &'a str {
        self.code(code).unwrap_or(fallback)
    }
}

/// Replaces each `{}` in `template` with the next of `args`.
pub fn fill(template: &str, args: &[&dyn std::fmt::Display]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    let mut args = args.iter();
    while let Some(i) = rest.find("{}") {
        out.push_str(&rest[..i]);
        if let Some(a) = args.next() {
            out.push_str(&a.to_string());
        }
        rest = &rest[i + 2..];
    }
    out.push_str(rest);
    out
}

catalogue! {
messages {
    app_name: "ワクチン接種記録システム", "Vaccination Record System";
    skip_to_content: "本文へ移動", "Skip to content";
    switch_language: "English", "日本語";
    signed_in_as: "{}（{}）でサインイン中", "Signed in as {} ({})";
    sign_in: "サインイン", "Sign in";
    sign_out: "サインアウト", "Sign out";
    sign_in_with_password: "利用者名とパスワード", "User name and password";
    sign_in_with_token: "APIトークン", "API token";
    user_name: "利用者名", "User name";
    password: "パスワード", "Password";
    password_again: "パスワード（確認）", "Password (again)";
    token: "トークン", "Token";
    sign_in_failed: "利用者名、パスワードまたはトークンが正しくありません。", "The user name, password or token is not right.";
    sign_in_throttled: "失敗が続いたため、{}分ほど待ってからもう一度お試しください。", "Too many failed attempts: try again in about {} minutes.";
    form_expired: "画面の有効期限が切れました。ページを読み込み直してから、もう一度お試しください。", "This form has expired. Reload the page and try again.";
    session_ended: "サインインの有効期限が切れました。もう一度サインインしてください。", "Your session has ended. Please sign in again.";
    role_admin: "管理者", "administrator";
    role_staff: "自治体職員", "municipal staff";
    role_site: "接種会場", "vaccination site";
    role_auditor: "監査担当", "auditor";
    menu: "メニュー", "Menu";
    municipal_menu: "自治体メニュー", "Municipal menu";
    site_menu: "接種会場メニュー", "Vaccination site menu";
    users: "利用者の管理", "Users";
    audit_log: "アクセス記録", "Access log";
    forbidden: "この操作を行う権限がありません。", "You do not have the right to do this.";
    not_found_page: "ページが見つかりません。", "Page not found.";
    error_title: "エラー", "Error";
    back: "戻る", "Back";
    save: "保存", "Save";
    cancel: "取り消す", "Cancel";
    print: "印刷", "Print";
    none_yet: "まだありません。", "None yet.";
    created_at: "作成日時", "Created";
    role: "役割", "Role";
    status: "状態", "Status";
    users_intro: "利用者の追加と、画面へのサインインに使うパスワードの設定を行います。", "Add users and set the passwords they sign in to these pages with.";
    add_user: "利用者を追加", "Add a user";
    user_added: "利用者 {} を追加しました。次のAPIトークンは今だけ表示されます。安全な方法で本人に渡してください。", "User {} was added. The API token below is shown only now: hand it over safely.";
    set_password: "パスワードを設定", "Set password";
    password_set: "{} のパスワードを設定しました。この利用者のサインイン中の画面はすべて終了しました。", "The password of {} is set; every session of this user has ended.";
    password_rule: "12文字以上。利用者名と同じものは使えません。", "At least 12 characters, not the user name.";
    passwords_differ: "2つのパスワードが一致しません。", "The two passwords differ.";
    has_password: "パスワード", "Password";
    password_set_on: "設定済み（{}）", "set ({})";
    password_not_set: "未設定", "not set";
    disabled: "無効", "disabled";
    enabled: "有効", "enabled";
    name_rule: "1〜100文字", "1 to 100 characters";
    user_exists: "その利用者名は既に使われています。", "That user name is already taken.";
}
codes {
    password_too_short: "パスワードは12文字以上にしてください。", "A password must be at least 12 characters.";
    password_too_long: "パスワードは128文字以内にしてください。", "A password must be at most 128 characters.";
    password_control_characters: "パスワードに制御文字は使えません。", "A password may not contain control characters.";
    password_same_as_name: "利用者名と同じパスワードは使えません。", "A password may not be the user name.";
    invalid_name: "利用者名は1〜100文字の表示できる文字にしてください。", "A user name must be 1 to 100 printable characters.";
    invalid_role: "役割を選んでください。", "Choose a role.";
    internal: "システムエラーが発生しました。時間をおいて再度お試しください。", "A system error occurred; please try again later.";
    database_unavailable: "データベースが混み合っています。少し待ってから再度お試しください。", "The database is busy; please try again shortly.";
}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_every_code() {
        assert_eq!(JA.codes.len(), EN.codes.len());
        for (code, _) in JA.codes {
            assert!(EN.code(code).is_some(), "{code}");
        }
        assert_eq!(JA.code("nope"), None);
        assert_eq!(EN.code_or("nope", "fallback"), "fallback");
    }

    #[test]
    fn fill_replaces_in_order() {
        assert_eq!(fill("{} of {}", &[&1, &"two"]), "1 of two");
        assert_eq!(fill("no holes", &[&1]), "no holes");
        assert_eq!(fill("{} {}", &[&"only"]), "only ");
    }
}
