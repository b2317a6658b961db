DROP TABLE users;
DROP TABLE routing_log;
DROP TABLE queue;
DROP TABLE nodes;
DROP TABLE registry_versions;
