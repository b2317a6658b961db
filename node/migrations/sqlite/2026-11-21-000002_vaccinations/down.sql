DROP TABLE outbox;
DROP TABLE vaccination_changes;
DROP TABLE vaccinations;
