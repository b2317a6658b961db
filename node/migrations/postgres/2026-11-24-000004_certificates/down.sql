DROP TABLE certificate_revocations;
