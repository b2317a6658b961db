//! The diesel schema shared by both backends. Each migration folder (sqlite, postgres)
//! must produce these tables; `tests/schema_matches.rs` checks it on both databases.

diesel::table! {
    residents (atena) {
        atena -> Text,
        family_name -> Text,
        given_name -> Text,
        family_kana -> Text,
        given_kana -> Text,
        birth_date -> Text,
        sex -> SmallInt,
        status -> SmallInt,
        coupon_number -> Text,
        import_id -> BigInt,
        import_line -> BigInt,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    coupon_history (id) {
        id -> BigInt,
        atena -> Text,
        coupon_number -> Text,
        deactivated_at -> BigInt,
        import_id -> BigInt,
    }
}

diesel::table! {
    my_numbers (atena) {
        atena -> Text,
        lookup_hash -> Binary,
        sealed -> Binary,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        name -> Text,
        role -> Text,
        token_hash -> Binary,
        created_at -> BigInt,
        disabled_at -> Nullable<BigInt>,
        expires_at -> BigInt,
    }
}

diesel::table! {
    imports (id) {
        id -> BigInt,
        started_at -> BigInt,
        finished_at -> Nullable<BigInt>,
        actor -> Text,
        mode -> Text,
        outcome -> Text,
        rows_inserted -> BigInt,
        rows_updated -> BigInt,
        rows_unchanged -> BigInt,
        rows_rejected -> BigInt,
    }
}

diesel::table! {
    access_log (id) {
        id -> BigInt,
        at -> BigInt,
        actor -> Text,
        role -> Text,
        action -> Text,
        atena -> Nullable<Text>,
        detail -> Nullable<Text>,
        seq -> Nullable<BigInt>,
        hash -> Nullable<Binary>,
    }
}

diesel::table! {
    access_log_chain (id) {
        id -> SmallInt,
        head_seq -> BigInt,
        head_hash -> Binary,
        anchor_seq -> BigInt,
        anchor_hash -> Binary,
        legacy_sealed -> SmallInt,
    }
}

diesel::table! {
    audit_checkpoints (seq) {
        seq -> BigInt,
        entries -> BigInt,
        head -> Binary,
        at_ms -> BigInt,
        signature -> Binary,
        acknowledged_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    vaccinations (id) {
        id -> Text,
        municipality -> Text,
        coupon_number -> Text,
        coupon_type -> SmallInt,
        dose_number -> SmallInt,
        atena -> Nullable<Text>,
        vaccinated_on -> Text,
        product -> Text,
        lot -> Text,
        site -> Text,
        doctor -> Text,
        status -> Text,
        review -> Text,
        warnings -> Text,
        source -> Text,
        recorded_by -> Text,
        idempotency_key -> Nullable<Text>,
        request_digest -> Binary,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    vaccination_changes (id) {
        id -> BigInt,
        vaccination_id -> Text,
        at -> BigInt,
        actor -> Text,
        action -> Text,
        reason -> Text,
        old_values -> Text,
    }
}

diesel::table! {
    outbox (message_id) {
        message_id -> Text,
        vaccination_id -> Text,
        target_municipality -> Text,
        payload -> Text,
        state -> Text,
        attempts -> BigInt,
        created_at -> BigInt,
        last_attempt_at -> Nullable<BigInt>,
        next_attempt_at -> BigInt,
        acknowledged_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    protected_residents (atena) {
        atena -> Text,
        since -> BigInt,
        set_by -> Text,
    }
}

diesel::table! {
    disclosures (id) {
        id -> BigInt,
        inquiry_id -> Text,
        atena -> Text,
        asker -> Text,
        basis -> Text,
        method -> Text,
        asker_staff -> Text,
        outcome -> Text,
        doses -> BigInt,
        at -> BigInt,
        review -> Text,
        reviewed_by -> Nullable<Text>,
        reviewed_at -> Nullable<BigInt>,
        review_note -> Nullable<Text>,
    }
}

diesel::table! {
    certificate_revocations (id) {
        id -> BigInt,
        rid -> Text,
        revoked_at -> BigInt,
        reason -> Text,
        vaccination_id -> Text,
    }
}

diesel::table! {
    user_passwords (user_id) {
        user_id -> BigInt,
        hash -> Text,
        set_at -> BigInt,
        set_by -> Text,
    }
}

diesel::table! {
    web_sessions (token_hash) {
        token_hash -> Binary,
        user_id -> BigInt,
        method -> Text,
        created_at -> BigInt,
        last_seen_at -> BigInt,
        expires_at -> BigInt,
    }
}

diesel::table! {
    site_day_settings (user_id, day) {
        user_id -> BigInt,
        day -> Text,
        site -> Text,
        doctor -> Text,
        product -> Text,
        lot -> Text,
        updated_at -> BigInt,
    }
}

diesel::table! {
    retention_runs (id) {
        id -> BigInt,
        at -> BigInt,
        cutoff -> Text,
    }
}

diesel::joinable!(my_numbers -> residents (atena));
diesel::joinable!(protected_residents -> residents (atena));
diesel::joinable!(disclosures -> residents (atena));
diesel::joinable!(vaccinations -> residents (atena));
diesel::joinable!(vaccination_changes -> vaccinations (vaccination_id));
diesel::joinable!(outbox -> vaccinations (vaccination_id));
diesel::joinable!(coupon_history -> residents (atena));
diesel::joinable!(user_passwords -> users (user_id));
diesel::joinable!(web_sessions -> users (user_id));
diesel::joinable!(site_day_settings -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(
    residents,
    coupon_history,
    my_numbers,
    users,
    imports,
    access_log,
    access_log_chain,
    audit_checkpoints,
    vaccinations,
    vaccination_changes,
    outbox,
    protected_residents,
    disclosures,
    certificate_revocations,
    user_passwords,
    web_sessions,
    site_day_settings,
    retention_runs
);
