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
    role_monitoring: "監視", "monitoring";
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
    user_limit: "有効なトークンを持つ利用者が上限の {} 人に達しています。利用者のトークンを失効させるか、設定 auth.max_users を見直してください。", "{} users already hold a live token, the node's limit; revoke a token or raise auth.max_users.";
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
    action: "操作", "Action";
    age_band: "年齢（接種時）", "Age (at the dose)";
    atena: "個別宛名番号", "Resident number (個別宛名番号)";
    basis_consent: "本人の同意を得た", "The person consented";
    basis_impracticable: "本人の同意を得ることが困難（番号法19条）", "Consent cannot practicably be obtained (My Number Act art. 19)";
    birth_date: "生年月日", "Date of birth";
    bring_in_for: "回答の接種歴を取り込む住民の個別宛名番号", "Resident number whose history receives the answered doses";
    brought_in: "{}件の接種をこの住民の接種歴に取り込みました。", "{} doses were added to this resident's history.";
    bulk_blurb: "マイナンバーの一覧で、まとめて照会します。", "Ask about many people at once from a list of My Numbers.";
    bulk_consent_ok: "同意の記録を確認しました。照会するファイルを選んでください。", "The consent statement is checked. Choose the file to ask about.";
    bulk_download: "結果をダウンロード（CSV）", "Download the results (CSV)";
    bulk_file: "照会ファイル（市町村コード,マイナンバー の CSV）", "Inquiry file (CSV of municipality code, My Number)";
    bulk_intro: "ファイルの全員に共通する同意の根拠を記録してから、ファイルを送ります。", "State the consent basis that covers everyone in the file, then send the file.";
    bulk_progress: "{}／{}件 回答済み", "{} of {} answered";
    bulk_ticket_gone: "この照会の受付は期限切れか使用済みです。最初からやり直してください。", "This batch's slot has expired or was used; start again.";
    bulk_title: "一括照会", "Bulk inquiry";
    bulk_working: "照会しています…", "Asking…";
    by_atena: "個別宛名番号で探す", "By resident number";
    by_coupon: "券番号で探す", "By coupon number";
    by_dose: "回数別", "By dose number";
    by_kana: "カナ氏名と生年月日で探す", "By kana name and date of birth";
    by_old_coupon: "旧券番号と生年月日", "Former coupon number and date of birth";
    by_product: "ワクチン別", "By vaccine";
    cancel_confirm: "この接種記録を取り消します。よろしいですか。", "Cancel this dose record?";
    cancel_dose: "取り消す", "Cancel the dose";
    cancel_title: "記録の取消", "Cancel the record";
    certificate_intro: "接種証明書（SMART Health Card）です。接種した人のスマートフォンで読み取るか、印刷して渡してください。", "The vaccination certificate (SMART Health Card): scan it with the holder's phone, or print it.";
    certificate_title: "接種証明書", "Vaccination certificate";
    code_label: "コード", "Code";
    column: "項目", "Column";
    consent_method: "同意の方法", "How consent was given";
    consent_obtained_at: "同意を得た日時", "When consent was obtained";
    consent_reason: "理由", "Reason";
    consent_reason_rule: "同意を得ることが困難な場合は必須", "required when consent cannot be obtained";
    consent_title: "同意の根拠", "Consent basis";
    correct_title: "記録の修正", "Correct the record";
    coverage: "接種率", "Coverage";
    coverage_note: "1回目の接種数を、現在の登録住民数で割った値です（年齢は接種時点と現在で異なります）。", "First doses divided by the residents registered now (ages at the dose and now differ).";
    coverage_title: "年齢別の1回目接種率", "First-dose coverage by age";
    detail: "詳細", "Detail";
    dose_col: "回数", "Dose";
    dose_title: "接種記録", "Dose record";
    doses_per_day: "日別の接種数", "Doses per day";
    doses_title: "接種歴", "Vaccination history";
    family_kana: "姓（カナ）", "Family name (kana)";
    first_doses: "1回目", "First doses";
    former_municipality: "照会先（転出元）の自治体", "Former municipality";
    given_in: "接種した自治体", "Given in";
    given_kana: "名（カナ）", "Given name (kana)";
    history_title: "修正の履歴", "Change history";
    holder_request: "本人からの請求として発行する", "Issue at the holder's own request";
    import_blurb: "住民記録システムのCSVから接種対象者を登録します。", "Register residents from the resident register's CSV.";
    import_button: "取り込む", "Import";
    import_charset: "文字コード", "Encoding";
    import_charset_auto: "自動判定", "Detect";
    import_done: "取り込みました：新規 {}件、更新 {}件、変更なし {}件。", "Imported: {} new, {} updated, {} unchanged.";
    import_file: "住民CSVファイル", "Residents CSV file";
    import_hint_skip: "誤りのある行だけを除いて取り込むには「誤りのある行を除いて取り込む」を選んでください。", "To import the valid rows and leave out the rest, choose \"import the valid rows\".";
    import_intro: "1行に1人、個別宛名番号・マイナンバー・氏名・カナ・生年月日・性別・券番号・転出/死亡フラグの順です。Shift_JIS と UTF-8 のどちらでも読めます。", "One person a row: resident number, My Number, name, kana, date of birth, sex, coupon number, moved-out/deceased flag. Shift_JIS and UTF-8 are both read.";
    import_mode: "誤りのある行があるとき", "When some rows are wrong";
    import_mode_abort: "何も取り込まない（既定）", "Import nothing (default)";
    import_mode_skip: "誤りのある行を除いて取り込む", "Import the valid rows";
    import_nothing_written: "ファイルを読めなかったため、何も取り込んでいません。", "The file could not be read; nothing was imported.";
    import_rejected_none_written: "{}行に誤りがあるため、何も取り込んでいません。", "{} rows are wrong, so nothing was imported.";
    import_rejected_skipped: "誤りのある{}行は取り込んでいません。", "{} wrong rows were left out.";
    import_title: "住民の取り込み", "Import residents";
    inactive: "無効", "inactive";
    inquiry_answer: "照会の回答", "Answer";
    inquiry_blurb: "転入者の接種歴を転出元の自治体に照会します。", "Ask a newcomer's former municipality for their doses.";
    inquiry_id: "照会番号", "Inquiry id";
    inquiry_key: "本人の特定", "Who is asked about";
    inquiry_not_found: "該当する方は見つかりませんでした。", "Nobody matching was found.";
    inquiry_send: "照会する", "Ask";
    inquiry_title: "転入者の接種歴照会", "Transfer-in inquiry";
    inquiry_withheld: "照会先の自治体が回答を差し控えました（支援措置の対象など）。", "The former municipality withheld the answer (e.g. a protected person).";
    issued_at: "発行日時", "Issued";
    issuer: "発行自治体", "Issued by";
    kana: "氏名（カナ）", "Name (kana)";
    key_id: "署名鍵", "Signing key";
    line: "行", "Line";
    mark_reviewed: "内容を確認した（要確認を解除する）", "Checked: clear the review flag";
    method_electronic: "電子", "Electronic";
    method_none: "なし", "None";
    method_oral: "口頭", "Oral";
    method_written: "書面", "Written";
    municipality_code_rule: "6桁の団体コード（例：131016）", "6-digit code, e.g. 131016";
    my_number: "マイナンバー", "My Number";
    name: "氏名", "Name";
    next: "次へ", "Next";
    no_doses: "接種の記録はまだありません。", "No doses recorded yet.";
    nobody_found: "該当する住民は見つかりませんでした。", "No resident found.";
    optional: "（任意）", "(optional)";
    problem: "誤りの内容", "Problem";
    protected_person: "この方は支援措置の対象のため、本人からの請求がある場合にのみ証明書を発行します。", "This person is protected: a certificate is issued only at the holder's own request.";
    qr_code: "QRコード", "QR code";
    reason: "理由", "Reason";
    recorded_by: "記録者", "Recorded by";
    rejected_rows: "取り込めなかった行", "Rejected rows";
    residents_registered: "登録住民数", "Registered residents";
    results: "検索結果", "Results";
    resident_title: "住民の情報", "Resident";
    review_blurb: "要修正・要確認の接種記録を確認し、修正します。", "Check and correct flagged dose records.";
    review_intro: "自動チェックで要修正・要確認となった接種記録です。内容を確認し、理由を添えて修正してください。", "Dose records the automatic checks flagged. Check each, and correct it with a reason.";
    review_title: "要修正・要確認", "Review queue";
    search: "検索", "Search";
    search_blurb: "住民の接種歴と接種券を表示します。", "See a resident's doses and coupons.";
    search_title: "住民の検索", "Find a resident";
    sex: "性別", "Sex";
    sex_f: "女", "female";
    sex_m: "男", "male";
    sex_u: "不明", "unknown";
    show_table: "表で見る", "Show as a table";
    site_blurb: "接種券を読み取り、接種を記録します。", "Read coupons and record doses.";
    source: "記録元", "Source";
    source_delivered: "他自治体から送付", "Sent by another municipality";
    source_file: "ファイル取込", "File upload";
    source_inquiry: "転入照会", "Transfer-in inquiry";
    source_other: "その他", "Other";
    source_site: "接種会場", "Vaccination site";
    stats_blurb: "この自治体の接種数と接種率を表示します。", "This municipality's doses and coverage.";
    stats_title: "接種の統計", "Statistics";
    total_doses: "接種数の合計", "Total doses";
    unmatched_blurb: "まだ登録されていない接種券で記録された接種です。", "Doses recorded on coupons not registered yet.";
    unmatched_intro: "接種券がまだ登録されていない接種です。住民を取り込むと自動で照合されます。", "Doses whose coupon is not registered yet; they are matched when the resident is imported.";
    unmatched_title: "登録待ち", "Unmatched";
    upload_failed: "送信できませんでした。接続を確認して、もう一度お試しください。", "The upload failed; check the connection and try again.";
    upload_sending: "送信しています…", "Sending…";
    upload_working: "処理しています…", "Processing…";
    saved: "保存しました。", "Saved.";
}
codes {
    active: "在住", "active";
    moved_out: "転出", "moved out";
    deceased: "死亡", "deceased";
    removed: "消除", "removed";
    found: "該当あり", "found";
    not_found: "該当なし", "not found";
    withheld: "回答差し控え", "withheld";
    invalid: "誤りのある行", "invalid row";
    unknown_municipality: "照会先の自治体がフェデレーションに参加していないか、この自治体自身です。", "The municipality is not in the federation, or is this one.";
    node_unreachable: "照会先の自治体のノードから時間内に回答がありませんでした。しばらくしてから再度お試しください。", "The former municipality's node did not answer in time; try again later.";
    consent_required: "同意の根拠が必要です。", "A consent basis is required.";
    invalid_consent: "同意の記録に誤りがあります（方法・日時、同意困難の場合は理由）。", "The consent statement is incomplete (method, time, and a reason when consent is impracticable).";
    invalid_my_number: "マイナンバーが正しくありません（12桁・検査数字）。", "The My Number is not valid (12 digits with a check digit).";
    invalid_municipality: "団体コードが正しくありません（6桁・検査数字）。", "The municipality code is not valid (6 digits with a check digit).";
    invalid_subject: "マイナンバー、または旧券番号と生年月日を入力してください。", "Give a My Number, or a former coupon number with the date of birth.";
    invalid_atena: "個別宛名番号は1〜15桁の数字です。", "A resident number is 1 to 15 digits.";
    invalid_coupon: "券番号は10桁の数字です。", "A coupon number is 10 digits.";
    invalid_kana: "カナ氏名はカタカナで入力してください。", "Enter the kana name in katakana.";
    invalid_search: "検索の条件が足りません。", "The search needs more detail.";
    reason_required: "理由を入力してください（500文字以内）。", "Give a reason (up to 500 characters).";
    conflict: "この記録は他の操作と競合しました。表示し直してから再度お試しください。", "The record changed meanwhile; reload and try again.";
    protected_person: "支援措置の対象の方です。", "This person is protected.";
    inquiry_failed: "照会先の自治体が照会を拒否しました。", "The former municipality refused the inquiry.";
    invalid_csv: "CSVファイルとして読めません。", "The file cannot be read as CSV.";
    too_many_rows: "行数が多すぎます。ファイルを分けてください。", "Too many rows: split the file.";
    body_too_large: "ファイルが大きすぎます。", "The file is too large.";
    unsupported_media_type: "CSVファイルを選んでください。", "Choose a CSV file.";
    unsupported_charset: "文字コードは UTF-8 か Shift_JIS にしてください。", "The encoding must be UTF-8 or Shift_JIS.";
    invalid_check_digit: "検査数字が合いません。", "The check digit is wrong.";
    invalid_flag: "転出/死亡フラグは空欄・1・2・3のいずれかです。", "The moved-out/deceased flag is empty, 1, 2 or 3.";
    invalid_sex: "性別は 1・2・0・9 のいずれかです。", "Sex is 1, 2, 0 or 9.";
    missing_value: "必須の項目が空欄です。", "A required column is empty.";
    too_long: "長すぎます。", "Too long.";
    coupon_in_use: "この券番号は別の住民が使っています。", "This coupon number belongs to another resident.";
    duplicate_atena: "同じ個別宛名番号がファイル内に複数あります。", "The same resident number appears more than once in the file.";
    duplicate_coupon: "同じ券番号がファイル内に複数あります。", "The same coupon number appears more than once in the file.";
    duplicate_my_number: "同じマイナンバーがファイル内に複数あります。", "The same My Number appears more than once in the file.";
    my_number_in_use: "このマイナンバーは別の住民に登録されています。", "This My Number is registered to another resident.";
    empty_file: "ファイルが空です。", "The file is empty.";
    no_data_rows: "見出し行しかありません。", "The file has a header but no data rows.";
    invalid_encoding: "文字コードが正しくありません。", "The row's encoding is not valid.";
    line_too_long: "長すぎる行があるため、読み込みを中止しました。", "A line is too long; reading stopped.";
    read_error: "ファイルを最後まで受け取れませんでした。", "The upload could not be read to the end.";
    invalid_form: "入力内容を読み取れませんでした。ページを読み込み直して、もう一度お試しください。", "The form could not be read; reload the page and try again.";
    busy: "受付が混み合っています。しばらくしてから再度お試しください。", "Too busy; try again shortly.";
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
