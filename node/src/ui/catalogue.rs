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
    site_settings: "本日の設定", "Today's settings";
    site_name: "接種会場", "Site";
    doctor: "医師名", "Doctor";
    product: "ワクチン", "Vaccine";
    lot: "ロット番号", "Lot";
    vaccinated_on: "接種日", "Date";
    settings_saved: "本日の設定を保存しました。", "Today's settings are saved.";
    settings_needed: "先に本日の設定（会場・医師・ワクチン・ロット）を保存してください。", "First save today's settings (site, doctor, vaccine, lot).";
    settings_summary: "{}・{}・ロット {}・{}", "{} · {} · lot {} · {}";
    ocr_line: "接種券のOCR番号（18桁）", "Coupon OCR line (18 digits)";
    ocr_help: "バーコードリーダーで読み取るか、数字を入力してEnterを押してください。", "Scan the coupon's barcode, or type the digits and press Enter.";
    ocr_check: "確認へ", "Check";
    ocr_count: "{}／18桁", "{} of 18 digits";
    ocr_ok: "形式は正しいです（市町村コード {}、{}回目）。Enterで確認へ進みます。", "The line is well-formed (municipality {}, dose {}). Press Enter to check it.";
    ocr_bad_digits: "数字以外の文字が含まれています。", "The line contains something other than digits.";
    ocr_bad_check: "市町村コードの検査数字が合いません。読み取り直してください。", "The municipality code fails its check digit: read the coupon again.";
    ocr_bad_dose: "回数（2桁目）が0になっています。", "The dose number (2nd digit) is 0.";
    ocr_bad_length: "18桁になっていません。", "The line is not 18 digits.";
    confirm_title: "接種内容の確認", "Confirm the dose";
    dose_number: "{}回目", "Dose {}";
    coupon_municipality: "接種券の自治体", "Coupon's municipality";
    will_record: "この自治体の住民の接種として記録されます。", "It will be recorded for a resident of this municipality.";
    will_unmatched: "この接種券はまだ登録されていません。登録待ちとして保存し、住民が登録されたときに自動で照合します。", "This coupon is not registered yet: the dose is kept as unmatched and matched when the resident is registered.";
    will_forward: "他の自治体（{}）の接種券です。その自治体へ送付されます。", "This is another municipality's coupon ({}): the dose will be sent there.";
    warnings_title: "確認が必要な点", "Points to check";
    warnings_note: "このまま記録すると、自治体の要確認一覧に載ります。", "If recorded as it is, the dose goes on the municipality's review list.";
    record: "記録する", "Record";
    recorded_notice: "記録しました：{}（{}）", "Recorded: {} ({})";
    today_entries: "本日の記録", "Today's entries";
    time: "時刻", "Time";
    coupon: "券番号", "Coupon";
    needs_review: "要確認", "Needs review";
    no_review: "—", "—";
}
codes {
    recorded: "記録済み", "recorded";
    unmatched: "登録待ち", "unmatched";
    forwarded: "送付済み", "forwarded";
    queued: "送付待ち", "queued";
    cancelled: "取消", "cancelled";
    invalid_ocr_line: "OCR番号が正しくありません（18桁の数字、市町村コードの検査数字、実在する市町村）。", "The OCR line is not valid (18 digits, the municipality's check digit, a real municipality).";
    unknown_product: "ワクチンの種類が登録されていません。", "Unknown vaccine product.";
    invalid_date: "日付が正しくありません（実在する日付で、未来でなく、承認日以降）。", "The date is not valid (a real date, not in the future, not before the product's approval).";
    invalid_lot: "ロット番号は英数字とハイフンで30文字以内にしてください。", "A lot number is 1-30 letters, digits or '-'.";
    invalid_text: "会場名・医師名に使えない文字があるか、長すぎます。", "The site or doctor contains characters that are not allowed, or is too long.";
    duplicate: "この接種（同じ人・同じ回数・同じ日）は既に記録されています。", "This dose (same person, dose number and date) is already recorded.";
    idempotency_key_reused: "同じ確認画面から別の内容は記録できません。もう一度読み取ってください。", "This confirmation was used for another dose; read the coupon again.";
    dose_order: "接種の順序が、既に記録されている接種と合いません。", "The dose is out of order with the doses already recorded.";
    dose_number_used: "この回数は別の日に既に記録されています。", "This dose number is already recorded on another date.";
    dose_number_mismatch: "回数が、これまでの接種歴と合いません。", "The dose number does not follow the person's history.";
    interval_too_short: "前回の接種からの間隔が、このワクチンの最短間隔より短いです。", "The interval since the last dose is shorter than the product's minimum.";
    age_below_minimum: "このワクチンの対象年齢に達していません。", "The person is below the product's minimum age.";
    age_above_maximum: "このワクチンの対象年齢を超えています。", "The person is above the product's maximum age.";
    after_moved_out_or_deceased: "転出または死亡の後の日付の接種です。", "The dose is dated after the person moved out or died.";
    resident_removed: "この方は住民登録から除かれています。", "The person is removed from the register.";
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
